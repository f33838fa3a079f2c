/**
 * Who acts in a room, and the transaction origins the room tells apart. An edit is credited to an
 * editor: a connection (named by its presence) or a named editor (the document API, or an author
 * an update brought with it from outside this server). Presence is owned by a connection or by an
 * outside owner, which speaks for clients this server does not see.
 */
import type { VersionAuthor } from '../storage/document-store';
import type { ConnectionGrant, Permission } from './permissions';

/** What a room needs of a connection. */
export interface RoomConnection {
  readonly kind: 'connection';
  readonly id: number;
  readonly permission: Permission;
  /** The link it was admitted with, for the log line of a refused edit; null where none did. */
  readonly grant: ConnectionGrant | null;
  /** Whether it has sent one of Tandem's extension messages: only then is it sent Tandem's own. */
  readonly speaksExtension: boolean;
  send(message: Uint8Array): void;
}

/** An editor that is not a connection: it names itself, or no one (null). */
export interface NamedEditor {
  readonly kind: 'named';
  readonly author: VersionAuthor | null;
}

/** Whoever made an edit: the transaction origin of a connection's or the document API's updates. */
export type RoomEditor = RoomConnection | NamedEditor;

/** Speaks for presence of clients connected elsewhere (another server holding the same document). */
export interface OutsidePresenceOwner {
  readonly kind: 'outside';
  /** Who it speaks for, for log lines. */
  readonly name: string;
}

export type PresenceOwner = RoomConnection | OutsidePresenceOwner;

/** Edits whose author is not known (an answer that merges many people's edits) still count as edits. */
export const UNNAMED_EDITOR: NamedEditor = { kind: 'named', author: null };

/** Transaction origin of updates replayed from storage: they are already on disk. */
export const STORAGE_ORIGIN = Symbol('storage');

/** Transaction origin of an update applied and stored elsewhere first: here it is only relayed. */
export class OutsideOrigin {
  constructor(readonly editor: NamedEditor) {}
}

export function isRoomEditor(origin: unknown): origin is RoomEditor {
  if (typeof origin !== 'object' || origin === null || !('kind' in origin)) return false;
  return origin.kind === 'connection' || origin.kind === 'named';
}
