/**
 * Cluster mode's distribution: what a node's clients send to a document reaches every other node
 * that has the document loaded, through one Redis stream per document.
 *
 *   tandem:{<encodeURIComponent(name)>}:stream    entries: n = node id, k = kind, d = bytes
 *     k = u   a Yjs update a client of node n sent (validated and applied there first)
 *     k = p   a presence (awareness) update of node n's clients
 *     k = s   node n's state vector: "send me what I lack" (on load, and after Redis comes back)
 *
 * Why streams rather than pub/sub: an entry stays readable after it was added, so a node reads
 * from where it left off after a reconnect instead of losing what was published meanwhile
 * (Redis pub/sub delivers at most once, to whoever listens at that moment). Streams are trimmed
 * to about MAX_STREAM_LENGTH entries: they are a transport, not the store. Whatever a node lacks
 * beyond them (it loaded later, Redis lost its data) it asks for with its state vector, and every
 * node holding the document answers with the difference, which Yjs merges idempotently.
 *
 * One connection sends; one reads every stream of the node's documents with a blocking XREAD, woken
 * with CLIENT UNBLOCK when the set of documents changes. What the node adds in one event-loop turn
 * (every client message its sockets delivered in that turn, every answer to a state vector) goes
 * out as one pipeline, in the order it was added: one write instead of one per entry, for the node
 * and for Redis (which then also fsyncs its append-only file once for all of them).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { CompactionLease } from './compaction-lease';

/** What the relay needs of a loaded document. */
export interface RelayedDocument {
  applyRemoteUpdate(update: Uint8Array): void;
  applyRemotePresence(nodeId: string, update: Uint8Array): void;
  /** What a node with `stateVector` lacks, or null when it lacks nothing. */
  diffFor(stateVector: Uint8Array): Uint8Array | null;
  /** This node's state vector, to ask the others for what it lacks. */
  stateVector(): Uint8Array;
}

/** A document's side of the relay, held by its room. */
export interface DocumentChannel {
  publishUpdate(update: Uint8Array): void;
  publishPresence(update: Uint8Array): void;
  close(): void;
}

export interface RelayHealth {
  readonly connected: boolean;
  readonly lastError: string | null;
  readonly documents: number;
  readonly entriesSent: number;
  readonly entriesReceived: number;
}

const MAX_STREAM_LENGTH = 1_000;
const BLOCK_MS = 5_000;
const READ_COUNT = 500;

interface Subscription {
  readonly document: RelayedDocument;
  /** The last entry read; '0' reads the whole retained stream first (catching up on load). */
  lastId: string;
}

export class StreamRelay {
  readonly nodeId = randomBytes(8).toString('hex');
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly subscriptions = new Map<string, Subscription>();
  private readerClientId: number | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private lastError: string | null = null;
  private entriesSent = 0;
  private entriesReceived = 0;
  private readLoop: Promise<void> | null = null;
  /** Entries added this turn, sent together once the turn's I/O is handled (setImmediate). */
  private unsent: Array<{ key: string; kind: 'u' | 'p' | 's'; data: Uint8Array }> = [];
  private sendScheduled = false;
  /** Who compacts which document (cluster/compaction-lease.ts), on the sending connection. */
  readonly compactionLease: CompactionLease;

  /** Called when the node loses Redis (false) and has it again (true): the others see its edits again. */
  onConnectedChange: ((connected: boolean) => void) | null = null;
  private wasConnected = false;

  constructor(
    url: string,
    private readonly deps: { readonly logger: Logger },
  ) {
    const options = {
      // Reconnect with capped backoff; commands wait while it is down rather than failing at once.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
      maxRetriesPerRequest: null,
      lazyConnect: true,
    };
    this.commands = new Redis(url, { ...options, connectionName: `tandem-${this.nodeId}-send` });
    this.reader = new Redis(url, { ...options, connectionName: `tandem-${this.nodeId}-read` });
    // Long enough for a compaction of a big document; a stalled node is fenced out after it anyway.
    this.compactionLease = new CompactionLease(this.commands, this.nodeId, 60_000);
    for (const connection of [this.commands, this.reader]) {
      connection.on('error', (error: Error) => this.recordError(error));
      connection.on('ready', () => {
        if (this.lastError !== null) this.deps.logger.info('redis reachable again');
        this.lastError = null;
        this.reportConnected();
      });
      connection.on('close', () => this.reportConnected());
    }
    // After a reconnect the reader has a new client id, and Redis may have lost entries: ask again.
    this.reader.on('ready', () => {
      this.readerClientId = null;
      this.askEveryone();
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.commands.connect(), this.reader.connect()]);
    this.readLoop = this.readForever();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sendUnsent();
    this.wakeReader();
    this.commands.disconnect();
    this.reader.disconnect();
    await this.readLoop?.catch(() => undefined);
  }

  health(): RelayHealth {
    return {
      connected: this.commands.status === 'ready' && this.reader.status === 'ready',
      lastError: this.lastError,
      documents: this.subscriptions.size,
      entriesSent: this.entriesSent,
      entriesReceived: this.entriesReceived,
    };
  }

  /** Starts relaying a loaded document: catches up on its stream and asks the others what it lacks. */
  open(docName: string, document: RelayedDocument): DocumentChannel {
    const key = streamKey(docName);
    this.subscriptions.set(key, { document, lastId: '0' });
    this.wakeReader();
    this.add(key, 's', document.stateVector());
    return {
      publishUpdate: (update) => this.add(key, 'u', update),
      publishPresence: (update) => this.add(key, 'p', update),
      close: () => {
        this.subscriptions.delete(key);
        this.wakeReader();
      },
    };
  }

  private add(key: string, kind: 'u' | 'p' | 's', data: Uint8Array): void {
    this.entriesSent++;
    this.unsent.push({ key, kind, data });
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(this.sendUnsent);
  }

  private readonly sendUnsent = (): void => {
    this.sendScheduled = false;
    const entries = this.unsent;
    if (entries.length === 0) return;
    this.unsent = [];
    const pipeline = this.commands.pipeline();
    for (const { key, kind, data } of entries) {
      pipeline.xadd(key, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'n', this.nodeId, 'k', kind, 'd', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    pipeline
      .exec()
      .then((results) => {
        for (const [error] of results ?? []) if (error) this.recordError(error);
      })
      .catch((error: unknown) => this.recordError(error));
  };

  private askEveryone(): void {
    for (const [key, subscription] of this.subscriptions) this.add(key, 's', subscription.document.stateVector());
  }

  private async readForever(): Promise<void> {
    while (!this.stopped) {
      if (this.subscriptions.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        this.readerClientId ??= Number(await this.reader.client('ID'));
        const keys = [...this.subscriptions.keys()];
        const ids = keys.map((key) => this.subscriptions.get(key)!.lastId);
        const result = await this.reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids);
        if (result !== null) this.dispatch(result);
      } catch (error) {
        if (this.stopped) return;
        this.recordError(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private dispatch(result: Array<[Buffer, Array<[Buffer, Buffer[]]>]>): void {
    for (const [rawKey, entries] of result) {
      const key = rawKey.toString();
      const subscription = this.subscriptions.get(key);
      if (subscription === undefined) continue;
      for (const [rawId, fields] of entries) {
        subscription.lastId = rawId.toString();
        const entry = readFields(fields);
        if (entry === null || entry.node === this.nodeId) continue;
        this.entriesReceived++;
        // One document's bad entry must not stop the others, nor the rest of its own stream.
        try {
          this.apply(key, subscription.document, entry);
        } catch (error) {
          this.deps.logger.warn({ err: error, stream: key, node: entry.node }, 'ignored a relayed entry that could not be applied');
        }
      }
    }
  }

  private apply(key: string, document: RelayedDocument, entry: { node: string; kind: string; data: Uint8Array }): void {
    switch (entry.kind) {
      case 'u':
        document.applyRemoteUpdate(entry.data);
        return;
      case 'p':
        document.applyRemotePresence(entry.node, entry.data);
        return;
      case 's': {
        const diff = document.diffFor(entry.data);
        if (diff !== null) this.add(key, 'u', diff);
        return;
      }
    }
  }

  /** Makes the blocked XREAD return at once, so the next one reads the current set of streams. */
  private wakeReader(): void {
    const resolve = this.wake;
    this.wake = null;
    resolve?.();
    if (this.readerClientId !== null && this.commands.status === 'ready') {
      this.commands.client('UNBLOCK', this.readerClientId).catch(() => undefined);
    }
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

export function streamKey(docName: string): string {
  // The braces make it a Redis Cluster hash tag: everything of one document on one shard.
  return `tandem:{${encodeURIComponent(docName)}}:stream`;
}

function readFields(fields: Buffer[]): { node: string; kind: string; data: Uint8Array } | null {
  let node: string | null = null;
  let kind: string | null = null;
  let data: Uint8Array | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    const value = fields[i + 1]!;
    if (name === 'n') node = value.toString();
    else if (name === 'k') kind = value.toString();
    else if (name === 'd') data = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return node !== null && kind !== null && data !== null ? { node, kind, data } : null;
}
