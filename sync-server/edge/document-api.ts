/**
 * The document API over plain HTTP, with the same share-link tokens as the socket
 * (`Authorization: Bearer <token>`): an edit token may read, write, name versions and restore;
 * a view token may read the current content only. A refused request gets 401 or 403 and not a
 * byte of the document; malformed input gets a 4xx that says why, and changes nothing.
 *
 *   GET  /docs/<id>                          content: ?format=json|html|markdown|text, or Accept
 *   POST /docs/<id>/content?mode=append|replace   body: Markdown (text/markdown) or HTML (text/html)
 *   GET  /docs/<id>/versions                 the version list, newest first
 *   POST /docs/<id>/versions                 names the current state: body {"name": "...", "author"?}
 *   GET  /docs/<id>/versions/<v>             a version's content, in the same formats
 *   POST /docs/<id>/versions/<v>/restore     makes the content equal to version <v>, as a new change;
 *                                            body empty or {"author"?}
 *
 * `author` is {"name", "color"?}: who the version credits, as the editor shows it in presence (no
 * more verified than presence is). Without it, the API itself is credited. A 404 says which kind it
 * is in `code`: "history_off" or "version_not_found". A 503 with "history_busy" (cluster mode):
 * another node kept writing versions of the document for longer than the request waits; retry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import { ContentError, exportContentTypes, exportFormats, type ExportFormat, type ImportFormat } from '../../lib/editor/content-formats';
import type { AccessPolicy } from '../auth/access-policy';
import { contentConversions, type ContentConversions } from '../document/content-conversions';
import { HistoryBusy, VersionNotFound } from '../history/document-history';
import { authorFromRequest } from '../history/version-author';
import { bearerToken, documentIdFromSegment, INVALID_DOCUMENT_ID, NOT_A_TEXT_DOCUMENT, readRequestBody } from './http-request';
import type { Logger } from '../logger';
import type { NamedEditor } from '../room/participants';
import type { Room } from '../room/room';
import type { RoomRegistry } from '../room/room-registry';
import type { VersionAuthor, VersionInfo } from '../storage/document-store';

export interface DocumentApiDeps {
  readonly access: AccessPolicy;
  readonly registry: Pick<RoomRegistry, 'acquire'>;
  readonly logger: Logger;
  /** Largest request body accepted (Markdown, HTML, a version name). */
  readonly maxBodyBytes: number;
  send(response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  sendText(response: ServerResponse, status: number, text: string, contentType: string, headers?: Record<string, string>): void;
}

/** Requests through the API are authored by it: versions name it among their authors. */
const API_AUTHOR: VersionAuthor = { name: 'Document API', color: null };

const MAX_VERSION_NAME_LENGTH = 200;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A stable name for the kind of error, where a client needs to tell two of one status apart. */
    readonly code?: string,
  ) {
    super(message);
  }
}

type Route =
  | { readonly kind: 'content'; readonly docId: string }
  | { readonly kind: 'write'; readonly docId: string }
  | { readonly kind: 'versions'; readonly docId: string }
  | { readonly kind: 'version'; readonly docId: string; readonly versionId: number }
  | { readonly kind: 'restore'; readonly docId: string; readonly versionId: number };

/**
 * Serves the request if `path` is one of the API's; returns false (sending nothing) when it is not.
 */
export function serveDocumentApi(deps: DocumentApiDeps, path: string, request: IncomingMessage, response: ServerResponse): boolean {
  let route: Route | null;
  try {
    route = matchDocumentRoute(path);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    deps.send(response, error.status, { error: error.message });
    return true;
  }
  if (route === null) return false;
  void handleDocumentApi(deps, route, request, response);
  return true;
}

/** The route of a path, null when it is not one of the API's; throws HttpError for a malformed one. */
function matchDocumentRoute(path: string): Route | null {
  const match = /^\/docs\/([^/]+)(?:\/(content|versions)(?:\/([^/]+)(\/restore)?)?)?$/.exec(path);
  if (match === null) return null;
  const [, rawId, section, rawVersion, restore] = match;
  const docId = decodeSegment(rawId!);
  // A document's comments are no text: served as content, or written as Markdown, they would let an
  // edit link put text where only comment data belongs. They are reached through /docs/<id>/comments.
  if (commentedDocumentOf(docId) !== null) throw new HttpError(404, NOT_A_TEXT_DOCUMENT);
  if (section === undefined) return { kind: 'content', docId };
  if (section === 'content') return rawVersion === undefined ? { kind: 'write', docId } : null;
  if (rawVersion === undefined) return { kind: 'versions', docId };
  if (!/^[1-9]\d{0,14}$/.test(rawVersion)) throw new HttpError(400, 'a version id is a positive whole number');
  const versionId = Number(rawVersion);
  return restore === undefined ? { kind: 'version', docId, versionId } : { kind: 'restore', docId, versionId };
}

async function handleDocumentApi(deps: DocumentApiDeps, route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    await serve(deps, route, request, response);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) {
      // The rest of an oversized body is not read: answer, then drop the connection.
      response.on('finish', () => request.destroy());
      return deps.send(response, 413, { error: error.message }, { Connection: 'close' });
    }
    if (error instanceof HttpError) return deps.send(response, error.status, { error: error.message, ...(error.code ? { code: error.code } : {}) });
    if (error instanceof ContentError) return deps.send(response, 422, { error: error.message });
    if (error instanceof VersionNotFound) return deps.send(response, 404, { error: error.message, code: 'version_not_found' });
    if (error instanceof HistoryBusy) return deps.send(response, 503, { error: error.message, code: 'history_busy' }, { 'Retry-After': '1' });
    deps.logger.error({ err: error, route: route.kind }, 'document API request failed');
    deps.send(response, 500, { error: 'internal error' });
  }
}

async function serve(deps: DocumentApiDeps, route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const writes = route.kind === 'write' || route.kind === 'restore' || (route.kind === 'versions' && method === 'POST');
  const allowed = route.kind === 'content' || route.kind === 'version' ? ['GET', 'HEAD'] : route.kind === 'versions' ? ['GET', 'HEAD', 'POST'] : ['POST'];
  if (!allowed.includes(method)) throw new HttpError(405, 'method not allowed');
  const permission = await authorize(deps, route.docId, request);
  // A view link reads the present only: history and every change need an edit link.
  if (permission !== 'write' && (writes || route.kind !== 'content')) throw new HttpError(403, 'this needs an edit link');
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  // Everything about the request is checked before the document is touched or loaded.
  const format = route.kind === 'content' || route.kind === 'version' ? exportFormatOf(query.get('format'), request.headers.accept) : 'json';
  const body = writes ? await readText(request, deps.maxBodyBytes) : '';

  const conversions = await contentConversions();
  const { readDocument, renderDocument } = conversions;
  const { room, release } = await deps.registry.acquire(route.docId);
  try {
    switch (route.kind) {
      case 'content':
        return deps.sendText(response, 200, renderDocument(readDocument(room.doc), format), exportContentTypes[format], exportHeaders(format));
      case 'write':
        return writeContent(deps, conversions, room, request, query, body, response);
      case 'versions': {
        const history = historyOf(room);
        if (method === 'POST') {
          const request = jsonBody(body, 'send {"name": "..."} as JSON');
          return deps.send(response, 201, describeVersion(await history.name(versionName(request), authorOf(request))));
        }
        return deps.send(response, 200, { versions: (await history.list()).reverse().map(describeVersion) });
      }
      case 'version': {
        const doc = await historyOf(room).documentAt(route.versionId);
        try {
          return deps.sendText(response, 200, renderDocument(readDocument(doc), format), exportContentTypes[format], exportHeaders(format));
        } finally {
          doc.destroy();
        }
      }
      case 'restore': {
        const author = body.trim() === '' ? API_AUTHOR : authorOf(jsonBody(body, 'send nothing, or {"author": {...}} as JSON'));
        const { before, after } = await historyOf(room).restore(route.versionId, author);
        return deps.send(response, 200, { before: describeVersion(before), restored: describeVersion(after) });
      }
    }
  } finally {
    release();
  }
}

function writeContent(
  deps: DocumentApiDeps,
  { parseContent, readDocument, appendedContent, writeDocument }: ContentConversions,
  room: Room,
  request: IncomingMessage,
  query: URLSearchParams,
  body: string,
  response: ServerResponse,
): void {
  const mode = query.get('mode') ?? 'append';
  if (mode !== 'append' && mode !== 'replace') throw new HttpError(400, 'mode is append or replace');
  const format = importFormatOf(request.headers['content-type']);
  const parsed = parseContent(body, format);
  const current = readDocument(room.doc);
  const content = mode === 'append' ? appendedContent(current.content, parsed) : parsed;
  const editor: NamedEditor = { kind: 'named', author: API_AUTHOR };
  // One transaction: every connected editor sees the whole change at once, or nothing changes.
  writeDocument(room.doc, { title: current.title, content }, editor);
  deps.send(response, 200, { ok: true, mode });
}

async function authorize(deps: DocumentApiDeps, docId: string, request: IncomingMessage): Promise<'read' | 'write'> {
  const token = bearerToken(request);
  const decision = await deps.access.decide(docId, token);
  if (decision.granted) return decision.permission;
  throw new HttpError(token === null && deps.access.mode === 'on' ? 401 : 403, decision.reason);
}

function historyOf(room: Room) {
  if (room.history === null) throw new HttpError(404, 'version history is off on this server (HISTORY=off)', 'history_off');
  return room.history;
}

function exportFormatOf(requested: string | null, accept: string | undefined): ExportFormat {
  if (requested !== null) {
    const format = exportFormats.find((candidate) => candidate === requested || (candidate === 'markdown' && requested === 'md'));
    if (format === undefined) throw new HttpError(400, `format is one of ${exportFormats.join(', ')}`);
    return format;
  }
  const wanted = (accept ?? '').toLowerCase();
  if (wanted.includes('text/html')) return 'html';
  if (wanted.includes('text/markdown')) return 'markdown';
  if (wanted.includes('text/plain')) return 'text';
  return 'json';
}

/**
 * The HTML export is a document's content, which anyone with an edit link wrote: opened in a browser
 * it is saved, not shown (the sandboxing policy on every answer of this port already keeps it from
 * running as a page of this origin where a browser would show it anyway).
 */
function exportHeaders(format: ExportFormat): Record<string, string> {
  return format === 'html' ? { 'Content-Disposition': 'attachment; filename="document.html"' } : {};
}

function importFormatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/markdown' || type === 'text/x-markdown' || type === 'text/plain') return 'markdown';
  if (type === 'text/html') return 'html';
  throw new HttpError(415, 'send Markdown (Content-Type: text/markdown) or HTML (Content-Type: text/html)');
}

function jsonBody(body: string, hint: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, hint);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, hint);
  return parsed as Record<string, unknown>;
}

function versionName(request: Record<string, unknown>): string {
  const { name } = request;
  if (typeof name !== 'string' || name.trim() === '') throw new HttpError(400, 'a version needs a name');
  if (name.length > MAX_VERSION_NAME_LENGTH) throw new HttpError(400, `a version name has at most ${MAX_VERSION_NAME_LENGTH} characters`);
  return name.trim();
}

/** Who a request says it is; the API itself when it does not say. */
function authorOf(request: Record<string, unknown>): VersionAuthor {
  const { author } = request;
  if (author === undefined) return API_AUTHOR;
  const parsed = authorFromRequest(author);
  if ('refused' in parsed) throw new HttpError(400, parsed.refused);
  return parsed;
}

function describeVersion({ id, meta }: VersionInfo) {
  return {
    id,
    createdAt: new Date(meta.createdAt).toISOString(),
    kind: meta.kind,
    name: meta.name,
    authors: meta.authors,
    restoredFrom: meta.restoredFrom,
  };
}

/** The body as UTF-8 text, refused past `limit` bytes (413) without reading the rest into memory. */
async function readText(request: IncomingMessage, limit: number): Promise<string> {
  // Paused rather than dropped past the limit: the 413 is answered before the connection closes.
  const body = await readRequestBody(request, limit, 'pause');
  if (body === null) throw new HttpError(413, `the body is larger than ${limit} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
}

function decodeSegment(segment: string): string {
  const name = documentIdFromSegment(segment);
  if (name === null) throw new HttpError(400, INVALID_DOCUMENT_ID);
  return name;
}
