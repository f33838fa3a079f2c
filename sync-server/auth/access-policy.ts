/**
 * Who may do what with a document, decided once per connection at the HTTP upgrade from the
 * `token` query parameter. The result is a typed permission the room enforces on every message.
 */
import type { V1Role } from '../../lib/auth/capability-token';
import { newDocumentId } from '../../lib/auth/document-id';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { Permission } from '../room/permissions';
import type { Scheduler } from '../scheduler';
import type { TokenSigner } from './token-signer';

export type AccessDecision =
  | { readonly granted: true; readonly permission: Permission }
  | { readonly granted: false; readonly closeCode: CloseCode; readonly reason: string };

export type AuthMode = 'on' | 'off';

/** The tokens of the links a person may hand on (the client turns them into page links). */
export interface ShareTokens {
  readonly id: string;
  readonly editToken?: string;
  readonly viewToken: string;
}

const permissionOf: Record<V1Role, Permission> = { edit: 'write', view: 'read' };

export class AccessPolicy {
  constructor(
    readonly mode: AuthMode,
    private readonly signer: TokenSigner,
    private readonly scheduler: Scheduler,
  ) {}

  decide(documentId: string, token: string | null): AccessDecision {
    if (this.mode === 'off') return { granted: true, permission: 'write' };
    if (token === null || token === '') {
      return { granted: false, closeCode: CloseCode.Unauthorized, reason: 'a share link token is required' };
    }
    const check = this.signer.verify(documentId, token, this.nowSeconds());
    if (check.valid) return { granted: true, permission: permissionOf[check.role] };
    const reason = check.reason === 'expired' ? 'this link has expired' : 'this link is not valid for this document';
    return { granted: false, closeCode: CloseCode.Forbidden, reason };
  }

  /** A new document: a random 128-bit id with its edit and view tokens. */
  newDocument(): Required<ShareTokens> {
    const id = newDocumentId();
    return { id, editToken: this.issue(id, 'edit'), viewToken: this.issue(id, 'view') };
  }

  /** The links a holder of `token` may hand on: both for an editor, only the view link for a viewer. */
  shareTokens(documentId: string, token: string): ShareTokens | null {
    const check = this.signer.verify(documentId, token, this.nowSeconds());
    if (!check.valid) return null;
    return { id: documentId, ...this.linksFor(documentId, check.role) };
  }

  private linksFor(documentId: string, role: V1Role): Omit<ShareTokens, 'id'> {
    const viewToken = this.issue(documentId, 'view');
    return role === 'view' ? { viewToken } : { editToken: this.issue(documentId, 'edit'), viewToken };
  }

  private issue(documentId: string, role: V1Role): string {
    return this.signer.issue(documentId, { role, expiresAt: null });
  }

  private nowSeconds(): number {
    return Math.floor(this.scheduler.now() / 1000);
  }
}
