/**
 * The relay's logic (cluster/document-relays.ts) with no Redis: a manual scheduler, an in-memory stream
 * port that records what the node adds (decoded again, so every assertion also reads the codec),
 * and documents that are plain Y.Docs.
 */
import pino from 'pino';
import * as Y from 'yjs';
import { DocumentRelays, type ReadEntry } from '../../sync-server/cluster/document-relays';
import { decodeEntry, encodeEntry, type EntryBody, type EntryFields, type StreamEntry } from '../../sync-server/cluster/stream-entry';
import { documentDigest, type RelayedDocument, type StateDigest } from '../../sync-server/cluster/relayed-document';
import { ManualScheduler } from '../helpers/manual-scheduler';

export const NODE = 'self';
export const STREAM = 'tandem:{doc}:stream';

/** A node's copy of a document, as the relay sees a room. */
export class MemoryDocument implements RelayedDocument {
  readonly doc = new Y.Doc();
  readonly presence: Array<{ node: string; update: Uint8Array }> = [];
  readonly kept: Uint8Array[] = [];
  /** Thrown by the next applyRemoteUpdate, as a room throws on an invalid update. */
  failNextApply: Error | null = null;

  applyRemoteUpdate(update: Uint8Array): void {
    const failure = this.failNextApply;
    this.failNextApply = null;
    if (failure !== null) throw failure;
    Y.applyUpdate(this.doc, update, 'remote');
  }
  applyRemotePresence(node: string, update: Uint8Array): void {
    this.presence.push({ node, update });
  }
  diffFor(stateVector: Uint8Array): Uint8Array | null {
    const diff = Y.encodeStateAsUpdate(this.doc, stateVector);
    return diff.length > 2 ? diff : null; // [0, 0]: no structs, no deletions
  }
  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }
  digest(): StateDigest {
    return documentDigest(this.doc);
  }
  keepRelayed(updates: readonly Uint8Array[]): void {
    this.kept.push(...updates);
  }

  get text(): string {
    return this.doc.getText('t').toString();
  }
}

export interface Added {
  readonly stream: string;
  readonly at: number;
  readonly entry: StreamEntry;
}

export class RelayHarness {
  readonly scheduler = new ManualScheduler();
  readonly added: Added[] = [];
  readonly logs: Array<{ level: number; msg: string; reason?: string }> = [];
  /** What XINFO STREAM answers; an Error makes it fail. */
  streamInfo: unknown = [];
  streamInfoCalls = 0;
  streamsChanged = 0;
  /** The random numbers the relay draws, in turn; 0.5 once they run out. */
  readonly randoms: number[] = [];
  readonly relays: DocumentRelays;
  private nextId = 1;

  constructor() {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void this.logs.push(JSON.parse(line)) });
    this.relays = new DocumentRelays({
      nodeId: NODE,
      scheduler: this.scheduler,
      logger,
      random: () => this.randoms.shift() ?? 0.5,
      port: {
        add: (stream, fields) => this.added.push({ stream, at: this.scheduler.now(), entry: decoded(fields) }),
        streamInfo: async () => {
          this.streamInfoCalls++;
          if (this.streamInfo instanceof Error) throw this.streamInfo;
          return this.streamInfo;
        },
        streamsChanged: () => void this.streamsChanged++,
      },
    });
    this.relays.startSweeping();
  }

  /** What was added since the last call, of the given kind (all kinds without one). */
  take(kind?: StreamEntry['kind']): StreamEntry[] {
    const taken = this.added.splice(0).map((added) => added.entry);
    return kind === undefined ? taken : taken.filter((entry) => entry.kind === kind);
  }

  /** Delivers entries as one XREAD would, numbered on from the last. */
  deliver(...entries: Array<StreamEntry | EntryFields>): void {
    this.relays.receive(STREAM, entries.map((entry) => this.read(entry)));
  }

  read(entry: StreamEntry | EntryFields): ReadEntry {
    const fields = Array.isArray(entry) ? entry : encodeEntry(entry);
    return [`1-${this.nextId++}`, fields.map((field) => (typeof field === 'string' ? Buffer.from(field) : field))];
  }

  warnings(): string[] {
    return this.logs.filter((line) => line.level === 40).map((line) => line.msg);
  }
}

function decoded(fields: EntryFields): StreamEntry {
  const result = decodeEntry(fields.map((field) => (typeof field === 'string' ? Buffer.from(field) : field)));
  if (!result.ok) throw new Error(`the relay added an entry it cannot read itself: ${result.reason}`);
  return result.entry;
}

/** Another node's entries, numbered per room as a node numbers them. */
export class OtherNode {
  private index = 0;
  constructor(
    readonly node = 'other',
    readonly room = '1',
  ) {}

  entry(body: EntryBody, stored: number | null = null): StreamEntry {
    return { node: this.node, room: this.room, index: ++this.index, stored, ...body };
  }

  /** Skips `count` numbers, as if those entries were lost. */
  lose(count: number): void {
    this.index += count;
  }
}

/** An update that inserts `text` into a fresh copy of `base`'s text, as another node's client would. */
export function editOf(base: Y.Doc, text: string): Uint8Array {
  const other = new Y.Doc();
  Y.applyUpdate(other, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(other);
  other.getText('t').insert(other.getText('t').length, text);
  return Y.encodeStateAsUpdate(other, before);
}
