/**
 * Answers a client's save request once everything it sent before is durable. A newer request covers
 * everything an older one did, so a connection waits at most once: requests arriving during the
 * wait only move the id to answer, and the wait is renewed for what they cover. While the disk is
 * failing, a client that keeps asking does not pile up waiters.
 */
import { encodeSaved } from '../../lib/protocol/messages';
import type { RoomConnection } from './participants';

export class SaveAcknowledgements {
  /** Per connection waiting for "saved": the newest request id it sent. */
  private readonly waiting = new Map<RoomConnection, number>();

  /** `durable`: resolves once everything the room accepted so far is stored. */
  constructor(private readonly durable: () => Promise<void>) {}

  request(connection: RoomConnection, requestId: number): void {
    const waiting = this.waiting.has(connection);
    this.waiting.set(connection, requestId);
    if (!waiting) this.answerWhenDurable(connection);
  }

  /** The connection left: it is answered no more. */
  forget(connection: RoomConnection): void {
    this.waiting.delete(connection);
  }

  private answerWhenDurable(connection: RoomConnection): void {
    const requestId = this.waiting.get(connection);
    if (requestId === undefined) return;
    void this.durable().then(() => {
      const latest = this.waiting.get(connection);
      if (latest === undefined) return; // the connection left
      if (latest !== requestId) return this.answerWhenDurable(connection);
      this.waiting.delete(connection);
      connection.send(encodeSaved(requestId));
    });
  }
}
