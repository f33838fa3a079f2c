/**
 * Sends what the node adds to its documents' streams. What it adds in one event-loop turn (every
 * client message its sockets delivered in that turn, every answer to a state vector) goes out as
 * one pipeline at the end of the turn, in the order it was added: one write instead of one per
 * entry, for the node and for Redis (which then also fsyncs its append-only file once for all).
 */
import type { Redis } from 'ioredis';
import type { Scheduler } from '../scheduler';
import type { EntryFields } from './stream-entry';

/**
 * Streams are trimmed to about this many entries: they are a transport, not the store. Whatever a
 * node lacks beyond them it asks for with its state vector (document-relay.ts).
 */
export const MAX_STREAM_LENGTH = 1_000;

export class StreamWriter {
  private unsent: Array<{ readonly stream: string; readonly fields: EntryFields }> = [];
  private sendScheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly scheduler: Pick<Scheduler, 'atEndOfTurn'>,
    private readonly recordError: (error: unknown) => void,
  ) {}

  add(stream: string, fields: EntryFields): void {
    this.unsent.push({ stream, fields });
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    this.scheduler.atEndOfTurn(this.sendUnsent);
  }

  /** Sends what is queued now (also at stop, so that nothing added before it is dropped). */
  readonly sendUnsent = (): void => {
    this.sendScheduled = false;
    const entries = this.unsent;
    if (entries.length === 0) return;
    this.unsent = [];
    const pipeline = this.redis.pipeline();
    for (const { stream, fields } of entries) pipeline.xadd(stream, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', ...fields);
    pipeline
      .exec()
      .then((results) => {
        for (const [error] of results ?? []) if (error) this.recordError(error);
      })
      .catch((error: unknown) => this.recordError(error));
  };
}
