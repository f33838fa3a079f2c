/**
 * What this page may do with a document, read from its share link's claims before anything
 * connects. Display only: the server enforces every role (a commenter's text edits are refused
 * there, a viewer cannot open the comments at all); the page only avoids offering what would fail.
 */
import { parseToken } from '../../auth/capability-token';
import { roleAtLeast, type Role } from '../../auth/roles';

export interface PageAbilities {
  readonly role: Role;
  /** The text can be changed here (edit, owner). */
  readonly editsText: boolean;
  /** Comments are shown and can be written: the page opens the comments document (comment, edit, owner). */
  readonly comments: boolean;
}

/**
 * No token means open access (AUTH=off), where everyone edits; a token the page cannot read is
 * treated as the least it could be, a view link, until the server says more.
 */
export function pageAbilities(token: string | null): PageAbilities {
  const role: Role = token === null ? 'edit' : (parseToken(token)?.role ?? 'view');
  return { role, editsText: roleAtLeast(role, 'edit'), comments: roleAtLeast(role, 'comment') };
}

/** The link id a version 2 token carries, for telling one's own comments apart; null otherwise. */
export function pageLinkId(token: string | null): string | null {
  return token === null ? null : (parseToken(token)?.linkId ?? null);
}

/** What the editor lets this person do to the text: edit it, only comment on it, or only read it. */
export type EditorMode = 'edit' | 'comment' | 'view';

/**
 * `textRefused`: the server has refused an update of ours to the text. For an edit link that means
 * the server reads the link as less than its claims say, and the page stops offering edits. For a
 * commenter it is the design, not news: the text connection is read-only, and a page whose local
 * copy (IndexedDB) finishes loading after its link has opened sends what it holds as an update,
 * text the server already has, which a read-only connection's update is refused for all the same
 * (seen on reloads of a commenter's page); the comment controls stay.
 */
export function editorMode(abilities: PageAbilities, textRefused: boolean): EditorMode {
  if (abilities.role === 'view') return 'view';
  if (!abilities.editsText) return 'comment';
  return textRefused ? 'view' : 'edit';
}
