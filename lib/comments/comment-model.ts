/**
 * What a comment thread is, apart from where it is stored: the shapes the comments document holds
 * and the rules for what may go into them (a body, an author). One copy of each rule, used by the
 * editor, the HTTP API and the readers of stored data alike. Pure and browser-safe.
 */

/** The root map of a comments document: thread id → thread. */
export const THREADS_KEY = 'threads';
export const MAX_COMMENT_BODY_LENGTH = 10_000;
export const MAX_AUTHOR_NAME_LENGTH = 40;
/** A quote is a stretch of the document someone selected; longer than a body it is not a quote. */
export const MAX_QUOTE_LENGTH = 10_000;
/** The author an API request that names no one is credited as. */
export const ANONYMOUS_AUTHOR: CommentAuthor = { name: 'Anonymous', color: '#6b7280' };

export interface CommentAuthor {
  readonly name: string;
  readonly color: string;
  /** The link id of the author's token (version 2): with name and colour, what makes a comment "mine". */
  readonly link?: string;
}

/**
 * Where a thread is: Yjs relative positions into the text document's fragment. Start is bound to
 * the first anchored character (assoc 0), end to the last one (assoc -1), so typing right before or
 * right after the range does not extend it.
 */
export interface ThreadAnchor {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  /**
   * The elements that held the start, innermost (its paragraph) to outermost (a child of the
   * fragment), as relative positions: when a join deletes the paragraph or list item the anchor was
   * in, the deleted one of them says which block its text went to (anchor-recovery.ts).
   */
  readonly blocks?: readonly Uint8Array[];
}

export interface StoredComment {
  readonly id: string;
  readonly author: CommentAuthor;
  readonly body: string;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deleted: boolean;
}

export interface StoredThread {
  readonly id: string;
  readonly anchor: ThreadAnchor;
  /** The anchored text as it last read non-empty: what a detached thread shows. */
  readonly quote: string;
  readonly createdAt: number;
  readonly resolved: boolean;
  readonly comments: readonly StoredComment[];
}

const COLOR = /^#[0-9a-fA-F]{6}$/;
/**
 * Half of a surrogate pair, alone. Yjs writes strings as UTF-8, where it becomes U+FFFD: the copy
 * that wrote it would read otherwise than every other copy and than storage, for good.
 */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NOT_WELL_FORMED = 'is not well-formed Unicode (half of a surrogate pair)';

/** Whether every copy of the comments reads `text` as written (no half of a surrogate pair alone). */
export function isWellFormedText(text: string): boolean {
  return !UNPAIRED_SURROGATE.test(text);
}
const MAX_LINK_LENGTH = 64;

/** 12 random bytes in base64url: 16 characters, unguessable enough that two writers never collide. */
export function newCommentId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}

/** Why `body` cannot be a comment's body, or null when it can: plain text, not blank, at most 10,000 characters. */
export function commentBodyProblem(body: unknown): string | null {
  if (typeof body !== 'string') return 'body is a string';
  if (body.trim() === '') return 'body is blank';
  if (body.length > MAX_COMMENT_BODY_LENGTH) return `body is at most ${MAX_COMMENT_BODY_LENGTH} characters`;
  if (!isWellFormedText(body)) return `body ${NOT_WELL_FORMED}`;
  return null;
}

/** Why `quote` cannot be searched for, or null when it can: text with something besides spaces, at most 10,000 characters. */
export function quoteProblem(quote: unknown): string | null {
  if (typeof quote !== 'string') return 'quote is a string';
  if (quote.trim() === '') return 'quote is blank';
  if (quote.length > MAX_QUOTE_LENGTH) return `quote is at most ${MAX_QUOTE_LENGTH} characters`;
  if (!isWellFormedText(quote)) return `quote ${NOT_WELL_FORMED}`;
  return null;
}

/**
 * `value` as a comment's author ({ name: 1 to 40 characters once trimmed, color: #rrggbb, link? }),
 * or null when it is not one. Used on requests and on stored data, which any client could have written.
 */
export function parseCommentAuthor(value: unknown): CommentAuthor | null {
  if (typeof value !== 'object' || value === null) return null;
  const { name, color, link } = value as { name?: unknown; color?: unknown; link?: unknown };
  if (typeof name !== 'string' || typeof color !== 'string' || !COLOR.test(color)) return null;
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_AUTHOR_NAME_LENGTH || !isWellFormedText(trimmed)) return null;
  if (typeof link === 'string' && link !== '' && link.length <= MAX_LINK_LENGTH) return { name: trimmed, color, link };
  return { name: trimmed, color };
}
