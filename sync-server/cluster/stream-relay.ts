/**
 * Cluster mode's distribution: what a node's clients send to a document reaches every other node
 * that has the document loaded, through one Redis stream per document (its key: redis-keys.ts).
 *
 *   tandem:{<encodeURIComponent(name)>}:stream    entries: n = node id, k = kind, d = bytes,
 *             o = the sending room (one load of the document on node n), i = the entry's number
 *             among that room's entries (1, 2, 3, …: a receiver sees what it missed)
 *     k = u   a Yjs update a client of node n sent (validated and applied there first); a = its
 *             author as version history credits it ({"name","color"} JSON), when known; q = the
 *             update's sequence number in the room's storage queue; c = how far it has stored.
 *             Without q: an answer to a state vector, which its sender holds already
 *     k = c   c only: node n's room o has stored its updates up to c (unconfirmed-updates.ts)
 *     k = p   a presence (awareness) update of node n's clients
 *     k = s   node n's state vector: "send me what I lack" (on load, after Redis comes back,
 *             after a gap, when a digest shows it lacks something)
 *     k = h   node n's digest of the document (state-digest.ts): d = its state vector, x = a hash
 *             of its delete set; sent every ANTI_ENTROPY_MS
 *
 * Why streams rather than pub/sub: an entry stays readable after it was added, so a node reads
 * from where it left off after a reconnect instead of losing what was published meanwhile
 * (Redis pub/sub delivers at most once, to whoever listens at that moment). Streams are trimmed
 * to about MAX_STREAM_LENGTH entries: they are a transport, not the store. Whatever a node lacks
 * beyond them (it loaded later, Redis lost its data) it asks for with its state vector, and every
 * node holding the document answers with the difference, which Yjs merges idempotently.
 *
 * A node that falls behind (frozen, starved of CPU, its Redis link stalled) must not quietly skip
 * what was trimmed meanwhile: XREAD from a trimmed-away id returns only what is left. Three checks
 * see to it, each ending in the same state-vector exchange: a sender's entry numbers jump; a read
 * that fills its COUNT is followed by a look at the stream's first entry (only a reader at least
 * MAX_STREAM_LENGTH behind can have lost entries to the trim, and such a read is always full);
 * and every ANTI_ENTROPY_MS each node publishes a digest of each document, which heals a divergence
 * of any cause within about one period once edits pause.
 *
 * One connection sends; one reads every stream of the node's documents with a blocking XREAD, woken
 * with CLIENT UNBLOCK when the set of documents changes. What the node adds in one event-loop turn
 * (every client message its sockets delivered in that turn, every answer to a state vector) goes
 * out as one pipeline, in the order it was added: one write instead of one per entry, for the node
 * and for Redis (which then also fsyncs its append-only file once for all of them).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { assertValidStateVector } from '../../lib/protocol/validate-payload';
import type { Logger } from '../logger';
import type { DocumentChannel, RelayedDocument } from './relayed-document';
import { DocumentLease, HISTORIAN } from './document-lease';
import { documentKey } from './redis-keys';
import { SenderSequences } from './sender-sequence';
import { compareDigests } from './state-digest';
import { UnconfirmedUpdates } from './unconfirmed-updates';

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
  /** Times this node found it had missed entries (a sender's numbers jumped, or the stream was trimmed past it). */
  readonly gapsDetected: number;
  /** Times another node's digest showed this node lacked content. */
  readonly digestMismatches: number;
  /** State vectors this node sent to catch up (after a gap or a digest mismatch; not on load). */
  readonly catchUps: number;
}

const MAX_STREAM_LENGTH = 1_000;
const BLOCK_MS = 5_000;
const READ_COUNT = 500;
/** How often stored positions are announced (when no update carried them) and stale updates kept. */
const SWEEP_MS = 250;
/** A relayed update not confirmed by then is stored by its receivers: its sender is gone or cannot store. */
const UNCONFIRMED_KEEP_AFTER_MS = 3_000;
const MAX_UNCONFIRMED_PER_SENDER = 10_000;
/** How often each node publishes each document's digest: divergence of any cause heals within about this. */
const ANTI_ENTROPY_MS = 3_000;
/** A catch-up asked less than this long ago is still being answered: another would fetch it all again. */
const CATCH_UP_SPACING_MS = 250;

type EntryKind = 'u' | 'p' | 's' | 'c' | 'h';

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
  /** The number of the last entry this room added (field i). */
  entriesAdded: number;
  /** The last entry number read from each other room (node/room). */
  readonly senders: SenderSequences;
  /** When this node last asked with its state vector; a wanted catch-up waits for the spacing. */
  lastCatchUpAt: number;
  catchUpWanted: boolean;
  nextDigestAt: number;
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
  private gapsDetected = 0;
  private digestMismatches = 0;
  private catchUps = 0;
  private readLoop: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private rooms = 0;
  /** Entries added this turn, sent together once the turn's I/O is handled (setImmediate). */
  private unsent: Array<{ key: string; kind: EntryKind; data: Uint8Array; fields: readonly string[] }> = [];
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
      // The cap bounds how long after Redis is back the node still edits apart from the others.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 1_000),
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
    // A node that starts while Redis is away serves its own clients and joins the others once
    // Redis is back (ioredis keeps retrying), as a node that loses Redis later does.
    await Promise.all([this.commands.connect(), this.reader.connect()]).catch((error: unknown) => this.recordError(error));
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
      gapsDetected: this.gapsDetected,
      digestMismatches: this.digestMismatches,
      catchUps: this.catchUps,
    };
  }

  /** Starts relaying a loaded document: catches up on its stream and asks the others what it lacks. */
  open(docName: string, document: RelayedDocument): DocumentChannel {
    const key = documentKey(docName, 'stream');
    const subscription: Subscription = {
      document,
      lastId: '0',
      room: String(++this.rooms),
      storedSeq: 0,
      announcedSeq: 0,
      unconfirmed: new UnconfirmedUpdates(MAX_UNCONFIRMED_PER_SENDER),
      entriesAdded: 0,
      senders: new SenderSequences(),
      lastCatchUpAt: Date.now(),
      catchUpWanted: false,
      // Spread over the period, so that many documents loaded together do not publish together.
      nextDigestAt: Date.now() + Math.random() * ANTI_ENTROPY_MS,
    };
    this.subscriptions.set(key, subscription);
    this.wakeReader();
    this.add(key, subscription, 's', document.stateVector());
    return {
      publishUpdate: (update, author, seq) => {
        const fields = ['q', String(seq)];
        if (author !== null) fields.push('a', author);
        // What is stored by now rides along: no entry of its own is needed while people type.
        if (subscription.storedSeq > subscription.announcedSeq) {
          fields.push('c', String(subscription.storedSeq));
          subscription.announcedSeq = subscription.storedSeq;
        }
        this.add(key, subscription, 'u', update, fields);
      },
      publishPresence: (update) => this.add(key, subscription, 'p', update),
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

  private add(key: string, subscription: Subscription, kind: EntryKind, data: Uint8Array, extra: readonly string[] = []): void {
    this.entriesSent++;
    const fields = ['o', subscription.room, 'i', String(++subscription.entriesAdded), ...extra];
    this.unsent.push({ key, kind, data, fields });
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
    for (const { key, kind, data, fields } of entries) {
      pipeline.xadd(key, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'n', this.nodeId, 'k', kind, 'd', Buffer.from(data.buffer, data.byteOffset, data.byteLength), ...fields);
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
    this.add(key, subscription, 'c', EMPTY, ['c', String(subscription.storedSeq)]);
  }

  /**
   * Announces stored positions no update carried, sends catch-ups that waited for their spacing and
   * digests that are due, and stores what others relayed and never confirmed.
   */
  private sweep(): void {
    const now = Date.now();
    const cutoff = now - UNCONFIRMED_KEEP_AFTER_MS;
    for (const [key, subscription] of this.subscriptions) {
      this.announceStored(key, subscription);
      if (subscription.catchUpWanted) this.catchUp(key, subscription);
      if (now >= subscription.nextDigestAt) {
        subscription.nextDigestAt = now + ANTI_ENTROPY_MS * (0.8 + 0.4 * Math.random());
        const digest = subscription.document.digest();
        this.add(key, subscription, 'h', digest.stateVector, ['x', digest.deletions]);
      }
      if (subscription.unconfirmed.size === 0) continue;
      const stale = subscription.unconfirmed.takeOlderThan(cutoff);
      if (stale.length === 0) continue;
      this.deps.logger.warn({ stream: key, updates: stale.length }, 'storing relayed updates their node never confirmed as stored');
      this.orphansStored += stale.length;
      subscription.document.keepRelayed(stale);
    }
  }

  private askEveryone(): void {
    for (const [key, subscription] of this.subscriptions) this.ask(key, subscription);
  }

  /** Asks every other node holding the document for what this one lacks; they answer with diffs. */
  private ask(key: string, subscription: Subscription): void {
    subscription.catchUpWanted = false;
    subscription.lastCatchUpAt = Date.now();
    this.add(key, subscription, 's', subscription.document.stateVector());
  }

  /** A catch-up after a gap or a digest: at once, or when the last one has had time to be answered. */
  private catchUp(key: string, subscription: Subscription): void {
    if (Date.now() - subscription.lastCatchUpAt < CATCH_UP_SPACING_MS) {
      subscription.catchUpWanted = true; // the sweep sends it
      return;
    }
    this.catchUps++;
    this.ask(key, subscription);
  }

  private missed(key: string, subscription: Subscription, why: string, detail: Record<string, unknown>): void {
    this.gapsDetected++;
    this.deps.logger.warn({ stream: key, ...detail }, `missed stream entries (${why}); catching up`);
    this.catchUp(key, subscription);
  }

  /** After a read that filled its COUNT: whether the trim removed entries this node had not read yet. */
  private checkTrimmed(key: string, subscription: Subscription, readAfter: string): void {
    this.commands
      .call('XINFO', 'STREAM', key)
      .then((reply) => {
        if (this.subscriptions.get(key) !== subscription) return;
        const info = fieldsOf(reply);
        // The trim does not move max-deleted-entry-id (XDEL does); it moves the first entry. Once
        // the entry read last is gone, what followed it may be gone too: a catch-up is cheap, a miss is not.
        const firstEntry = info.get('first-entry');
        const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : null;
        const maxDeleted = info.get('max-deleted-entry-id');
        const trimmed = firstId !== null && compareStreamIds(firstId, readAfter) > 0;
        const deleted = typeof maxDeleted === 'string' && compareStreamIds(maxDeleted, readAfter) > 0;
        if (trimmed || deleted) this.missed(key, subscription, 'the stream was trimmed past this node', { readAfter, firstId });
      })
      .catch((error: unknown) => {
        // Not knowing is treated as having missed something: a catch-up costs one diff, a miss a divergence.
        this.recordError(error);
        if (this.subscriptions.get(key) === subscription) this.missed(key, subscription, 'could not check the stream for a trim', {});
      });
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
      const readAfter = subscription.lastId;
      for (const [rawId, fields] of entries) {
        subscription.lastId = rawId.toString();
        const entry = readFields(fields);
        if (entry === null || entry.node === this.nodeId) continue;
        this.entriesReceived++;
        if (entry.room !== null && entry.index !== null) {
          const sender = `${entry.node}/${entry.room}`;
          if (subscription.senders.note(sender, entry.index) === 'gap') {
            this.missed(key, subscription, "a sender's entry numbers jumped", { sender, index: entry.index });
          }
        }
        // One document's bad entry must not stop the others, nor the rest of its own stream.
        try {
          this.apply(key, subscription, entry);
        } catch (error) {
          this.deps.logger.warn({ err: error, stream: key, node: entry.node }, 'ignored a relayed entry that could not be applied');
        }
      }
      // Only a reader at least MAX_STREAM_LENGTH entries behind can have lost some to the trim, and
      // then everything left is newer than its position: its read fills COUNT (< MAX_STREAM_LENGTH).
      if (entries.length >= READ_COUNT && readAfter !== '0') this.checkTrimmed(key, subscription, readAfter);
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
        if (diff !== null) this.add(key, subscription, 'u', diff);
        return;
      }
      case 'h': {
        if (entry.deletions === null) return;
        assertValidStateVector(entry.data);
        const verdict = compareDigests(document.digest(), { stateVector: entry.data, deletions: entry.deletions });
        if (verdict === 'not-behind') return;
        this.digestMismatches++;
        this.deps.logger.warn({ stream: key, node: entry.node, verdict }, "another node's digest shows this node lacks content; catching up");
        this.catchUp(key, subscription);
        return;
      }
      case 'unknown':
        // A kind a newer node speaks: skipped, so that nodes can be upgraded one at a time.
        return;
      default:
        return assertNever(entry.kind);
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

const EMPTY = new Uint8Array(0);

function assertNever(value: never): never {
  throw new Error(`unhandled stream entry kind ${String(value)}`);
}

interface RelayedEntry {
  readonly node: string;
  readonly kind: EntryKind | 'unknown';
  readonly data: Uint8Array;
  readonly author: string | null;
  readonly room: string | null;
  readonly seq: number | null;
  /** The sending room has stored its updates up to here. */
  readonly stored: number | null;
  /** The entry's number among the sending room's entries. */
  readonly index: number | null;
  /** Digests: the hash of the sender's delete set. */
  readonly deletions: string | null;
}

function readFields(fields: Buffer[]): RelayedEntry | null {
  let node: string | null = null;
  let kind: string | null = null;
  let data: Uint8Array | null = null;
  let author: string | null = null;
  let room: string | null = null;
  let seq: number | null = null;
  let stored: number | null = null;
  let index: number | null = null;
  let deletions: string | null = null;
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
    else if (name === 'i') index = counter(value);
    else if (name === 'x') deletions = value.toString();
  }
  if (node === null || kind === null || data === null) return null;
  return { node, kind: entryKind(kind), data, author, room, seq, stored, index, deletions };
}

function entryKind(kind: string): EntryKind | 'unknown' {
  return kind === 'u' || kind === 'p' || kind === 's' || kind === 'c' || kind === 'h' ? kind : 'unknown';
}

/** Redis stream ids are "<ms>-<seq>"; both parts can exceed 2^53. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map((part) => BigInt(part));
  const [bMs = 0n, bSeq = 0n] = b.split('-').map((part) => BigInt(part));
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/** XINFO STREAM's flat [name, value, name, value, …] reply as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  return fields;
}

function counter(value: Buffer): number | null {
  const n = Number(value.toString());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
