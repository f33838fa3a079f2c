/**
 * The relay stream's entries as bytes on the wire (cluster/stream-entry.ts). The fixtures are what
 * nodes of this version and the ones before it write: a change that breaks one breaks a rolling
 * upgrade, where old and new nodes read each other's entries.
 */
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, type DecodedEntry, type StreamEntry } from '../../sync-server/cluster/stream-entry';

/** A field list as XREAD returns it: every name and value as bytes. */
function wire(...fields: Array<string | number[]>): Buffer[] {
  return fields.map((field) => (typeof field === 'string' ? Buffer.from(field) : Buffer.from(field)));
}

/** What encodeEntry gives, as XREAD would return it. */
function asRead(fields: Array<string | Buffer>): Buffer[] {
  return fields.map((field) => (typeof field === 'string' ? Buffer.from(field) : field));
}

function entryOf(decoded: DecodedEntry): StreamEntry {
  if (!decoded.ok) throw new Error(`refused: ${decoded.reason}`);
  return decoded.entry;
}

const header = { node: 'a1b2', room: '3', index: 7, stored: null };
// A state vector: one client (5) at clock 2.
const STATE_VECTOR = [1, 5, 2];

describe('stream entry codec', () => {
  const fixtures: Array<{ name: string; entry: StreamEntry; fields: Buffer[] }> = [
    {
      name: 'an update with its queue number, author and stored position',
      entry: { ...header, stored: 4, kind: 'update', update: Uint8Array.of(0, 0), author: '{"name":"Ada","color":"#f00"}', seq: 9 },
      fields: wire('n', 'a1b2', 'k', 'u', 'd', [0, 0], 'o', '3', 'i', '7', 'q', '9', 'a', '{"name":"Ada","color":"#f00"}', 'c', '4'),
    },
    {
      name: 'an answer to a state vector (no queue number)',
      entry: { ...header, kind: 'update', update: Uint8Array.of(0, 1), author: null, seq: null },
      fields: wire('n', 'a1b2', 'k', 'u', 'd', [0, 1], 'o', '3', 'i', '7'),
    },
    {
      name: 'a stored position',
      entry: { ...header, stored: 12, kind: 'stored' },
      fields: wire('n', 'a1b2', 'k', 'c', 'd', [], 'o', '3', 'i', '7', 'c', '12'),
    },
    {
      name: 'a presence update',
      entry: { ...header, kind: 'presence', update: Uint8Array.of(1, 2, 3) },
      fields: wire('n', 'a1b2', 'k', 'p', 'd', [1, 2, 3], 'o', '3', 'i', '7'),
    },
    {
      name: 'a state vector',
      entry: { ...header, kind: 'state-vector', stateVector: Uint8Array.from(STATE_VECTOR) },
      fields: wire('n', 'a1b2', 'k', 's', 'd', STATE_VECTOR, 'o', '3', 'i', '7'),
    },
    {
      name: 'a digest',
      entry: { ...header, kind: 'digest', stateVector: Uint8Array.from(STATE_VECTOR), deletions: 'XfYEeDr3wY5zzKq6fK5Iuc' },
      fields: wire('n', 'a1b2', 'k', 'h', 'd', STATE_VECTOR, 'o', '3', 'i', '7', 'x', 'XfYEeDr3wY5zzKq6fK5Iuc'),
    },
  ];

  for (const { name, entry, fields } of fixtures) {
    it(`writes and reads ${name} byte for byte`, () => {
      expect(asRead(encodeEntry(entry))).toEqual(fields);
      expect(entryOf(decodeEntry(fields))).toEqual(entry);
    });
  }

  it('reads an entry from a node that names no room, and ignores fields it does not know', () => {
    const decoded = entryOf(decodeEntry(wire('n', 'old', 'k', 'p', 'd', [9], 'z', 'from a newer node')));
    expect(decoded).toEqual({ node: 'old', room: null, index: null, stored: null, kind: 'presence', update: Uint8Array.of(9) });
  });

  it('refuses a kind it does not know with its header read, so that its number still counts', () => {
    const decoded = decodeEntry(wire('n', 'new', 'k', 'w', 'd', [1], 'o', '2', 'i', '5'));
    expect(decoded).toEqual({ ok: false, reason: 'unknown kind "w"', unknownKind: true, header: { node: 'new', room: '2', index: 5, stored: null } });
  });

  const malformed: Array<{ name: string; fields: Buffer[]; reason: string; withHeader: boolean }> = [
    { name: 'no node', fields: wire('k', 'u', 'd', [0, 0]), reason: 'no node (n)', withHeader: false },
    { name: 'an odd field list', fields: wire('n', 'a', 'k', 'u', 'd'), reason: 'an odd number of fields (5)', withHeader: false },
    { name: 'no kind', fields: wire('n', 'a', 'd', [0, 0]), reason: 'no kind (k)', withHeader: true },
    { name: 'no bytes', fields: wire('n', 'a', 'k', 'u'), reason: 'no bytes (d)', withHeader: true },
    { name: 'an entry number that is not a count', fields: wire('n', 'a', 'k', 'p', 'd', [], 'i', '-1'), reason: 'field i is not a count: "-1"', withHeader: true },
    { name: 'a stored position that is not a count', fields: wire('n', 'a', 'k', 'c', 'd', [], 'c', '1e3'), reason: 'field c is not a count: "1e3"', withHeader: true },
    { name: 'a queue number past 2^53', fields: wire('n', 'a', 'k', 'u', 'd', [0, 0], 'q', '9007199254740993'), reason: 'field q is not a count: "9007199254740993"', withHeader: true },
    { name: 'a digest without its hash', fields: wire('n', 'a', 'k', 'h', 'd', STATE_VECTOR), reason: 'a digest without its delete-set hash (x)', withHeader: true },
    { name: 'a digest with a broken state vector', fields: wire('n', 'a', 'k', 'h', 'd', [2, 5], 'x', 'h'), reason: 'malformed state vector', withHeader: true },
    { name: 'a state vector with trailing bytes', fields: wire('n', 'a', 'k', 's', 'd', [1, 5, 2, 9]), reason: 'malformed state vector: trailing bytes', withHeader: true },
  ];

  for (const { name, fields, reason, withHeader } of malformed) {
    it(`refuses ${name} with a reason, without throwing`, () => {
      const decoded = decodeEntry(fields);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) return;
      expect(decoded.reason).toContain(reason);
      expect(decoded.unknownKind).toBe(false);
      expect(decoded.header === null).toBe(!withHeader);
    });
  }

  it('reads a value that is a view into a larger buffer without copying past it', () => {
    const pool = Buffer.from([7, 7, 1, 5, 2, 7]);
    const decoded = entryOf(decodeEntry([Buffer.from('n'), Buffer.from('a'), Buffer.from('k'), Buffer.from('s'), Buffer.from('d'), pool.subarray(2, 5)]));
    expect(decoded.kind === 'state-vector' && [...decoded.stateVector]).toEqual(STATE_VECTOR);
  });
});
