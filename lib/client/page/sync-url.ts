/**
 * Where the browser finds the sync server. Decided at request time by the Next server (SYNC_URL),
 * falling back to the page's own host on SYNC_PORT: a build must run unchanged on any host.
 */
import { documentUrlPath } from '../../protocol/document-path';

export const DEFAULT_SYNC_PORT = 1234;

export interface PageLocation {
  readonly protocol: string;
  readonly hostname: string;
}

export function resolveSyncBaseUrl(configured: string | null, syncPort: number, location: PageLocation): string {
  if (configured) return configured.replace(/\/+$/, '');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // IPv6 literals need brackets in a URL; location.hostname gives them without.
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${scheme}://${host}:${syncPort}`;
}

/**
 * Where a page at `location` reaches the sync server: `socket` for its WebSocket (ws:// or wss://),
 * `http` for its HTTP endpoints on the same host and port. What every component asks.
 */
export function syncServerUrls(configured: string | null, syncPort: number, location: PageLocation): { readonly socket: string; readonly http: string } {
  const socket = resolveSyncBaseUrl(configured, syncPort, location);
  return { socket, http: httpBaseFromSocketBase(socket) };
}

/** The WebSocket URL of one document; `params` is where a share token will travel later. */
export function documentSocketUrl(
  baseUrl: string,
  docName: string,
  params: Readonly<Record<string, string>> = {},
): string {
  const query = new URLSearchParams(params).toString();
  return `${baseUrl.replace(/\/+$/, '')}${documentUrlPath(docName)}${query ? `?${query}` : ''}`;
}

/** SYNC_PORT as the Next server sees it; a malformed value falls back rather than breaking pages. */
export function parseSyncPort(value: string | undefined): number {
  const port = Number(value);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_SYNC_PORT;
}

/** The sync server's HTTP endpoints (POST /docs, /healthz) live on the same host and port. */
export function httpBaseFromSocketBase(socketBase: string): string {
  return socketBase.replace(/^ws(s?):\/\//i, (_match, secure: string) => `http${secure}://`).replace(/\/+$/, '');
}
