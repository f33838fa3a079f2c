/**
 * Who an editor is now: what the version history credits it as, and the author tag that travels
 * with each of its updates to other copies of the document. A connection is who its presence says
 * (`{ user: { name, color } }`, as TipTap's caret extension and most Yjs apps put it); a named
 * editor is its own author. Parsed from presence only when that presence changed: a keystroke
 * costs a lookup, not a JSON parse and stringify.
 */
import { authorFromPresenceUser } from '../history/version-author';
import type { VersionAuthor } from '../storage/document-store';
import type { RoomConnection, RoomEditor } from './participants';

export interface EditorIdentity {
  /** The editor's presence states, joined: the identity is parsed again only when they change. */
  readonly key: string;
  readonly author: VersionAuthor | null;
  /** The author as it travels with an update (authorTag). */
  readonly tag: string | null;
}

export class EditorIdentities {
  private readonly identities = new WeakMap<RoomEditor, EditorIdentity>();

  /** `presenceOf`: the live presence states (JSON text) a connection introduced. */
  constructor(private readonly presenceOf: (connection: RoomConnection) => readonly string[]) {}

  identityNow(editor: RoomEditor): EditorIdentity {
    const states = editor.kind === 'connection' ? this.presenceOf(editor) : [];
    const key = states.join('\u0000');
    const cached = this.identities.get(editor);
    if (cached !== undefined && cached.key === key) return cached;
    const author = editor.kind === 'connection' ? authorFromStates(states) : editor.author;
    const identity = { key, author, tag: authorTag(author) };
    this.identities.set(editor, identity);
    return identity;
  }
}

/** An author as it travels with an update between copies of a document. */
export function authorTag(author: VersionAuthor | null): string | null {
  return author === null ? null : JSON.stringify(author);
}

/** The author an authorTag names, made to fit as presence is; null when it names no one. */
export function authorFromTag(tag: string): VersionAuthor | null {
  try {
    return authorFromPresenceUser(JSON.parse(tag));
  } catch {
    return null;
  }
}

function authorFromStates(states: readonly string[]): VersionAuthor | null {
  for (const state of states) {
    const author = authorFromPresence(state);
    if (author !== null) return author;
  }
  return null;
}

function authorFromPresence(state: string): VersionAuthor | null {
  try {
    const parsed: unknown = JSON.parse(state);
    return authorFromPresenceUser(typeof parsed === 'object' && parsed !== null ? (parsed as { user?: unknown }).user : undefined);
  } catch {
    return null;
  }
}
