/**
 * What a connection may do in its room. Read-only connections (a view link's, or a comment link's
 * on the text) are told once that their edits are refused, not once per keystroke; an empty update
 * (what a stock client sends on sync) is no edit. Every refused edit is counted, and the first of a
 * connection logged with whose link it came from (never the token), so that an operator sees a
 * commenter's client trying to write the text. Writers pay nothing here.
 *
 * A read-only page sends its offline copy (IndexedDB) once as it loads, after its socket may have
 * opened: when the document already holds all of it, that is no attempt to edit, and it is ignored
 * without a word. Checked on a connection's first update only, since it costs a pass over the
 * document's deletions; what follows is refused as any edit.
 */
import * as Y from 'yjs';
import type { Role } from '../../lib/auth/roles';
import { encodePermissionDenied } from '../../lib/protocol/messages';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import { isEmptyUpdate } from '../storage/empty-update';

export type Permission = 'read' | 'write';

/** The link a connection was admitted with: its role, and its record's id (null for version 1 or AUTH=off). */
export interface ConnectionGrant {
  readonly role: Role;
  readonly linkId: string | null;
}

interface Refusable {
  readonly permission: Permission;
  /** Null where no link admitted it (the tests' connections). */
  readonly grant: ConnectionGrant | null;
  send(message: Uint8Array): void;
}

export class WritePermission {
  private readonly denied = new WeakSet<Refusable>();
  private readonly seen = new WeakSet<Refusable>();

  constructor(
    private readonly docName: string,
    private readonly deps: { readonly logger: Logger; readonly metrics: ServerMetrics },
  ) {}

  /** Whether `connection` may apply `update` to `doc`; a refused writer hears so the first time. */
  allows(connection: Refusable, update: Uint8Array, doc: Y.Doc): boolean {
    if (connection.permission === 'write') return true;
    if (isEmptyUpdate(update)) return false;
    if (!this.seen.has(connection)) {
      this.seen.add(connection);
      if (Y.snapshotContainsUpdate(Y.snapshot(doc), update)) return false;
    }
    const role = connection.grant?.role ?? 'unknown';
    this.deps.metrics.refusedUpdates.inc({ role });
    if (!this.denied.has(connection)) {
      this.denied.add(connection);
      this.deps.logger.info({ doc: this.docName, role, link: connection.grant?.linkId ?? null }, 'edit of a read-only connection refused');
      connection.send(encodePermissionDenied('read-only access: edits are not accepted'));
    }
    return false;
  }
}
