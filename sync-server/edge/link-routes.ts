/**
 * The share-link routes (Authorization: Bearer <token>):
 *
 *   GET    /docs/<id>/links            owner → 200 {links: [...]}, newest first, each with its token
 *   POST   /docs/<id>/links  {role, name?, expiresAt?}   owner → 201 {id, name, role, token, expiresAt}
 *   POST   /docs/<id>/links  (no body)  any holder → 200 the links it may hand on {id, editToken?, commentToken?, viewToken?}
 *   DELETE /docs/<id>/links/<linkId>    owner → 204; a link the document does not have → 404
 *
 * No token or a forged one → 401; a view or edit token → 403, except the edit link of a document
 * made before link records (it has no owner link, so its editors manage). A bad body → 400. A
 * comments document's name (`<id>%2Fcomments`) → 404: it has no links of its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import type { AccessPolicy, LinkGrant } from '../auth/access-policy';
import { describeLink } from '../auth/link-description';
import { linkRequestFromBody } from '../auth/link-request';
import type { KeyedRateLimiter } from '../connection/rate-limiter';
import type { Logger } from '../logger';
import { isShareLinkId } from '../storage/share-link-store';
import { clientAddress, type TrustProxy } from './client-address';
import { bearerToken, NOT_A_TEXT_DOCUMENT, readRequestBody } from './http-request';

export interface LinkRouteDeps {
  readonly access: AccessPolicy;
  readonly documentCreation: KeyedRateLimiter;
  readonly trustProxy: TrustProxy;
  readonly logger: Logger;
  now(): number;
  /** A link of the document was revoked here: its connections end, other nodes hear of it. */
  onRevoked(docName: string, linkId: string): void;
  send(response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
}

/** A link's body is a few hundred bytes; more is not a link. */
const MAX_LINK_BODY_BYTES = 4096;

class LinkRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function serveLinkRoutes(deps: LinkRouteDeps, docId: string, linkId: string | null, request: IncomingMessage, response: ServerResponse): void {
  serve(deps, docId, linkId, request, response).catch((error: unknown) => {
    if (error instanceof LinkRouteError) return deps.send(response, error.status, { error: error.message });
    deps.logger.error({ err: error, doc: docId }, 'share link request failed');
    deps.send(response, 500, { error: 'internal error' });
  });
}

async function serve(deps: LinkRouteDeps, docId: string, linkId: string | null, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const allowed = linkId === null ? ['GET', 'POST'] : ['DELETE'];
  if (!allowed.includes(method)) throw new LinkRouteError(405, 'method not allowed');
  // Links belong to the text document; its comments are opened with the same links.
  if (commentedDocumentOf(docId) !== null) throw new LinkRouteError(404, NOT_A_TEXT_DOCUMENT);
  const decision = await deps.access.decide(docId, bearerToken(request));
  if (!decision.granted) throw new LinkRouteError(decision.unauthenticated ? 401 : 403, decision.reason);
  const { grant } = decision;

  if (method === 'POST') {
    const body = await readRequestBody(request, MAX_LINK_BODY_BYTES, 'pause');
    if (body === null) throw new LinkRouteError(413, `a link's body has at most ${MAX_LINK_BODY_BYTES} bytes`);
    const text = Buffer.from(body).toString('utf8');
    // Without a body: the links this holder may hand on, as before link records.
    if (text.trim() === '') return deps.send(response, 200, await deps.access.shareTokens(docId, grant));
    await requireManager(deps, docId, grant);
    return createLink(deps, docId, text, request, response);
  }
  await requireManager(deps, docId, grant);
  const links = deps.access.links!;
  if (method === 'GET') {
    const records = await links.store.listLinks(docId);
    return deps.send(response, 200, { links: records.map((record) => describeLink({ ...record, name: record.name === '' ? null : record.name }, deps.access.tokenOf(docId, record))) });
  }
  if (!isShareLinkId(linkId)) throw new LinkRouteError(404, 'this document has no such link');
  const record = await links.store.getLink(docId, linkId);
  if (record === null) throw new LinkRouteError(404, 'this document has no such link');
  if (record.role === 'owner') throw new LinkRouteError(400, "the owner's link cannot be revoked");
  if (!(await links.store.revokeLink(docId, linkId, deps.now()))) throw new LinkRouteError(404, 'this document has no such link');
  deps.onRevoked(docId, linkId);
  response.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' }).end();
}

/**
 * Only an owner manages links; the edit link of a document with no owner link (made before link
 * records) stands in for one. Link records must be kept by the store.
 */
async function requireManager(deps: LinkRouteDeps, docId: string, grant: LinkGrant): Promise<void> {
  const links = deps.access.links;
  if (links === null) throw new LinkRouteError(404, 'this server keeps no share links');
  if (grant.role === 'owner' && (grant.version === 2 || deps.access.mode === 'off')) return;
  if (grant.version === 1 && grant.role === 'edit') {
    const records = await links.store.listLinks(docId);
    if (!records.some((record) => record.role === 'owner')) return;
  }
  throw new LinkRouteError(403, "managing links needs the document owner's link");
}

async function createLink(deps: LinkRouteDeps, docId: string, text: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LinkRouteError(400, 'send a JSON object such as {"role": "view"}');
  }
  const wanted = linkRequestFromBody(body, deps.now());
  if ('refused' in wanted) throw new LinkRouteError(400, wanted.refused);
  const address = clientAddress(request.socket.remoteAddress ?? 'unknown', request.headers['x-forwarded-for'], deps.trustProxy);
  if (!deps.documentCreation.take(address)) {
    return deps.send(response, 429, { error: 'too many links created; try again in a minute' }, { 'Retry-After': '60' });
  }
  const record = await deps.access.createRecord(docId, wanted.role, wanted.name ?? '', wanted.expiresAt);
  const { id, name, role, token, expiresAt } = describeLink(record, deps.access.tokenOf(docId, record));
  deps.send(response, 201, { id, name: name === '' ? null : name, role, token, expiresAt });
}
