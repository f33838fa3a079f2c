/**
 * Who may do what with a document: the one check every route that takes a token uses (the
 * WebSocket upgrade, the HTTP fallback, the document API, the version routes, the links routes).
 * The signature is checked first, so a forged or altered token is refused without a lookup; a
 * version 2 token's link record is then looked up and refused when revoked or expired at the
 * request's time. A version 1 token stands on its signature alone, as it always has.
 *
 * A document's comments (`<id>/comments`, lib/comments/comments-document.ts) are decided by the
 * token of its text document `<id>`, the only one tokens are bound to: a view link may not open
 * them (no comment data reaches a viewer), a comment, edit or owner link writes them. A commenter's
 * permission on the text stays read, so it can comment and cannot edit, with no update parsed.
 */
import type { V1Role } from '../../lib/auth/capability-token';
import { newDocumentId } from '../../lib/auth/document-id';
import { roleAtLeast, type Role } from '../../lib/auth/roles';
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import { CloseCode } from '../../lib/protocol/close-codes';
import { LINK_EXPIRED_REASON as EXPIRED_REASON, LINK_REVOKED_REASON as REVOKED_REASON } from '../../lib/protocol/close-reasons';
import type { Permission } from '../room/permissions';
import type { Scheduler } from '../scheduler';
import { newShareLinkId, type ShareLinkRecord } from '../storage/share-link-store';
import type { LinkRecords } from './link-records';
import type { TokenSigner } from './token-signer';

/** What an admitted token is: its role, and the record it names (null for version 1, or with AUTH=off). */
export interface LinkGrant {
  readonly role: Role;
  readonly version: 1 | 2;
  readonly linkId: string | null;
  /** Unix milliseconds, or null for never. */
  readonly expiresAt: number | null;
}

export type AccessDecision =
  | { readonly granted: true; readonly permission: Permission; readonly grant: LinkGrant }
  | {
      readonly granted: false;
      readonly closeCode: CloseCode;
      readonly reason: string;
      /** Whether the token is missing or not genuine (401 on the links routes), rather than refused after a lookup. */
      readonly unauthenticated: boolean;
    };

export type AuthMode = 'on' | 'off';

/** The tokens of the links a person may hand on (the client turns them into page links). */
export interface ShareTokens {
  readonly id: string;
  readonly editToken?: string;
  readonly commentToken?: string;
  readonly viewToken?: string;
}

/** What POST /docs answers: the owner's link (with link records) and the default links. */
export interface CreatedDocument {
  readonly id: string;
  readonly ownerToken?: string;
  readonly editToken: string;
  /** Version 2 only: a version 1 token has no comment role. */
  readonly commentToken?: string;
  readonly viewToken: string;
}

// The editor tells a revoked or expired link from other refusals by these exact reasons.
export { EXPIRED_REASON, REVOKED_REASON };
const INVALID_REASON = 'this link is not valid for this document';
export const COMMENTS_REFUSED_REASON = 'comments need a comment, edit or owner link';

type DefaultRole = 'edit' | 'comment' | 'view';

/** The names of the links every new document gets; the share dialog hands these on. */
export const DEFAULT_LINK_NAMES: Readonly<Record<DefaultRole, string>> = {
  edit: 'Anyone with this link can edit',
  comment: 'Anyone with this link can comment',
  view: 'Anyone with this link can view',
};
export const OWNER_LINK_NAME = 'Owner';

const OPEN_GRANT: LinkGrant = { role: 'owner', version: 1, linkId: null, expiresAt: null };

/** What a role may do to a document's text: a commenter reads it, like a viewer. */
export function permissionOf(role: Role): Permission {
  return roleAtLeast(role, 'edit') ? 'write' : 'read';
}

/** Why a record no longer admits its token at `nowMs`, or null while it does. */
export function recordRefusal(record: ShareLinkRecord | null, role: Role, nowMs: number): string | null {
  if (record === null || record.role !== role) return INVALID_REASON;
  if (record.revokedAt !== null) return REVOKED_REASON;
  if (record.expiresAt !== null && record.expiresAt <= nowMs) return EXPIRED_REASON;
  return null;
}

export class AccessPolicy {
  /** The link list of each document whose comment link is being made: asked at once, it is made once. */
  private readonly makingCommentLink = new Map<string, Promise<ShareLinkRecord[]>>();

  constructor(
    readonly mode: AuthMode,
    readonly signer: TokenSigner,
    private readonly scheduler: Scheduler,
    /** Null when the store keeps no link records: only version 1 tokens are issued and accepted. */
    readonly links: LinkRecords | null,
  ) {}

  /**
   * The decision for a connection to, or a request about, `docName`: a text document, or the
   * comments of one. Routes that serve only text documents refuse comments names before asking.
   */
  async decide(docName: string, token: string | null): Promise<AccessDecision> {
    const commented = commentedDocumentOf(docName);
    if (commented === null) return this.decideText(docName, token);
    const decision = await this.decideText(commented, token);
    if (!decision.granted) return decision;
    if (!roleAtLeast(decision.grant.role, 'comment')) {
      return { granted: false, closeCode: CloseCode.Forbidden, reason: COMMENTS_REFUSED_REASON, unauthenticated: false };
    }
    return { ...decision, permission: 'write' };
  }

  private async decideText(documentId: string, token: string | null): Promise<AccessDecision> {
    if (this.mode === 'off') return { granted: true, permission: 'write', grant: OPEN_GRANT };
    if (token === null || token === '') {
      return { granted: false, closeCode: CloseCode.Unauthorized, reason: 'a share link token is required', unauthenticated: true };
    }
    const now = this.scheduler.now();
    const check = this.signer.verifyLink(documentId, token, Math.floor(now / 1000));
    if (!check.valid) {
      const expired = check.reason === 'expired';
      return { granted: false, closeCode: CloseCode.Forbidden, reason: expired ? EXPIRED_REASON : INVALID_REASON, unauthenticated: !expired };
    }
    const grant: LinkGrant = {
      role: check.role,
      version: check.version === 1 ? 1 : 2,
      linkId: check.linkId,
      expiresAt: check.expiresAt === null ? null : check.expiresAt * 1000,
    };
    if (check.linkId === null) return { granted: true, permission: permissionOf(check.role), grant };
    if (this.links === null) return { granted: false, closeCode: CloseCode.Forbidden, reason: INVALID_REASON, unauthenticated: true };
    const record = await this.links.get(documentId, check.linkId);
    const refusal = recordRefusal(record, check.role, this.scheduler.now());
    if (refusal !== null) return { granted: false, closeCode: CloseCode.Forbidden, reason: refusal, unauthenticated: false };
    return { granted: true, permission: permissionOf(check.role), grant: { ...grant, expiresAt: record!.expiresAt } };
  }

  /**
   * A legacy document (version 1 tokens) with no record, as documents were before link records:
   * kept for the tests and tools that make one; POST /docs makes documents with records.
   */
  newDocument(): { id: string; editToken: string; viewToken: string } {
    const id = newDocumentId();
    return { id, editToken: this.issueV1(id, 'edit'), viewToken: this.issueV1(id, 'view') };
  }

  /** A new document: its owner link and its three default links, stored, with their tokens. */
  async createDocument(): Promise<CreatedDocument> {
    if (this.links === null) return this.newDocument();
    const id = newDocumentId();
    const now = this.scheduler.now();
    // A millisecond apart, so the list (newest first) always shows them in one order: view, comment, edit, owner.
    const owner = await this.createRecord(id, 'owner', OWNER_LINK_NAME, null, now);
    const edit = await this.createRecord(id, 'edit', DEFAULT_LINK_NAMES.edit, null, now + 1);
    const comment = await this.createRecord(id, 'comment', DEFAULT_LINK_NAMES.comment, null, now + 2);
    const view = await this.createRecord(id, 'view', DEFAULT_LINK_NAMES.view, null, now + 3);
    return {
      id,
      ownerToken: this.tokenOf(id, owner),
      editToken: this.tokenOf(id, edit),
      commentToken: this.tokenOf(id, comment),
      viewToken: this.tokenOf(id, view),
    };
  }

  /** Stores a new link record of the document and returns it. */
  async createRecord(documentId: string, role: Role, name: string, expiresAt: number | null, createdAt = this.scheduler.now()): Promise<ShareLinkRecord> {
    if (this.links === null) throw new Error('this store keeps no share links');
    const record: ShareLinkRecord = { id: newShareLinkId(), name, role, createdAt, expiresAt, revokedAt: null };
    await this.links.store.createLink(documentId, record);
    return record;
  }

  /** The token of a record, signed again from its fields (tokens are not stored). */
  tokenOf(documentId: string, record: ShareLinkRecord): string {
    return this.signer.issueLink(documentId, {
      role: record.role,
      expiresAt: record.expiresAt === null ? null : Math.floor(record.expiresAt / 1000),
      linkId: record.id,
    });
  }

  /**
   * The links a holder may hand on (POST /docs/<id>/links without a body). A version 1 holder gets
   * today's version 1 tokens; a version 2 holder the document's default links of its role or below
   * that still work. A version 2 document made before the comment role has no comment link: the
   * first editor or owner to ask makes it, unless a record of its name exists (one the owner
   * revoked stays revoked).
   */
  async shareTokens(documentId: string, grant: LinkGrant): Promise<ShareTokens> {
    if (grant.version === 1 || this.links === null) {
      const viewToken = this.issueV1(documentId, 'view');
      return grant.role === 'view' ? { id: documentId, viewToken } : { id: documentId, editToken: this.issueV1(documentId, 'edit'), viewToken };
    }
    const records = roleAtLeast(grant.role, 'edit') ? await this.withCommentLink(documentId) : await this.links.store.listLinks(documentId);
    const now = this.scheduler.now();
    const defaultOf = (role: DefaultRole): string | undefined => {
      if (!roleAtLeast(grant.role, role)) return undefined;
      // The oldest working one, should an owner ever make another of the same name.
      const found = records.filter((record) => record.role === role && record.name === DEFAULT_LINK_NAMES[role] && recordRefusal(record, role, now) === null).at(-1);
      return found === undefined ? undefined : this.tokenOf(documentId, found);
    };
    const [editToken, commentToken, viewToken] = [defaultOf('edit'), defaultOf('comment'), defaultOf('view')];
    return {
      id: documentId,
      ...(editToken === undefined ? {} : { editToken }),
      ...(commentToken === undefined ? {} : { commentToken }),
      ...(viewToken === undefined ? {} : { viewToken }),
    };
  }

  /**
   * The document's links, with its comment link made first when no record of that name exists.
   * One pass per document at a time on this node; two nodes may still each make one, and then
   * every holder is handed the oldest.
   */
  private withCommentLink(documentId: string): Promise<ShareLinkRecord[]> {
    const under = this.makingCommentLink.get(documentId);
    if (under !== undefined) return under;
    const making = (async () => {
      const store = this.links!.store;
      const records = await store.listLinks(documentId);
      if (records.some((record) => record.name === DEFAULT_LINK_NAMES.comment)) return records;
      await this.createRecord(documentId, 'comment', DEFAULT_LINK_NAMES.comment, null);
      return store.listLinks(documentId);
    })().finally(() => this.makingCommentLink.delete(documentId));
    this.makingCommentLink.set(documentId, making);
    return making;
  }

  private issueV1(documentId: string, role: V1Role): string {
    return this.signer.issue(documentId, { role, expiresAt: null });
  }
}
