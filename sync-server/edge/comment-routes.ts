/**
 * The comment routes, with the same share-link tokens as the socket (`Authorization: Bearer <token>`)
 * and the token checked against the TEXT document: a comment, edit or owner link may read and write
 * comments, a view link may not (403), no token is 401 with AUTH on.
 *
 *   GET  /docs/<id>/comments                              → 200 {threads: [...]} in document order
 *   POST /docs/<id>/comments          {quote, body, author?}  → 201 the thread, anchored to the first
 *                                                            occurrence of quote; 422 when it is not there
 *   POST /docs/<id>/comments/<threadId>/replies  {body, author?}  → 201 the comment
 *   POST /docs/<id>/comments/<threadId>/resolve    (no body) → 200 the thread
 *   POST /docs/<id>/comments/<threadId>/reopen     (no body) → 200 the thread
 *
 * A thread is {id, quote, resolved, detached, createdAt, comments: [{id, author: {name, color}, body,
 * createdAt, editedAt, deleted}]}, times as ISO-8601 strings like the version and link routes.
 * Writes go into the comments document's room (`<id>/comments`) as one transaction credited to the
 * author, so they are stored, replicated to other nodes and relayed to every connected editor like
 * any edit; the quote is searched in the text document's room. Bad input is a 400 (or 413 past the
 * size limit) that says why, and changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Y from 'yjs';
import { roleAtLeast } from '../../lib/auth/roles';
import { ANONYMOUS_AUTHOR, commentBodyProblem, parseCommentAuthor, quoteProblem, type CommentAuthor } from '../../lib/comments/comment-model';
import { commentedDocumentOf, commentsDocumentName } from '../../lib/comments/comments-document';
import { addReply, createThread, readThread, setThreadResolved } from '../../lib/comments/comment-store';
import { reboundAnchors } from '../../lib/comments/anchor-rebinding';
import { anchorForQuote, resolveAnchor } from '../../lib/comments/thread-anchor';
import { listThreads, threadView, type CommentView, type ThreadView } from '../../lib/comments/thread-list';
import { CONTENT_FIELD } from '../../lib/editor/document-fields';
import { isDocumentName } from '../../lib/protocol/document-path';
import type { AccessPolicy } from '../auth/access-policy';
import type { Logger } from '../logger';
import { UNNAMED_EDITOR, type NamedEditor } from '../room/participants';
import type { Room } from '../room/room';
import type { RoomRegistry } from '../room/room-registry';
import { bearerToken, documentIdFromSegment, INVALID_DOCUMENT_ID, readRequestBody } from './http-request';

export interface CommentRouteDeps {
  readonly access: AccessPolicy;
  readonly registry: Pick<RoomRegistry, 'acquire'>;
  readonly logger: Logger;
  /** The document API's body limit: the comment routes never accept more than it. */
  readonly maxBodyBytes: number;
  now(): number;
  send(response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
}

/**
 * The largest request the routes read: a body and a quote of 10,000 characters each, every one
 * written as a JSON escape (6 bytes), and an author, fit; a larger request is not a comment.
 */
export const MAX_COMMENT_REQUEST_BYTES = 128 * 1024;

type Route =
  | { readonly kind: 'threads'; readonly docId: string }
  | { readonly kind: 'replies' | 'resolve' | 'reopen'; readonly docId: string; readonly threadId: string };

class CommentRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Serves the request if `path` is a comment route; returns false (sending nothing) when it is not. */
export function serveCommentRoutes(deps: CommentRouteDeps, path: string, request: IncomingMessage, response: ServerResponse): boolean {
  const match = /^\/docs\/([^/]+)\/comments(?:\/([^/]+)\/(replies|resolve|reopen))?$/.exec(path);
  if (match === null) return false;
  const [, rawId, rawThreadId, action] = match;
  serve(deps, routeOf(rawId!, rawThreadId, action), request, response).catch((error: unknown) => {
    if (error instanceof CommentRouteError && error.status === 413) {
      // The rest of an oversized body is not read: answer, then drop the connection.
      response.on('finish', () => request.destroy());
      return deps.send(response, 413, { error: error.message }, { Connection: 'close' });
    }
    if (error instanceof CommentRouteError) return deps.send(response, error.status, { error: error.message });
    deps.logger.error({ err: error, path }, 'comment request failed');
    deps.send(response, 500, { error: 'internal error' });
  });
  return true;
}

function routeOf(rawId: string, rawThreadId: string | undefined, action: string | undefined): Route | CommentRouteError {
  const docId = documentIdFromSegment(rawId);
  if (docId === null) return new CommentRouteError(400, INVALID_DOCUMENT_ID);
  // A comments document has no comments of its own, and a name too long to have any has none either.
  if (commentedDocumentOf(docId) !== null || !isDocumentName(commentsDocumentName(docId))) return new CommentRouteError(404, 'not found');
  if (rawThreadId === undefined || action === undefined) return { kind: 'threads', docId };
  let threadId: string;
  try {
    threadId = decodeURIComponent(rawThreadId);
  } catch {
    return new CommentRouteError(404, 'no such thread');
  }
  return { kind: action as 'replies' | 'resolve' | 'reopen', docId, threadId };
}

async function serve(deps: CommentRouteDeps, route: Route | CommentRouteError, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (route instanceof CommentRouteError) throw route;
  const method = request.method ?? 'GET';
  const allowed = route.kind === 'threads' ? ['GET', 'HEAD', 'POST'] : ['POST'];
  if (!allowed.includes(method)) throw new CommentRouteError(405, 'method not allowed');
  const link = await authorize(deps, route.docId, request);
  // Everything about the request is checked before a document is touched or loaded.
  const input = method === 'POST' && route.kind !== 'resolve' && route.kind !== 'reopen' ? await readJson(request, deps.maxBodyBytes) : {};
  const newThread = route.kind === 'threads' && method === 'POST' ? newThreadOf(input, link) : null;
  const reply = route.kind === 'replies' ? replyOf(input, link) : null;
  const now = deps.now();

  const text = await deps.registry.acquire(route.docId);
  try {
    const comments = await deps.registry.acquire(commentsDocumentName(route.docId));
    try {
      const fragment = text.room.doc.getXmlFragment(CONTENT_FIELD);
      switch (route.kind) {
        case 'threads':
          if (newThread === null) return deps.send(response, 200, { threads: listThreads(comments.room.doc, fragment).map(threadJson) });
          return deps.send(response, 201, threadJson(postThread(comments.room, fragment, newThread, now)));
        case 'replies': {
          if (reply === null) throw new Error('a reply route without its reply');
          const added = addReply(comments.room.doc, route.threadId, { ...reply, now }, editorOf(reply.author));
          if (added === null) throw new CommentRouteError(404, 'no such thread');
          return deps.send(response, 201, commentJson(added));
        }
        case 'resolve':
        case 'reopen': {
          // No body says who: the change is the API's, as a restore without an author is.
          if (!setThreadResolved(comments.room.doc, route.threadId, route.kind === 'resolve', UNNAMED_EDITOR)) throw new CommentRouteError(404, 'no such thread');
          return deps.send(response, 200, threadJson(currentThread(comments.room, fragment, route.threadId)));
        }
      }
    } finally {
      comments.release();
    }
  } finally {
    text.release();
  }
}

/** The link id of the request's token (null for a version 1 token, or with AUTH=off); refuses one that may not comment. */
async function authorize(deps: CommentRouteDeps, docId: string, request: IncomingMessage): Promise<string | null> {
  const token = bearerToken(request);
  const decision = await deps.access.decide(docId, token);
  if (!decision.granted) throw new CommentRouteError(token === null && deps.access.mode === 'on' ? 401 : 403, decision.reason);
  if (!roleAtLeast(decision.grant.role, 'comment')) throw new CommentRouteError(403, 'comments need a comment, edit or owner link');
  return decision.grant.linkId;
}

interface NewThreadRequest {
  readonly quote: string;
  readonly body: string;
  readonly author: CommentAuthor;
}

function newThreadOf(input: Record<string, unknown>, link: string | null): NewThreadRequest {
  const problem = quoteProblem(input.quote);
  if (problem !== null) throw new CommentRouteError(400, problem);
  return { quote: input.quote as string, ...replyOf(input, link) };
}

function replyOf(input: Record<string, unknown>, link: string | null): { body: string; author: CommentAuthor } {
  const problem = commentBodyProblem(input.body);
  if (problem !== null) throw new CommentRouteError(400, problem);
  return { body: input.body as string, author: authorOf(input.author, link) };
}

/** Who the request says wrote it, with its token's link; Anonymous when it does not say. */
function authorOf(value: unknown, link: string | null): CommentAuthor {
  let author = ANONYMOUS_AUTHOR;
  if (value !== undefined) {
    // The link is the token's, never the request's own word.
    const { name, color } = (typeof value === 'object' && value !== null ? value : {}) as { name?: unknown; color?: unknown };
    const parsed = parseCommentAuthor({ name, color });
    if (parsed === null) throw new CommentRouteError(400, 'author is {"name": 1 to 40 characters, "color": "#rrggbb"}');
    author = parsed;
  }
  return link === null ? author : { ...author, link };
}

function postThread(comments: Room, fragment: Y.XmlFragment, input: NewThreadRequest, now: number): ThreadView {
  const anchor = anchorForQuote(fragment, input.quote);
  if (anchor === null) throw new CommentRouteError(422, 'the quote is not in the document');
  const range = resolveAnchor(fragment, anchor);
  // Threads a split or join moved get anchors on their new text first, so the new one is not the only one that follows edits.
  reboundAnchors(comments.doc, fragment, editorOf(input.author));
  const thread = createThread(comments.doc, { anchor, quote: range?.quote ?? input.quote, body: input.body, author: input.author, now }, editorOf(input.author));
  return threadView(thread, range);
}

function currentThread(comments: Room, fragment: Y.XmlFragment, threadId: string): ThreadView {
  const thread = readThread(comments.doc, threadId);
  if (thread === null) throw new CommentRouteError(404, 'no such thread');
  return threadView(thread, resolveAnchor(fragment, thread.anchor, thread.quote));
}

/** The author as the room credits the write (the history's notion of an author; the link stays in the comment). */
function editorOf(author: CommentAuthor): NamedEditor {
  return { kind: 'named', author: { name: author.name, color: author.color } };
}

function threadJson(thread: ThreadView) {
  return {
    id: thread.id,
    quote: thread.quote,
    resolved: thread.resolved,
    detached: thread.detached,
    createdAt: isoTime(thread.createdAt),
    comments: thread.comments.map(commentJson),
  };
}

function commentJson(comment: CommentView) {
  return {
    id: comment.id,
    author: { name: comment.author.name, color: comment.author.color },
    body: comment.body,
    createdAt: isoTime(comment.createdAt),
    editedAt: comment.editedAt === null ? null : isoTime(comment.editedAt),
    deleted: comment.deleted,
  };
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The body as a JSON object; 413 past the limit without reading the rest, 400 when it is not one. */
async function readJson(request: IncomingMessage, maxBodyBytes: number): Promise<Record<string, unknown>> {
  const limit = Math.min(maxBodyBytes, MAX_COMMENT_REQUEST_BYTES);
  const body = await readRequestBody(request, limit, 'pause');
  if (body === null) throw new CommentRouteError(413, `the body is larger than ${limit} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new CommentRouteError(400, 'send the request as a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CommentRouteError(400, 'send the request as a JSON object');
  return parsed as Record<string, unknown>;
}
