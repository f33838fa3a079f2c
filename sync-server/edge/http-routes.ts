/**
 * HTTP (HTTPS with TLS_CERT_FILE) on the sync server's port: share-link endpoints for the web app
 * and operations endpoints for load balancers and Prometheus. WebSocket upgrades never reach this
 * handler.
 *
 *   POST /docs                 → 201 { id, ownerToken, editToken, commentToken, viewToken }   rate-limited per client
 *                                                                      address (X-Forwarded-For per TRUST_PROXY)
 *   /docs/<id>/links[/<linkId>]  share-link management (link-routes.ts)
 *   /docs/<id>, /docs/<id>/content, /docs/<id>/versions[/<v>[/restore]]   the document API (document-api.ts)
 *   /docs/<id>/comments[/<threadId>/replies|resolve|reopen]   comment threads (comment-routes.ts)
 *   GET  /healthz              → 200 | 503 health report
 *   GET  /metrics              → Prometheus text
 *   /_poll/…                   the HTTP fallback transport (http-fallback-routes.ts)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessPolicy } from '../auth/access-policy';
import { clientAddress, type TrustProxy } from './client-address';
import { serveCommentRoutes } from './comment-routes';
import { serveDocumentApi, type DocumentApiDeps } from './document-api';
import { serveLinkRoutes, type LinkRouteDeps } from './link-routes';
import { documentIdFromSegment, INVALID_DOCUMENT_ID } from './http-request';
import type { ServerMetrics } from '../metrics';
import type { ClusterHealth } from '../cluster-mode';
import type { StorageHealth } from '../document/persistence-queue';
import type { DocumentStore } from '../storage/document-store';
import type { KeyedRateLimiter } from '../connection/rate-limiter';

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'stopping';
  readonly auth: 'on' | 'off';
  readonly documentsLoaded: number;
  readonly connections: number;
  readonly storage: StorageHealth & { readonly backend: DocumentStore['kind'] };
  /** Cluster mode only: this node's id and its link to Redis. */
  readonly cluster?: { readonly node: string; readonly redis: ClusterHealth };
  /** With TLS only: the certificate new connections get, and why the last SIGHUP reload failed. */
  readonly tls?: {
    readonly validTo: string;
    readonly expired: boolean;
    readonly fingerprint256: string;
    readonly reloadError: string | null;
  };
  readonly uptimeSeconds: number;
}

export interface HttpRouteDeps {
  readonly metrics: ServerMetrics;
  readonly access: AccessPolicy;
  readonly documentCreation: KeyedRateLimiter;
  readonly trustProxy: TrustProxy;
  readonly documentApi: Omit<DocumentApiDeps, 'send' | 'sendText'>;
  readonly links: Omit<LinkRouteDeps, 'send' | 'access' | 'documentCreation' | 'trustProxy'>;
  health(): HealthReport;
  /** The HTTP fallback transport's requests (/_poll/…); returns false for any other path. */
  fallback?(request: IncomingMessage, response: ServerResponse, path: string): boolean;
}

// Share links are bearer capabilities and no cookies are involved, so any origin may call these.
const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

/**
 * On every answer of this port. Nothing it serves is a page: JSON, Prometheus text, frame batches and
 * the document exports, which are the document's own content. A browser led to any of them must not
 * run it as a page of this origin, guess another type for it, frame it or tell another site of it.
 */
const syncServerSecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function createHttpHandler(deps: HttpRouteDeps) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    // Set before any route runs, so the fallback's and the API's own answers carry them too.
    for (const [name, value] of Object.entries(syncServerSecurityHeaders)) response.setHeader(name, value);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      response.writeHead(204, corsHeaders);
      response.end();
      return;
    }
    if (deps.fallback?.(request, response, path)) return;
    if (path === '/docs') {
      if (method !== 'POST') return sendJson(response, 405, { error: 'method not allowed' });
      return postDocument(deps, request, response);
    }
    const links = /^\/docs\/([^/]+)\/links(?:\/([^/]+))?$/.exec(path);
    if (links !== null) {
      const id = documentIdFromSegment(links[1]!);
      if (id === null) return sendJson(response, 400, { error: INVALID_DOCUMENT_ID });
      const { access, documentCreation, trustProxy } = deps;
      return serveLinkRoutes({ ...deps.links, access, documentCreation, trustProxy, send: sendJson }, id, links[2] ?? null, request, response);
    }
    // The routes' one clock is the links' (the server's scheduler).
    if (serveCommentRoutes({ ...deps.documentApi, now: () => deps.links.now(), send: sendJson }, path, request, response)) return;
    if (serveDocumentApi({ ...deps.documentApi, send: sendJson, sendText }, path, request, response)) return;
    if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: 'method not allowed' });
    switch (path) {
      case '/healthz': {
        const report = deps.health();
        // 503 when storage is failing: a load balancer should stop sending new users here.
        return sendJson(response, report.status === 'ok' ? 200 : 503, report);
      }
      case '/metrics':
        deps.metrics.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType });
            response.end(text);
          },
          () => sendJson(response, 500, { error: 'metrics unavailable' }),
        );
        return;
      default:
        return sendJson(response, 404, { error: 'not found' });
    }
  };
}

function postDocument(deps: HttpRouteDeps, request: IncomingMessage, response: ServerResponse): void {
  const address = clientAddress(request.socket.remoteAddress ?? 'unknown', request.headers['x-forwarded-for'], deps.trustProxy);
  if (!deps.documentCreation.take(address)) {
    return sendJson(response, 429, { error: 'too many documents created; try again in a minute' }, { 'Retry-After': '60' });
  }
  deps.access.createDocument().then(
    (created) => sendJson(response, 201, created),
    (error: unknown) => {
      deps.links.logger.error({ err: error }, 'creating a document failed');
      sendJson(response, 503, { error: 'the document could not be created; try again' });
    },
  );
}

function sendText(response: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...corsHeaders,
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...corsHeaders,
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
