/**
 * What the server's logic sees of a WebSocket. Only transport.ts knows the `ws` library; rooms and
 * connections are tested over an in-memory pair implementing this interface.
 */
export interface Socket {
  send(data: Uint8Array): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection without a handshake (for peers that stopped answering or reading). */
  terminate(): void;
  /** Bytes handed to send() that have not reached the operating system yet. */
  readonly bufferedAmount: number;
}
