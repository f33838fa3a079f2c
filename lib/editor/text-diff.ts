/**
 * The smallest single splice turning `before` into `after`, so a plain <input> bound to a Y.Text
 * sends a local insert/delete instead of replacing the whole title (which would clobber a
 * concurrent edit by someone else).
 */
export interface Splice {
  readonly index: number;
  readonly deleteCount: number;
  readonly insert: string;
}

export function diffToSplice(before: string, after: string): Splice | null {
  if (before === after) return null;
  let start = 0;
  const maxStart = Math.min(before.length, after.length);
  while (start < maxStart && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { index: start, deleteCount: endBefore - start, insert: after.slice(start, endAfter) };
}
