/**
 * Managing a document's share links, for its owner (and, on documents made before link records,
 * its edit links): list them, make a named one, revoke one. The sync server's routes, with the
 * person's own token as the bearer:
 *
 *   GET    /docs/<id>/links            → 200 {"links": [ {id, name, role, token, createdAt, expiresAt, revokedAt} ]}
 *   POST   /docs/<id>/links  {role, name?, expiresAt?} → 201 {id, name, role, token, expiresAt}
 *   DELETE /docs/<id>/links/<linkId>   → 204 (404 when already gone: the same outcome)
 *
 * Every failure is a LinkManagementError whose `kind` says what the page should do (a 403 means
 * this token may not manage links, so the page shows the plain share dialog) and whose message a
 * person can act on. Answers are checked field by field: a server of another version must not
 * put `undefined` on the screen.
 */
import { fetchWithin, FetchWithinError, type Fetch } from '../page/fetch-within';
import { parseToken } from '../../auth/capability-token';
import { GRANTABLE_ROLES, type GrantableRole } from '../../auth/roles';

/**
 * Whether the page's own token may manage links, as far as the page can tell before asking:
 * `owner` for an owner link; `ask` for a version 1 edit link, which may on a document made before
 * owner links (the server says, a 403 meaning no); `none` otherwise. Display only: the server
 * decides every request.
 */
export type LinkManagementAccess = 'owner' | 'ask' | 'none';

export function linkManagementAccess(token: string | null): LinkManagementAccess {
  const parsed = token === null ? null : parseToken(token);
  if (parsed === null) return 'none';
  if (parsed.role === 'owner') return 'owner';
  return parsed.version === 1 && parsed.role === 'edit' ? 'ask' : 'none';
}

/** One link as the owner sees it. Times are Unix milliseconds; null for none. */
export interface ShareLinkRecord {
  readonly id: string;
  readonly name: string | null;
  /** As the server names it: view, edit or owner today; a role added later passes through as is. */
  readonly role: string;
  readonly token: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewShareLink {
  readonly role: GrantableRole;
  readonly name?: string;
  /** ISO-8601 with its zone; absent for a link that never expires. */
  readonly expiresAt?: string;
}

export interface CreatedShareLink {
  readonly id: string;
  readonly name: string | null;
  readonly role: GrantableRole;
  readonly token: string;
  readonly expiresAt: number | null;
}

export type LinkManagementFailure =
  /** 403: the token is valid but may not manage links (an edit or view link). */
  | 'not-allowed'
  /** 401: no token, or one the server does not accept. */
  | 'unauthorized'
  /** 400: the server refused what was asked; the message is its reason. */
  | 'rejected'
  /** 429: too many links made; later. */
  | 'rate-limited'
  | 'unreachable'
  | 'timeout'
  /** Any other status, or an answer that is not what the routes return. */
  | 'server';

export class LinkManagementError extends Error {
  override readonly name = 'LinkManagementError';
  constructor(
    readonly kind: LinkManagementFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface LinkManagementOptions {
  readonly httpBase: string;
  readonly docId: string;
  readonly token: string;
  readonly fetchImpl?: Fetch;
  readonly timeoutMs?: number;
}

export const LINK_MANAGEMENT_TIMEOUT_MS = 8_000;

export interface LinkManagement {
  list(): Promise<ShareLinkRecord[]>;
  create(link: NewShareLink): Promise<CreatedShareLink>;
  /** Resolves once the link is revoked, including when it already was or is gone. */
  revoke(linkId: string): Promise<void>;
}

export function linkManagement(options: LinkManagementOptions): LinkManagement {
  const base = `${options.httpBase.replace(/\/+$/, '')}/docs/${encodeURIComponent(options.docId)}/links`;
  const call = (url: string, init: RequestInit) => request(url, init, options);
  return {
    async list() {
      const response = await call(base, { method: 'GET' });
      if (response.status !== 200) throw await failure(response);
      const body = await jsonOf(response);
      const links = isObject(body) ? body.links : undefined;
      if (!Array.isArray(links)) throw malformed();
      return links.map((link) => linkRecordOf(link) ?? throwMalformed());
    },
    async create(link) {
      const body: Record<string, string> = { role: link.role };
      if (link.name !== undefined && link.name.trim() !== '') body.name = link.name.trim();
      if (link.expiresAt !== undefined) body.expiresAt = link.expiresAt;
      const response = await call(base, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 201 && response.status !== 200) throw await failure(response);
      return createdLinkOf(await jsonOf(response)) ?? throwMalformed();
    },
    async revoke(linkId) {
      const response = await call(`${base}/${encodeURIComponent(linkId)}`, { method: 'DELETE' });
      // 404: revoked and gone already (a second click, another tab): what was asked holds.
      if (response.status === 204 || response.status === 200 || response.status === 404) return;
      throw await failure(response);
    },
  };
}

async function request(url: string, init: RequestInit, options: LinkManagementOptions): Promise<Response> {
  const headers = { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${options.token}` };
  try {
    return await fetchWithin(options.fetchImpl ?? fetch, url, { ...init, headers }, options.timeoutMs ?? LINK_MANAGEMENT_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof FetchWithinError) throw new LinkManagementError(error.kind, error.message);
    throw error;
  }
}

async function failure(response: Response): Promise<LinkManagementError> {
  const body = await jsonOf(response).catch(() => null);
  const reason = isObject(body) && typeof body.error === 'string' && body.error.trim() !== '' ? body.error.trim() : null;
  switch (response.status) {
    case 400:
      return new LinkManagementError('rejected', reason !== null ? capitalised(reason) : 'The server refused this link.');
    case 401:
      return new LinkManagementError('unauthorized', 'This page’s link is not accepted for this document.');
    case 403:
      return new LinkManagementError('not-allowed', 'Only the document’s owner can manage its links.');
    case 429:
      return new LinkManagementError('rate-limited', 'Too many links made just now; try again in a minute.');
    default:
      return new LinkManagementError('server', `The sync server answered ${response.status}${reason !== null ? `: ${reason}` : '.'}`);
  }
}

function capitalised(text: string): string {
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

async function jsonOf(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    throw malformed();
  }
}

function linkRecordOf(value: unknown): ShareLinkRecord | null {
  if (!isObject(value)) return null;
  const { id, name, role, token, createdAt, expiresAt, revokedAt } = value;
  if (!nonEmpty(id) || !nonEmpty(role) || !nonEmpty(token)) return null;
  const created = instantOf(createdAt);
  const expires = optionalInstantOf(expiresAt);
  const revoked = optionalInstantOf(revokedAt);
  if (created === null || expires === undefined || revoked === undefined || !isName(name)) return null;
  return { id, name: name ?? null, role, token, createdAt: created, expiresAt: expires, revokedAt: revoked };
}

function createdLinkOf(value: unknown): CreatedShareLink | null {
  if (!isObject(value)) return null;
  const { id, name, role, token, expiresAt } = value;
  const grantable = GRANTABLE_ROLES.find((candidate) => candidate === role);
  const expires = optionalInstantOf(expiresAt);
  if (!nonEmpty(id) || !nonEmpty(token) || grantable === undefined || expires === undefined || !isName(name)) return null;
  return { id, name: name ?? null, role: grantable, token, expiresAt: expires };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isName(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

function instantOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** null for "none"; undefined for a value that is neither a time nor none. */
function optionalInstantOf(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  return instantOf(value) ?? undefined;
}

function malformed(): LinkManagementError {
  return new LinkManagementError('server', 'The sync server sent an answer this page does not understand.');
}

function throwMalformed(): never {
  throw malformed();
}
