/**
 * What one connection may do: frame size, presence, message and byte rates, what it may leave
 * unread. Read from the environment by config.ts; enforced by connection.ts.
 */
export interface ConnectionLimits {
  /** Largest frame accepted; also bounds a first sync, so it must fit the largest document. */
  readonly maxMessageBytes: number;
  readonly maxAwarenessStateBytes: number;
  /** Presence client ids one connection may introduce (a browser tab uses one). */
  readonly maxPresenceIdsPerConnection: number;
  readonly messagesPerSecond: number;
  /** Messages a connection may send at once above its sustained rate (a scripted burst, a reconnect). */
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  /** Outgoing bytes a client may leave unread before the slow-client timer starts. */
  readonly sendBufferLimitBytes: number;
  readonly slowClientTimeoutMs: number;
  /** Frames that may queue while a document loads, before the connection counts as flooding. */
  readonly maxQueuedBytesWhileLoading: number;
  /** Largest request body the document API reads (imported Markdown or HTML). */
  readonly maxApiBodyBytes: number;
}
