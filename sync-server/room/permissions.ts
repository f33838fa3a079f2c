/**
 * What a connection may do in its room. Read-only connections are told once that their edits are
 * refused, not once per keystroke; an empty update (what a stock client sends on sync) is no edit.
 */
import { encodePermissionDenied } from '../../lib/protocol/messages';
import { isEmptyUpdate } from '../storage/empty-update';

export type Permission = 'read' | 'write';

interface Refusable {
  readonly permission: Permission;
  send(message: Uint8Array): void;
}

export class WritePermission {
  private readonly denied = new WeakSet<Refusable>();

  /** Whether `connection` may apply `update`; a refused writer hears so the first time. */
  allows(connection: Refusable, update: Uint8Array): boolean {
    if (connection.permission === 'write') return true;
    if (isEmptyUpdate(update)) return false;
    if (!this.denied.has(connection)) {
      this.denied.add(connection);
      connection.send(encodePermissionDenied('read-only access: edits are not accepted'));
    }
    return false;
  }
}
