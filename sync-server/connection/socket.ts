/**
 * What the server's logic sees of a WebSocket. Only transport.ts knows the `ws` library; rooms and
 * connections are tested over an in-memory pair implementing this interface.
 */
export interface Socket {
  /** Queues a frame; `onWritten` runs once it has reached the operating system (or the socket is gone). */
  send(data: Uint8Array, onWritten?: () => void): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection without a handshake (for peers that stopped answering or reading). */
  terminate(): void;
  /** Bytes handed to send() that have not reached the operating system yet. */
  readonly bufferedAmount: number;
}

/** What the transport reports about one socket. */
export interface SocketEvents {
  onFrame(frame: Uint8Array, isBinary: boolean): void;
  /** A transport-level failure the `ws` library detected (oversized frame, bad framing). */
  onTransportError(error: Error & { code?: string }): void;
  onPingTimeout(): void;
  onClose(code: number): void;
}

const ignore = (): void => undefined;
/** The events of a socket nobody listens to (yet): a refused connection only waits to be closed. */
export const ignoredSocketEvents: SocketEvents = {
  onFrame: ignore,
  onTransportError: ignore,
  onPingTimeout: ignore,
  onClose: ignore,
};
