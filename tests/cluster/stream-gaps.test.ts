/** The pure parts of cluster catch-up: entry numbering per sender, and digest comparison. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SenderSequences } from '../../sync-server/cluster/sender-sequence';
import { compareDigests } from '../../sync-server/cluster/state-digest';
import { compareStreamIds, trimmedPast } from '../../sync-server/cluster/stream-position';
import { deletionsHash, documentDigest } from '../../sync-server/cluster/relayed-document';

describe('sender sequences', () => {
  it('tells the next entry, a jump, a repeat and a sender heard of for the first time apart', () => {
    const senders = new SenderSequences();
    expect(senders.note('n1/1', 5)).toBe('first');
    expect(senders.note('n1/1', 6)).toBe('next');
    expect(senders.note('n1/1', 6)).toBe('repeat');
    expect(senders.note('n1/1', 3)).toBe('repeat');
    expect(senders.note('n1/1', 9)).toBe('gap');
    expect(senders.note('n1/1', 10)).toBe('next');
    expect(senders.note('n2/1', 1)).toBe('first');
  });

  it('forgets the sender heard from least recently past its limit', () => {
    const senders = new SenderSequences(2);
    senders.note('a', 1);
    senders.note('b', 1);
    senders.note('a', 2); // a is now the most recent
    senders.note('c', 1);
    expect(senders.size).toBe(2);
    expect(senders.note('a', 3)).toBe('next');
    expect(senders.note('b', 5)).toBe('first'); // forgotten
  });
});

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

describe('state digests', () => {
  it('says behind when the other has structs we lack, and not behind when we are ahead', () => {
    const ours = new Y.Doc();
    ours.getText('t').insert(0, 'hello');
    const theirs = copyOf(ours);
    theirs.getText('t').insert(5, ' world');
    expect(compareDigests(documentDigest(ours), documentDigest(theirs))).toBe('behind');
    expect(compareDigests(documentDigest(theirs), documentDigest(ours))).toBe('not-behind');
    expect(compareDigests(documentDigest(ours), documentDigest(copyOf(ours)))).toBe('not-behind');
  });

  it('sees a deletion one side lacks when the state vectors are equal, whichever way the deleted items were split', () => {
    const ours = new Y.Doc();
    ours.getText('t').insert(0, 'abcdef');
    const theirs = copyOf(ours);
    theirs.getText('t').delete(1, 2);
    expect(compareDigests(documentDigest(ours), documentDigest(theirs))).toBe('deletions-differ');
    // The same deletions made in two steps on the other side hash the same: the encoding is canonical.
    const again = copyOf(ours);
    again.getText('t').delete(2, 1);
    again.getText('t').delete(1, 1);
    expect(documentDigest(again).deletions).toBe(documentDigest(theirs).deletions);
    Y.applyUpdate(ours, Y.encodeStateAsUpdate(theirs));
    expect(compareDigests(documentDigest(ours), documentDigest(theirs))).toBe('not-behind');
  });

  it('gives the hash of a known delete set (a fixture: changing the hash breaks mixed-version clusters)', () => {
    // No structs, one client (7) with one deleted range at clock 1, length 2: a DS-only update.
    const update = Uint8Array.from([0, 1, 7, 1, 1, 2]);
    expect(deletionsHash(update)).toBe('XfYEeDr3wY5zzKq6fK5Iuc');
    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getText('t').insert(0, 'abcd');
    doc.getText('t').delete(1, 2);
    expect(documentDigest(doc).deletions).toBe('XfYEeDr3wY5zzKq6fK5Iuc');
  });
});

describe('stream ids', () => {
  it('compares as numbers in both parts, past 2^53', () => {
    expect(compareStreamIds('1-10', '1-9')).toBe(1);
    expect(compareStreamIds('2-0', '10-0')).toBe(-1);
    expect(compareStreamIds('5-5', '5-5')).toBe(0);
    expect(compareStreamIds('18446744073709551615-1', '18446744073709551614-99')).toBe(1);
  });
});

describe('trim check', () => {
  // XINFO STREAM's reply as ioredis gives it (Redis 7), trimmed to the fields read.
  const info = (firstId: string | null, maxDeleted = '0-0'): unknown[] => ['length', 1000, 'max-deleted-entry-id', maxDeleted, 'first-entry', firstId === null ? null : [firstId, ['n', 'a']]];

  it('says trimmed once the stream begins after the entry read last, or entries after it were deleted', () => {
    expect(trimmedPast(info('5-0'), '4-9')).toEqual({ trimmed: true, firstId: '5-0' });
    expect(trimmedPast(info('4-9'), '4-9')).toEqual({ trimmed: false, firstId: '4-9' });
    expect(trimmedPast(info('3-0'), '4-9')).toEqual({ trimmed: false, firstId: '3-0' });
    expect(trimmedPast(info('3-0', '5-1'), '4-9')).toEqual({ trimmed: true, firstId: '3-0' });
  });

  it('says not trimmed for an empty stream or a reply it cannot read', () => {
    expect(trimmedPast(info(null), '4-9')).toEqual({ trimmed: false, firstId: null });
    expect(trimmedPast(null, '4-9')).toEqual({ trimmed: false, firstId: null });
  });
});
