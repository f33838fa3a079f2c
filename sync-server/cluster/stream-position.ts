/**
 * Where a reader stands in a stream, and whether the trim has passed it. XREAD from a trimmed-away
 * id returns only what is left, so a reader that fell far behind would skip entries without
 * noticing; XINFO STREAM tells where the stream now begins.
 */

/** Redis stream ids are "<ms>-<seq>"; both parts can exceed 2^53. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map((part) => BigInt(part));
  const [bMs = 0n, bSeq = 0n] = b.split('-').map((part) => BigInt(part));
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/**
 * Whether, by XINFO STREAM's `reply`, entries after `readAfter` may be gone. The trim does not move
 * max-deleted-entry-id (XDEL does); it moves the first entry. Once the entry read last is gone,
 * what followed it may be gone too: a catch-up is cheap, a miss is not.
 */
export function trimmedPast(reply: unknown, readAfter: string): { readonly trimmed: boolean; readonly firstId: string | null } {
  const info = fieldsOf(reply);
  const firstEntry = info.get('first-entry');
  const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : null;
  const maxDeleted = info.get('max-deleted-entry-id');
  const trimmed = firstId !== null && compareStreamIds(firstId, readAfter) > 0;
  const deleted = typeof maxDeleted === 'string' && compareStreamIds(maxDeleted, readAfter) > 0;
  return { trimmed: trimmed || deleted, firstId };
}

/** XINFO STREAM's flat [name, value, name, value, …] reply as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  return fields;
}
