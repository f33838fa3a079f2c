/**
 * Cluster mode's distribution: what a node's clients send to a document reaches every other node
 * that has the document loaded, through one Redis stream per document (its key: redis-keys.ts; its
 * entries: stream-entry.ts).
 *
 * Why streams rather than pub/sub: an entry stays readable after it was added, so a node reads
 * from where it left off after a reconnect instead of losing what was published meanwhile
 * (Redis pub/sub delivers at most once, to whoever listens at that moment). Streams are trimmed
 * (stream-writer.ts): they are a transport, not the store. Whatever a node lacks beyond them (it
 * loaded later, Redis lost its data, it fell behind) it asks for with its state vector, and every
 * node holding the document answers with the difference, which Yjs merges idempotently
 * (document-relay.ts says when).
 *
 * This module is the Redis side and the wiring: two connections (one sends, one reads: the read
 * blocks), their reconnects, and health. What to do with an entry is document-relays.ts's, with no
 * Redis in it; every timer and deferral goes through the injected scheduler.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { DocumentChannel, RelayedDocument } from './relayed-document';
import { createSystemScheduler, type Scheduler } from '../scheduler';
import { DocumentLease, HISTORIAN } from './document-lease';
import { DocumentRelays } from './document-relays';
import type { RelayHealth } from './relay-health';
import { redisConnection } from './redis-connection';
import { StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';

export type { RelayHealth } from './relay-health';

export interface StreamRelayDeps {
  readonly logger: Logger;
  /** Timers, timestamps and end-of-turn sends; the real clock unless a test drives time. */
  readonly scheduler?: Scheduler;
  /** In [0, 1): spreads digests over their period. */
  readonly random?: () => number;
}

export class StreamRelay {
  readonly nodeId = randomBytes(8).toString('hex');
  /** Who compacts and who records versions of which document (document-lease.ts), on the sending connection. */
  readonly compactionLease: DocumentLease;
  readonly historyLease: DocumentLease;
  /** Called when the node loses Redis (false) and has it again (true): the others see its edits again. */
  onConnectedChange: ((connected: boolean) => void) | null = null;

  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly documents: DocumentRelays;
  private readonly writer: StreamWriter;
  private readonly streamReader: StreamReader;
  private lastError: string | null = null;
  private wasConnected = false;

  constructor(
    url: string,
    private readonly deps: StreamRelayDeps,
  ) {
    const scheduler = deps.scheduler ?? createSystemScheduler();
    this.commands = redisConnection(url, `tandem-${this.nodeId}-send`);
    this.reader = redisConnection(url, `tandem-${this.nodeId}-read`);
    // Long enough for a compaction of a big document; a stalled node is fenced out after it anyway.
    this.compactionLease = new DocumentLease(this.commands, this.nodeId, 60_000);
    this.historyLease = new DocumentLease(this.commands, this.nodeId, 60_000, HISTORIAN);

    const recordError = (error: unknown): void => this.recordError(error);
    this.writer = new StreamWriter(this.commands, scheduler, recordError);
    this.documents = new DocumentRelays({
      nodeId: this.nodeId,
      scheduler,
      logger: deps.logger,
      random: deps.random ?? Math.random,
      port: {
        add: (stream, fields) => this.writer.add(stream, fields),
        streamInfo: (stream) =>
          this.commands.call('XINFO', 'STREAM', stream).catch((error: unknown) => {
            recordError(error);
            throw error;
          }),
        streamsChanged: () => this.streamReader.streamsChanged(),
      },
    });
    this.streamReader = new StreamReader(this.reader, this.commands, this.documents, scheduler, recordError);

    for (const connection of [this.commands, this.reader]) {
      connection.on('error', recordError);
      connection.on('ready', () => {
        if (this.lastError !== null) this.deps.logger.info('redis reachable again');
        this.lastError = null;
        this.reportConnected();
      });
      connection.on('close', () => this.reportConnected());
    }
    // After a reconnect the reader has a new client id, and Redis may have lost entries: ask again.
    this.reader.on('ready', () => {
      this.streamReader.reconnected();
      this.documents.askEveryone();
    });
  }

  async start(): Promise<void> {
    // A node that starts while Redis is away serves its own clients and joins the others once
    // Redis is back (ioredis keeps retrying), as a node that loses Redis later does.
    await Promise.all([this.commands.connect(), this.reader.connect()]).catch((error: unknown) => this.recordError(error));
    this.streamReader.start();
    this.documents.startSweeping();
  }

  async stop(): Promise<void> {
    this.documents.stopSweeping();
    this.writer.sendUnsent();
    const readerDone = this.streamReader.stop();
    this.commands.disconnect();
    this.reader.disconnect();
    await readerDone;
  }

  health(): RelayHealth {
    const { counters } = this.documents;
    return {
      connected: this.commands.status === 'ready' && this.reader.status === 'ready',
      lastError: this.lastError,
      documents: this.documents.size,
      entriesSent: counters.entriesSent,
      entriesReceived: counters.entriesReceived,
      unconfirmedUpdates: this.documents.unconfirmedUpdates,
      orphansStored: counters.orphansStored,
      gapsDetected: counters.gapsDetected,
      digestMismatches: counters.digestMismatches,
      catchUps: counters.catchUps,
    };
  }

  /** Starts relaying a loaded document: catches up on its stream and asks the others what it lacks. */
  open(docName: string, document: RelayedDocument): DocumentChannel {
    return this.documents.open(docName, document);
  }

  private reportConnected(): void {
    const connected = this.health().connected;
    if (connected === this.wasConnected) return;
    this.wasConnected = connected;
    this.onConnectedChange?.(connected);
  }

  private recordError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.lastError === null) this.deps.logger.warn({ err: error }, 'redis unreachable; relaying resumes when it is back');
    this.lastError = message;
  }
}
