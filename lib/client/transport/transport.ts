/**
 * A frame pipe to the sync server that keeps itself connected: what the sync session needs from a
 * network, and nothing about how. The WebSocket transport and the HTTP fallback implement it, and
 * FallbackTransport chooses between them, so nothing here may mention sockets, URLs or close handshakes.
 */

/** Where the transport stands. `open` is the only state in which `send` delivers anything. */
export type TransportState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'open' }
  /** Lost or failed; another attempt is scheduled. */
  | { readonly kind: 'waiting'; readonly retryInMs: number }
  /** The device is offline; the next attempt starts when it comes back. */
  | { readonly kind: 'offline' }
  /**
   * The server refused us for good (no or bad permission, a revoked or expired link): retrying
   * cannot help. `reason` is the server's own words when it gave any (see lib/protocol/close-reasons.ts).
   */
  | { readonly kind: 'refused'; readonly code: number; readonly reason?: string }
  /** close() was called. */
  | { readonly kind: 'closed' };

/**
 * Why an open or opening link ended. `transport-switch`: the link moves to another carrier (the
 * HTTP fallback and back) and a new one opens at once; nothing failed.
 */
export type LinkLossCause = 'server-closed' | 'unresponsive' | 'device-offline' | 'connect-failed' | 'transport-switch';

export interface LinkLoss {
  readonly cause: LinkLossCause;
  /** The server's close code, when it gave one. */
  readonly code: number | null;
  /** The server's close reason, only when it gave a non-empty one. */
  readonly reason?: string;
}

export interface TransportListener {
  /** A link is up: frames sent from now on reach the server. The session starts its handshake here. */
  onOpen?(): void;
  /** One frame from the server, in order. */
  onFrame?(frame: Uint8Array): void;
  /** The link is gone (whatever was sent and not answered may be lost). Follows onOpen, or a failed attempt. */
  onLinkLost?(loss: LinkLoss): void;
  onStateChange?(state: TransportState): void;
}

export interface Transport {
  readonly state: TransportState;
  /** Starts connecting, and keeps the link up (reconnecting as needed) until close(). */
  open(): void;
  /** Ends the link and every retry, for good. */
  close(): void;
  /** Sends one frame on the open link; returns false (and drops it) when there is none. */
  send(frame: Uint8Array): boolean;
  /**
   * The session has confirmed this link works end to end (the document synced): later failures
   * start the backoff from its shortest delay again. Without it a server that accepts and then
   * fails every time would be retried at the shortest delay for ever.
   */
  markEstablished(): void;
  listen(listener: TransportListener): () => void;
}
