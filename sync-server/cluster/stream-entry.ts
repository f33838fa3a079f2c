/**
 * The entries of a document's relay stream (its key: redis-keys.ts), as Redis field lists. Every
 * entry names its node and kind and carries bytes; most name the sending room and number it:
 *
 *   n = node id, k = kind, d = bytes, o = the sending room (one load of the document on node n),
 *   i = the entry's number among that room's entries (1, 2, 3, …: a receiver sees what it missed)
 *   k = u   a Yjs update a client of node n sent (validated and applied there first); a = its
 *           author as version history credits it ({"name","color"} JSON), when known; q = the
 *           update's sequence number in the room's storage queue; c = how far it has stored.
 *           Without q: an answer to a state vector, which its sender holds already
 *   k = c   c only: node n's room o has stored its updates up to c (unconfirmed-updates.ts)
 *   k = p   a presence (awareness) update of node n's clients
 *   k = s   node n's state vector: "send me what I lack"
 *   k = h   node n's digest of the document (state-digest.ts): d = its state vector, x = a hash
 *           of its delete set
 *
 * These names are the wire format between nodes of different versions: a rolling upgrade runs
 * both at once. So field names never change, unknown fields are ignored (a newer node may add
 * some), and an unknown kind is refused with its header still read, so that the receiver counts
 * it in the sender's numbering instead of seeing a gap. Encoding and decoding are pure.
 */
import { assertValidStateVector } from '../../lib/protocol/validate-payload';

/** Who added an entry, and what it says of that room's storage; common to every kind. */
export interface EntryHeader {
  readonly node: string;
  /** The sending room (o); null from a node that does not name it. */
  readonly room: string | null;
  /** The entry's number among the sending room's entries (i). */
  readonly index: number | null;
  /** The sending room has stored its updates up to here (c). */
  readonly stored: number | null;
}

export type EntryBody =
  | {
      readonly kind: 'update';
      readonly update: Uint8Array;
      /** The author as version history credits it ({"name","color"} JSON), when known. */
      readonly author: string | null;
      /** The update's number in the sending room's storage queue; null in an answer to a state vector. */
      readonly seq: number | null;
    }
  | { readonly kind: 'stored' }
  | { readonly kind: 'presence'; readonly update: Uint8Array }
  | { readonly kind: 'state-vector'; readonly stateVector: Uint8Array }
  | { readonly kind: 'digest'; readonly stateVector: Uint8Array; readonly deletions: string };

export type StreamEntry = EntryHeader & EntryBody;
export type EntryKind = StreamEntry['kind'];

/** A field list as XADD takes it: name, value, name, value, … */
export type EntryFields = Array<string | Buffer>;

/** What a read entry turned out to be. A refused one changes nothing but its sender's numbering. */
export type DecodedEntry =
  | { readonly ok: true; readonly entry: StreamEntry }
  | {
      readonly ok: false;
      readonly reason: string;
      /** Null when not even the node could be read. */
      readonly header: EntryHeader | null;
      /** A kind a newer node speaks: expected during an upgrade, not a fault. */
      readonly unknownKind: boolean;
    };

const WIRE_KIND = {
  update: 'u',
  stored: 'c',
  presence: 'p',
  'state-vector': 's',
  digest: 'h',
} as const satisfies Record<EntryKind, string>;

const EMPTY = Buffer.alloc(0);

export function encodeEntry(entry: StreamEntry): EntryFields {
  const fields: EntryFields = ['n', entry.node, 'k', WIRE_KIND[entry.kind], 'd', bodyBytes(entry)];
  if (entry.room !== null) fields.push('o', entry.room);
  if (entry.index !== null) fields.push('i', String(entry.index));
  switch (entry.kind) {
    case 'update':
      if (entry.seq !== null) fields.push('q', String(entry.seq));
      if (entry.author !== null) fields.push('a', entry.author);
      break;
    case 'digest':
      fields.push('x', entry.deletions);
      break;
    case 'stored':
    case 'presence':
    case 'state-vector':
      break;
    default:
      return assertNever(entry);
  }
  if (entry.stored !== null) fields.push('c', String(entry.stored));
  return fields;
}

function bodyBytes(entry: StreamEntry): Buffer {
  switch (entry.kind) {
    case 'update':
    case 'presence':
      return asBuffer(entry.update);
    case 'state-vector':
    case 'digest':
      return asBuffer(entry.stateVector);
    case 'stored':
      return EMPTY;
    default:
      return assertNever(entry);
  }
}

/** Reads one entry's fields as XREAD returns them; never throws. */
export function decodeEntry(fields: readonly Buffer[]): DecodedEntry {
  if (fields.length % 2 !== 0) return refused(`an odd number of fields (${fields.length})`, null);
  const values = readFieldValues(fields);

  const node = values.n?.toString();
  if (node === undefined) return refused('no node (n)', null);
  const room = values.o?.toString() ?? null;
  const index = counter(values.i, 'i');
  const stored = counter(values.c, 'c');
  const header: EntryHeader = { node, room, index: index.value, stored: stored.value };
  const badCounter = index.error ?? stored.error;
  if (badCounter !== null) return refused(badCounter, header);

  const wireKind = values.k?.toString();
  if (wireKind === undefined) return refused('no kind (k)', header);
  const kind = kindOf(wireKind);
  if (kind === null) return { ok: false, reason: `unknown kind ${JSON.stringify(wireKind)}`, header, unknownKind: true };
  const raw = values.d;
  if (raw === undefined) return refused('no bytes (d)', header);
  const data = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);

  switch (kind) {
    case 'update': {
      const seq = counter(values.q, 'q');
      if (seq.error !== null) return refused(seq.error, header);
      return accepted({ ...header, kind, update: data, author: values.a?.toString() ?? null, seq: seq.value });
    }
    case 'stored':
      return accepted({ ...header, kind });
    case 'presence':
      return accepted({ ...header, kind, update: data });
    case 'state-vector': {
      const invalid = stateVectorError(data);
      return invalid === null ? accepted({ ...header, kind, stateVector: data }) : refused(invalid, header);
    }
    case 'digest': {
      const deletions = values.x?.toString();
      if (deletions === undefined) return refused('a digest without its delete-set hash (x)', header);
      const invalid = stateVectorError(data);
      return invalid === null ? accepted({ ...header, kind, stateVector: data, deletions }) : refused(invalid, header);
    }
    default:
      return assertNever(kind);
  }
}

/** The fields an entry may carry, by their one-letter names (a later duplicate wins). */
interface FieldValues {
  n?: Buffer;
  k?: Buffer;
  d?: Buffer;
  o?: Buffer;
  i?: Buffer;
  c?: Buffer;
  q?: Buffer;
  a?: Buffer;
  x?: Buffer;
}

/**
 * One pass over the field list, without a string per field name: every node reads every entry of
 * its documents' streams (its own included), so this runs for each entry any node adds.
 */
function readFieldValues(fields: readonly Buffer[]): FieldValues {
  const values: FieldValues = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.length !== 1) continue; // no field of ours has a longer name: a newer node's, ignored
    const value = fields[i + 1]!;
    switch (name[0]) {
      case 0x6e /* n */:
        values.n = value;
        break;
      case 0x6b /* k */:
        values.k = value;
        break;
      case 0x64 /* d */:
        values.d = value;
        break;
      case 0x6f /* o */:
        values.o = value;
        break;
      case 0x69 /* i */:
        values.i = value;
        break;
      case 0x63 /* c */:
        values.c = value;
        break;
      case 0x71 /* q */:
        values.q = value;
        break;
      case 0x61 /* a */:
        values.a = value;
        break;
      case 0x78 /* x */:
        values.x = value;
        break;
    }
  }
  return values;
}

const KIND_OF_WIRE: ReadonlyMap<string, EntryKind> = new Map(
  (Object.keys(WIRE_KIND) as EntryKind[]).map((kind) => [WIRE_KIND[kind], kind]),
);

function kindOf(wireKind: string): EntryKind | null {
  return KIND_OF_WIRE.get(wireKind) ?? null;
}

/** A field that must be a non-negative integer when present. */
const ABSENT = { value: null, error: null } as const;

function counter(raw: Buffer | undefined, name: string): { value: number | null; error: string | null } {
  if (raw === undefined) return ABSENT;
  const text = raw.toString();
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(value)) return { value, error: null };
  return { value: null, error: `field ${name} is not a count: ${JSON.stringify(text.slice(0, 40))}` };
}

function stateVectorError(stateVector: Uint8Array): string | null {
  try {
    assertValidStateVector(stateVector);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function accepted(entry: StreamEntry): DecodedEntry {
  return { ok: true, entry };
}

function refused(reason: string, header: EntryHeader | null): DecodedEntry {
  return { ok: false, reason, header, unknownKind: false };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function assertNever(value: never): never {
  throw new Error(`unhandled stream entry kind ${JSON.stringify(value)}`);
}
