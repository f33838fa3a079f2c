/**
 * A share link as the API shows it (the answers of `POST` and `GET /docs/<id>/links`): times as
 * ISO-8601 strings, or null. The token is not stored with the record; whoever answers signs it
 * from the record (TokenSigner.issueLink) and passes it in.
 */
import type { Role } from '../../lib/auth/roles';

/** What the API shows of a stored link record; times in Unix milliseconds. */
export interface DescribedLinkRecord {
  readonly id: string;
  readonly name: string | null;
  readonly role: Role;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface LinkDescription {
  readonly id: string;
  readonly name: string | null;
  readonly role: Role;
  readonly token: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export function describeLink(link: DescribedLinkRecord, token: string): LinkDescription {
  return {
    id: link.id,
    name: link.name,
    role: link.role,
    token,
    createdAt: isoTime(link.createdAt),
    expiresAt: link.expiresAt === null ? null : isoTime(link.expiresAt),
    revokedAt: link.revokedAt === null ? null : isoTime(link.revokedAt),
  };
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
