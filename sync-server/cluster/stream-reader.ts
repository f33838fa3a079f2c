/**
 * Reads every stream of the node's documents on one connection with a blocking XREAD, and hands
 * what it read to the documents. A change in the set of documents wakes the blocked read with
 * CLIENT UNBLOCK (sent on the other connection), so the next read covers the new set.
 */
import type { Redis } from 'ioredis';
import type { Scheduler } from '../scheduler';
import { READ_COUNT, type DocumentRelays } from './document-relays';

const BLOCK_MS = 5_000;
/** After a failed read: Redis is away, and ioredis queues the next command until it is back. */
const RETRY_AFTER_MS = 200;

/** XREAD's reply, as xreadBuffer gives it. */
type ReadReply = Array<[stream: Buffer, entries: Array<[id: Buffer, fields: Buffer[]]>]>;

export class StreamReader {
  private readerClientId: number | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly reader: Redis,
    /** Sends CLIENT UNBLOCK: the reading connection is busy with its XREAD. */
    private readonly commands: Redis,
    private readonly documents: Pick<DocumentRelays, 'size' | 'readPositions' | 'receive'>,
    private readonly scheduler: Pick<Scheduler, 'setTimeout'>,
    private readonly recordError: (error: unknown) => void,
  ) {}

  start(): void {
    this.loop ??= this.readForever();
  }

  /** Ends the loop; it ends once its pending read returns, which closing the connection makes it do. */
  stop(): Promise<void> {
    this.stopped = true;
    this.streamsChanged();
    return this.loop?.catch(() => undefined) ?? Promise.resolve();
  }

  /** The reading connection was established anew: it has a new client id. */
  reconnected(): void {
    this.readerClientId = null;
  }

  /** Makes the blocked XREAD return at once, so the next one reads the current set of streams. */
  streamsChanged(): void {
    const resolve = this.wake;
    this.wake = null;
    resolve?.();
    if (this.readerClientId !== null && this.commands.status === 'ready') {
      this.commands.client('UNBLOCK', this.readerClientId).catch(() => undefined);
    }
  }

  private async readForever(): Promise<void> {
    while (!this.stopped) {
      if (this.documents.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        this.readerClientId ??= Number(await this.reader.client('ID'));
        const { streams, ids } = this.documents.readPositions();
        const reply = (await this.reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...streams, ...ids)) as ReadReply | null;
        if (reply !== null) for (const [stream, entries] of reply) this.documents.receive(stream.toString(), entries);
      } catch (error) {
        if (this.stopped) return;
        this.recordError(error);
        await new Promise<void>((resolve) => this.scheduler.setTimeout(resolve, RETRY_AFTER_MS));
      }
    }
  }
}
