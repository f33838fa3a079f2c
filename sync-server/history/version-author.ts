/**
 * Who a version credits (VersionAuthor): one rule for a name and a colour, read from two places.
 * Presence comes from any stock client and cannot be refused, so what it says is made to fit: a
 * long name is cut, a colour that is not one is dropped. An API caller can be told, so a request
 * that does not fit is refused with the reason (document-api.ts answers 400).
 */
import type { VersionAuthor } from '../storage/document-store';

export const MAX_AUTHOR_NAME_LENGTH = 100;

const HEX_COLOR = /^#[0-9a-fA-F]{3,8}$/;

function isAuthorColor(value: unknown): value is string {
  return typeof value === 'string' && HEX_COLOR.test(value);
}

function hasName(name: unknown): name is string {
  return typeof name === 'string' && name.trim() !== '';
}

/** `user` as presence carries it ({ name, color }), made to fit; null when it names no one. */
export function authorFromPresenceUser(user: unknown): VersionAuthor | null {
  if (typeof user !== 'object' || user === null) return null;
  const { name, color } = user as { name?: unknown; color?: unknown };
  if (!hasName(name)) return null;
  return { name: name.slice(0, MAX_AUTHOR_NAME_LENGTH), color: isAuthorColor(color) ? color : null };
}

/** `author` as an API request sends it ({ name, color? }), or why it does not fit. */
export function authorFromRequest(author: unknown): VersionAuthor | { readonly refused: string } {
  const { name, color } = (typeof author === 'object' && author !== null ? author : {}) as { name?: unknown; color?: unknown };
  if (!hasName(name) || name.length > MAX_AUTHOR_NAME_LENGTH) return { refused: `author.name is 1 to ${MAX_AUTHOR_NAME_LENGTH} characters` };
  if (color !== undefined && color !== null && !isAuthorColor(color)) return { refused: 'author.color is a hex colour such as #d9480f' };
  return { name: name.trim(), color: typeof color === 'string' ? color : null };
}
