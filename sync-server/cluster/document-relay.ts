/**
 * One loaded document's side of the relay, with no Redis in it: what to do with each entry read
 * from the document's stream, and which entries to add. Its I/O (reading, sending, XINFO) is the
 * caller's (document-relays.ts, stream-relay.ts); time comes from the injected scheduler.
 *
 * A node that falls behind must not quietly skip what was trimmed from the stream meanwhile. Three
 * checks see to it, each ending in the same state-vector exchange: a sender's entry numbers jump
 * (sender-sequence.ts); a read that fills its COUNT is followed by a look at where the stream now
 * begins (stream-position.ts); and every ANTI_ENTROPY_MS each node publishes a digest of the
 * document (state-digest.ts), which heals a divergence of any cause within about one period once
 * edits pause.
 */
import type { Scheduler } from '../scheduler';
import type { Logger } from '../logger';
import type { DocumentChannel, RelayedDocument } from './relayed-document';
import type { RelayCounters } from './relay-health';
import { SenderSequences } from './sender-sequence';
import { compareDigests } from './state-digest';
import type { EntryBody, EntryHeader, StreamEntry } from './stream-entry';
import { UnconfirmedUpdates } from './unconfirmed-updates';

/** A relayed update not confirmed by then is stored by its receivers: its sender is gone or cannot store. */
export const UNCONFIRMED_KEEP_AFTER_MS = 3_000;
const MAX_UNCONFIRMED_PER_SENDER = 10_000;
/** How often each node publishes each document's digest (±20 %): divergence of any cause heals within about this. */
export const ANTI_ENTROPY_MS = 3_000;
/** A catch-up asked less than this long ago is still being answered: another would fetch it all again. */
export const CATCH_UP_SPACING_MS = 250;

export interface DocumentRelayDeps {
  readonly nodeId: string;
  /** This load of the document, as its entries name it (field o): numbers restart with each load. */
  readonly room: string;
  /** The document's stream, for logs. */
  readonly stream: string;
  readonly document: RelayedDocument;
  readonly scheduler: Pick<Scheduler, 'now'>;
  /** In [0, 1): spreads digests over their period. */
  readonly random: () => number;
  readonly logger: Logger;
  readonly counters: RelayCounters;
  /** Adds an entry to the document's stream (sent with the rest of this turn's). */
  readonly emit: (entry: StreamEntry) => void;
}

export class DocumentRelay {
  /** The last stream id read; '0' reads the whole retained stream first (catching up on load). */
  lastId = '0';
  /** How far this node has stored its own updates, and how far it has said so. */
  private storedSeq = 0;
  private announcedSeq = 0;
  private readonly unconfirmed = new UnconfirmedUpdates(MAX_UNCONFIRMED_PER_SENDER);
  /** The number of the last entry this room added (field i). */
  private entriesAdded = 0;
  /** The last entry number read from each other room (node/room). */
  private readonly senders = new SenderSequences();
  /** When this node last asked with its state vector; a wanted catch-up waits for the spacing. */
  private lastCatchUpAt: number;
  private catchUpWanted = false;
  private nextDigestAt: number;

  constructor(private readonly deps: DocumentRelayDeps) {
    const now = deps.scheduler.now();
    this.lastCatchUpAt = now;
    // Spread over the period, so that many documents loaded together do not publish together.
    this.nextDigestAt = now + deps.random() * ANTI_ENTROPY_MS;
    // Whatever the stream no longer holds, the other nodes answer with.
    this.add({ kind: 'state-vector', stateVector: deps.document.stateVector() });
  }

  get unconfirmedUpdates(): number {
    return this.unconfirmed.size;
  }

  /** The document's side: `close` is called once its room lets go of it. */
  channel(close: () => void): DocumentChannel {
    return {
      publishUpdate: (update, author, seq) => {
        // What is stored by now rides along: no entry of its own is needed while people type.
        const stored = this.storedSeq > this.announcedSeq ? this.storedSeq : null;
        if (stored !== null) this.announcedSeq = stored;
        this.add({ kind: 'update', update, author, seq }, stored);
      },
      publishPresence: (update) => this.add({ kind: 'presence', update }),
      confirmStored: (seq) => {
        this.storedSeq = Math.max(this.storedSeq, seq);
      },
      settled: () => this.unconfirmed.settled(),
      keepUnconfirmed: () => {
        const held = this.unconfirmed.takeAll();
        if (held.length > 0) this.deps.document.keepRelayed(held);
      },
      close: () => {
        this.announceStored();
        close();
      },
    };
  }

  /** An entry another node added (this node's own are skipped before they get here). */
  receive(entry: StreamEntry): void {
    this.noteIndex(entry);
    const { document } = this.deps;
    const sender = senderOf(entry);
    if (sender !== null && entry.stored !== null) this.unconfirmed.confirm(sender, entry.stored);
    switch (entry.kind) {
      case 'update': {
        document.applyRemoteUpdate(entry.update, entry.author);
        if (sender === null || entry.seq === null) return; // a catch-up answer: its sender holds it
        const overflow = this.unconfirmed.add(sender, entry.seq, entry.update, this.deps.scheduler.now());
        if (overflow.length > 0) document.keepRelayed(overflow);
        return;
      }
      case 'stored':
        return;
      case 'presence':
        document.applyRemotePresence(entry.node, entry.update);
        return;
      case 'state-vector': {
        const diff = document.diffFor(entry.stateVector);
        if (diff !== null) this.add({ kind: 'update', update: diff, author: null, seq: null });
        return;
      }
      case 'digest': {
        const verdict = compareDigests(document.digest(), { stateVector: entry.stateVector, deletions: entry.deletions });
        if (verdict === 'not-behind') return;
        this.deps.counters.digestMismatches++;
        this.deps.logger.warn({ stream: this.deps.stream, node: entry.node, verdict }, "another node's digest shows this node lacks content; catching up");
        this.catchUp();
        return;
      }
      default:
        return assertNever(entry);
    }
  }

  /**
   * An entry refused as malformed, or of a kind a newer node speaks: nothing of it is applied, but
   * it arrived, so it counts in its sender's numbering (else the next one would look like a gap).
   */
  receiveRefused(header: EntryHeader): void {
    this.noteIndex(header);
  }

  /** Entries may be gone that this node never read (the stream was trimmed past it, or it could not tell). */
  missed(why: string, detail: Record<string, unknown>): void {
    this.deps.counters.gapsDetected++;
    this.deps.logger.warn({ stream: this.deps.stream, ...detail }, `missed stream entries (${why}); catching up`);
    this.catchUp();
  }

  /** Asks every other node holding the document for what this one lacks; they answer with diffs. */
  ask(): void {
    this.catchUpWanted = false;
    this.lastCatchUpAt = this.deps.scheduler.now();
    this.add({ kind: 'state-vector', stateVector: this.deps.document.stateVector() });
  }

  /**
   * The periodic work: announces a stored position no update carried, sends a catch-up that waited
   * for its spacing and a digest that is due, and stores what others relayed and never confirmed.
   */
  sweep(): void {
    const now = this.deps.scheduler.now();
    this.announceStored();
    if (this.catchUpWanted) this.catchUp();
    if (now >= this.nextDigestAt) {
      this.nextDigestAt = now + ANTI_ENTROPY_MS * (0.8 + 0.4 * this.deps.random());
      const digest = this.deps.document.digest();
      this.add({ kind: 'digest', stateVector: digest.stateVector, deletions: digest.deletions });
    }
    if (this.unconfirmed.size === 0) return;
    const stale = this.unconfirmed.takeOlderThan(now - UNCONFIRMED_KEEP_AFTER_MS);
    if (stale.length === 0) return;
    this.deps.logger.warn({ stream: this.deps.stream, updates: stale.length }, 'storing relayed updates their node never confirmed as stored');
    this.deps.counters.orphansStored += stale.length;
    this.deps.document.keepRelayed(stale);
  }

  private noteIndex(header: EntryHeader): void {
    const sender = senderOf(header);
    if (sender === null || header.index === null) return;
    if (this.senders.note(sender, header.index) === 'gap') {
      this.missed("a sender's entry numbers jumped", { sender, index: header.index });
    }
  }

  /** A catch-up after a gap or a digest: at once, or when the last one has had time to be answered. */
  private catchUp(): void {
    if (this.deps.scheduler.now() - this.lastCatchUpAt < CATCH_UP_SPACING_MS) {
      this.catchUpWanted = true; // the sweep sends it
      return;
    }
    this.deps.counters.catchUps++;
    this.ask();
  }

  private announceStored(): void {
    if (this.storedSeq <= this.announcedSeq) return;
    this.announcedSeq = this.storedSeq;
    this.add({ kind: 'stored' }, this.storedSeq);
  }

  private add(body: EntryBody, stored: number | null = null): void {
    this.deps.counters.entriesSent++;
    this.deps.emit({ node: this.deps.nodeId, room: this.deps.room, index: ++this.entriesAdded, stored, ...body });
  }
}

/** The sending room across nodes: room names are only unique within their node. */
function senderOf(header: EntryHeader): string | null {
  return header.room === null ? null : `${header.node}/${header.room}`;
}

function assertNever(value: never): never {
  throw new Error(`unhandled stream entry ${JSON.stringify(value)}`);
}
