/**
 * The documents a node relays, keyed by stream, with no Redis in it: opens a document's relay,
 * routes what was read to it, runs the periodic sweep on the injected scheduler and checks for a
 * trim after a full read. What it needs of Redis is the small StreamPort below, which
 * stream-relay.ts implements over ioredis and unit tests implement in memory.
 */
import type { Scheduler, TimerHandle } from '../scheduler';
import type { Logger } from '../logger';
import type { DocumentChannel, RelayedDocument } from './relayed-document';
import { DocumentRelay } from './document-relay';
import { documentKey } from './redis-keys';
import { RelayCounters } from './relay-health';
import { decodeEntry, encodeEntry, type EntryFields } from './stream-entry';
import { trimmedPast } from './stream-position';

/** How often stored positions are announced (when no update carried them) and stale updates kept. */
export const SWEEP_MS = 250;
/** XREAD's COUNT: a read this full may have been preceded by a trim. Below MAX_STREAM_LENGTH. */
export const READ_COUNT = 500;

/** What the relay logic needs of Redis. */
export interface StreamPort {
  /** Adds an entry to a stream, with the rest of this turn's. */
  add(stream: string, fields: EntryFields): void;
  /** XINFO STREAM's reply; rejects when Redis cannot say. */
  streamInfo(stream: string): Promise<unknown>;
  /** The set of streams to read changed: a blocked read should start over with the new set. */
  streamsChanged(): void;
}

/** One entry as XREAD returns it. */
export type ReadEntry = readonly [id: Buffer | string, fields: readonly Buffer[]];

export interface DocumentRelaysDeps {
  readonly nodeId: string;
  readonly port: StreamPort;
  readonly scheduler: Pick<Scheduler, 'now' | 'setInterval'>;
  readonly logger: Logger;
  /** In [0, 1): spreads digests over their period. */
  readonly random: () => number;
}

export class DocumentRelays {
  readonly counters = new RelayCounters();
  private readonly relays = new Map<string, DocumentRelay>();
  private rooms = 0;
  private sweepTimer: TimerHandle | null = null;

  constructor(private readonly deps: DocumentRelaysDeps) {}

  get size(): number {
    return this.relays.size;
  }

  get unconfirmedUpdates(): number {
    let sum = 0;
    for (const relay of this.relays.values()) sum += relay.unconfirmedUpdates;
    return sum;
  }

  startSweeping(): void {
    this.sweepTimer ??= this.deps.scheduler.setInterval(() => this.sweep(), SWEEP_MS);
  }

  stopSweeping(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
  }

  /** Starts relaying a loaded document: catches up on its stream and asks the others what it lacks. */
  open(docName: string, document: RelayedDocument): DocumentChannel {
    const stream = documentKey(docName, 'stream');
    const relay = new DocumentRelay({
      nodeId: this.deps.nodeId,
      room: String(++this.rooms),
      stream,
      document,
      scheduler: this.deps.scheduler,
      random: this.deps.random,
      logger: this.deps.logger,
      counters: this.counters,
      emit: (entry) => this.deps.port.add(stream, encodeEntry(entry)),
    });
    this.relays.set(stream, relay);
    this.deps.port.streamsChanged();
    return relay.channel(() => {
      if (this.relays.get(stream) === relay) this.relays.delete(stream);
      this.deps.port.streamsChanged();
    });
  }

  /** XREAD's arguments: every stream, and where to read on in each. */
  readPositions(): { readonly streams: string[]; readonly ids: string[] } {
    const streams = [...this.relays.keys()];
    return { streams, ids: streams.map((stream) => this.relays.get(stream)!.lastId) };
  }

  /** What one XREAD returned for one stream. */
  receive(stream: string, entries: readonly ReadEntry[]): void {
    const relay = this.relays.get(stream);
    if (relay === undefined) return;
    const readAfter = relay.lastId;
    for (const [id, fields] of entries) {
      relay.lastId = id.toString();
      this.receiveEntry(stream, relay, fields);
    }
    // Only a reader at least MAX_STREAM_LENGTH entries behind can have lost some to the trim, and
    // then everything left is newer than its position: its read fills COUNT (< MAX_STREAM_LENGTH).
    if (entries.length >= READ_COUNT && readAfter !== '0') this.checkTrimmed(stream, relay, readAfter);
  }

  /** Every document asks again (after a reconnect: Redis may have lost entries meanwhile). */
  askEveryone(): void {
    for (const relay of this.relays.values()) relay.ask();
  }

  /** Announces stored positions, sends due catch-ups and digests, stores what stayed unconfirmed. */
  sweep(): void {
    for (const relay of this.relays.values()) relay.sweep();
  }

  private receiveEntry(stream: string, relay: DocumentRelay, fields: readonly Buffer[]): void {
    const decoded = decodeEntry(fields);
    const node = decoded.ok ? decoded.entry.node : decoded.header?.node;
    if (node === this.deps.nodeId) return;
    if (!decoded.ok) {
      const detail = { stream, node, reason: decoded.reason };
      // A kind a newer node speaks is expected while nodes are upgraded one at a time.
      if (decoded.unknownKind) this.deps.logger.debug(detail, 'ignored a relayed entry');
      else this.deps.logger.warn(detail, 'ignored a relayed entry');
      if (decoded.header !== null) {
        this.counters.entriesReceived++;
        relay.receiveRefused(decoded.header);
      }
      return;
    }
    this.counters.entriesReceived++;
    // One document's bad entry must not stop the others, nor the rest of its own stream.
    try {
      relay.receive(decoded.entry);
    } catch (error) {
      this.deps.logger.warn({ err: error, stream, node }, 'ignored a relayed entry that could not be applied');
    }
  }

  /** After a read that filled its COUNT: whether the trim removed entries this node had not read yet. */
  private checkTrimmed(stream: string, relay: DocumentRelay, readAfter: string): void {
    this.deps.port
      .streamInfo(stream)
      .then((reply) => {
        if (this.relays.get(stream) !== relay) return;
        const { trimmed, firstId } = trimmedPast(reply, readAfter);
        if (trimmed) relay.missed('the stream was trimmed past this node', { readAfter, firstId });
      })
      .catch(() => {
        // Not knowing is treated as having missed something: a catch-up costs one diff, a miss a divergence.
        if (this.relays.get(stream) === relay) relay.missed('could not check the stream for a trim', {});
      });
  }
}
