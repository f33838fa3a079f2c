/**
 * Cluster mode's distribution: what a node's clients send to a document reaches every other node
 * that has the document loaded, through one Redis stream per document.
 *
 *   tandem:{<encodeURIComponent(name)>}:stream    entries: n = node id, k = kind, d = bytes
 *     k = u   a Yjs update a client of node n sent (validated and applied there first); a = its
 *             author as version history credits it ({"name","color"} JSON), when known; o, q =
 *             the sending room and the update's sequence number there; c = how far it has stored
 *     k = c   c only: node n's room o has stored its updates up to c (unconfirmed-updates.ts)
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
import { DocumentLease, HISTORIAN } from './document-lease';
import { UnconfirmedUpdates } from './unconfirmed-updates';

/** What the relay needs of a loaded document. */
export interface RelayedDocument {
  applyRemoteUpdate(update: Uint8Array, author: string | null): void;
  applyRemotePresence(nodeId: string, update: Uint8Array): void;
  /** What a node with `stateVector` lacks, or null when it lacks nothing. */
  diffFor(stateVector: Uint8Array): Uint8Array | null;
  /** This node's state vector, to ask the others for what it lacks. */
  stateVector(): Uint8Array;
  /** Stores relayed updates whose sender never said it stored them (it may have died). */
  keepRelayed(updates: readonly Uint8Array[]): void;
}

/** A document's side of the relay, held by its room. */
export interface DocumentChannel {
  /** `seq`: the update's number in this node's storage queue of the document. */
  publishUpdate(update: Uint8Array, author: string | null, seq: number): void;
  publishPresence(update: Uint8Array): void;
  /** This node has stored its updates up to `seq`; the others hear it soon. */
  confirmStored(seq: number): void;
  /** Hands every relayed update still unconfirmed to the document to store (before it unloads). */
  keepUnconfirmed(): void;
  /** Resolves once every relayed update held unconfirmed now is confirmed or handed to the document. */
  settled(): Promise<void>;
  close(): void;
}

export interface RelayHealth {
  readonly connected: boolean;
  readonly lastError: string | null;
  readonly documents: number;
  readonly entriesSent: number;
  readonly entriesReceived: number;
  /** Relayed updates held until their node says it stored them. */
  readonly unconfirmedUpdates: number;
  /** Relayed updates stored here because their node never confirmed them (it died, or cannot store). */
  readonly orphansStored: number;
}

const MAX_STREAM_LENGTH = 1_000;
const BLOCK_MS = 5_000;
const READ_COUNT = 500;
/** How often stored positions are announced (when no update carried them) and stale updates kept. */
const SWEEP_MS = 250;
/** A relayed update not confirmed by then is stored by its receivers: its sender is gone or cannot store. */
const UNCONFIRMED_KEEP_AFTER_MS = 3_000;
const MAX_UNCONFIRMED_PER_SENDER = 10_000;

interface Subscription {
  readonly document: RelayedDocument;
  /** The last entry read; '0' reads the whole retained stream first (catching up on load). */
  lastId: string;
  /** This room, as its entries name it: seqs restart with each load of the document. */
  readonly room: string;
  /** How far this node has stored its own updates, and how far it has said so. */
  storedSeq: number;
  announcedSeq: number;
  readonly unconfirmed: UnconfirmedUpdates;
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
  private orphansStored = 0;
  private readLoop: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private rooms = 0;
  /** Entries added this turn, sent together once the turn's I/O is handled (setImmediate). */
  private unsent: Array<{ key: string; kind: 'u' | 'p' | 's' | 'c'; data: Uint8Array; extra: readonly string[] }> = [];
  private sendScheduled = false;
  /** Who compacts and who records versions of which document (document-lease.ts), on the sending connection. */
  readonly compactionLease: DocumentLease;
  readonly historyLease: DocumentLease;

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
    this.compactionLease = new DocumentLease(this.commands, this.nodeId, 60_000);
    this.historyLease = new DocumentLease(this.commands, this.nodeId, 60_000, HISTORIAN);
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
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
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
      unconfirmedUpdates: [...this.subscriptions.values()].reduce((sum, subscription) => sum + subscription.unconfirmed.size, 0),
      orphansStored: this.orphansStored,
    };
  }

  /** Starts relaying a loaded document: catches up on its stream and asks the others what it lacks. */
  open(docName: string, document: RelayedDocument): DocumentChannel {
    const key = streamKey(docName);
    const subscription: Subscription = {
      document,
      lastId: '0',
      room: String(++this.rooms),
      storedSeq: 0,
      announcedSeq: 0,
      unconfirmed: new UnconfirmedUpdates(MAX_UNCONFIRMED_PER_SENDER),
    };
    this.subscriptions.set(key, subscription);
    this.wakeReader();
    this.add(key, 's', document.stateVector());
    return {
      publishUpdate: (update, author, seq) => {
        const fields = ['o', subscription.room, 'q', String(seq)];
        if (author !== null) fields.push('a', author);
        // What is stored by now rides along: no entry of its own is needed while people type.
        if (subscription.storedSeq > subscription.announcedSeq) {
          fields.push('c', String(subscription.storedSeq));
          subscription.announcedSeq = subscription.storedSeq;
        }
        this.add(key, 'u', update, fields);
      },
      publishPresence: (update) => this.add(key, 'p', update),
      confirmStored: (seq) => {
        subscription.storedSeq = Math.max(subscription.storedSeq, seq);
      },
      settled: () => subscription.unconfirmed.settled(),
      keepUnconfirmed: () => {
        const held = subscription.unconfirmed.takeAll();
        if (held.length > 0) document.keepRelayed(held);
      },
      close: () => {
        this.announceStored(key, subscription);
        if (this.subscriptions.get(key) === subscription) this.subscriptions.delete(key);
        this.wakeReader();
      },
    };
  }

  private add(key: string, kind: 'u' | 'p' | 's' | 'c', data: Uint8Array, extra: readonly string[] = []): void {
    this.entriesSent++;
    this.unsent.push({ key, kind, data, extra });
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
    for (const { key, kind, data, extra } of entries) {
      pipeline.xadd(key, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'n', this.nodeId, 'k', kind, 'd', Buffer.from(data.buffer, data.byteOffset, data.byteLength), ...extra);
    }
    pipeline
      .exec()
      .then((results) => {
        for (const [error] of results ?? []) if (error) this.recordError(error);
      })
      .catch((error: unknown) => this.recordError(error));
  };

  private announceStored(key: string, subscription: Subscription): void {
    if (subscription.storedSeq <= subscription.announcedSeq) return;
    subscription.announcedSeq = subscription.storedSeq;
    this.add(key, 'c', EMPTY, ['o', subscription.room, 'c', String(subscription.storedSeq)]);
  }

  /** Announces stored positions no update carried, and stores what others relayed and never confirmed. */
  private sweep(): void {
    const cutoff = Date.now() - UNCONFIRMED_KEEP_AFTER_MS;
    for (const [key, subscription] of this.subscriptions) {
      this.announceStored(key, subscription);
      if (subscription.unconfirmed.size === 0) continue;
      const stale = subscription.unconfirmed.takeOlderThan(cutoff);
      if (stale.length === 0) continue;
      this.deps.logger.warn({ stream: key, updates: stale.length }, 'storing relayed updates their node never confirmed as stored');
      this.orphansStored += stale.length;
      subscription.document.keepRelayed(stale);
    }
  }

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
          this.apply(key, subscription, entry);
        } catch (error) {
          this.deps.logger.warn({ err: error, stream: key, node: entry.node }, 'ignored a relayed entry that could not be applied');
        }
      }
    }
  }

  private apply(key: string, subscription: Subscription, entry: RelayedEntry): void {
    const document = subscription.document;
    const sender = entry.room === null ? null : `${entry.node}/${entry.room}`;
    if (sender !== null && entry.stored !== null) subscription.unconfirmed.confirm(sender, entry.stored);
    switch (entry.kind) {
      case 'u': {
        document.applyRemoteUpdate(entry.data, entry.author);
        if (sender === null || entry.seq === null) return; // a catch-up answer: its sender holds it
        const overflow = subscription.unconfirmed.add(sender, entry.seq, entry.data, Date.now());
        if (overflow.length > 0) document.keepRelayed(overflow);
        return;
      }
      case 'c':
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

const EMPTY = new Uint8Array(0);

interface RelayedEntry {
  readonly node: string;
  readonly kind: string;
  readonly data: Uint8Array;
  readonly author: string | null;
  readonly room: string | null;
  readonly seq: number | null;
  /** The sending room has stored its updates up to here. */
  readonly stored: number | null;
}

function readFields(fields: Buffer[]): RelayedEntry | null {
  let node: string | null = null;
  let kind: string | null = null;
  let data: Uint8Array | null = null;
  let author: string | null = null;
  let room: string | null = null;
  let seq: number | null = null;
  let stored: number | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    const value = fields[i + 1]!;
    if (name === 'n') node = value.toString();
    else if (name === 'k') kind = value.toString();
    else if (name === 'd') data = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else if (name === 'a') author = value.toString();
    else if (name === 'o') room = value.toString();
    else if (name === 'q') seq = counter(value);
    else if (name === 'c') stored = counter(value);
  }
  return node !== null && kind !== null && data !== null ? { node, kind, data, author, room, seq, stored } : null;
}

function counter(value: Buffer): number | null {
  const n = Number(value.toString());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
