/**
 * The browser defences on every response of the web app (OWASP's secure headers; what Mozilla's
 * Observatory grades): a Content-Security-Policy, framing, MIME sniffing and the referrer. Pure:
 * the proxy (proxy.ts) gives it the request's facts and the environment.
 *
 * The policy allows what the pages do and nothing else: scripts from the app itself, inline ones
 * only with the response's nonce (Next puts it on its own); connections to the app and to the sync
 * server (socket, HTTP endpoints, the HTTP fallback); no plugins, no <base>, no framing unless
 * FRAME_ANCESTORS names who may.
 */

export const FRAME_ANCESTORS_VARIABLE = 'FRAME_ANCESTORS';

export class FrameAncestorsError extends Error {
  override readonly name = 'FrameAncestorsError';
}

/**
 * An origin a page may be framed by: http(s), a host (optionally `*.` for its subdomains), an
 * optional port, nothing else. Strict on purpose: the value is written into a header, and a `;` or a
 * space there would add directives of its own.
 */
const FRAMING_ORIGIN = /^(https?):\/\/((?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(:\d{1,5})?\/?$/i;

/**
 * FRAME_ANCESTORS: origins (space- or comma-separated) that may frame the pages, and `'self'`.
 * Unset, empty or `'none'`: nobody. Returns the CSP sources; [] means none. Throws on anything else.
 */
export function parseFrameAncestors(value: string | undefined): readonly string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) return [];
  const sources: string[] = [];
  for (const entry of entries) {
    const keyword = entry.replace(/^'(.*)'$/, '$1').toLowerCase();
    if (keyword === 'none' && entries.length === 1) return [];
    if (keyword === 'self') {
      sources.push("'self'");
      continue;
    }
    const origin = FRAMING_ORIGIN.exec(entry);
    if (origin === null) {
      throw new FrameAncestorsError(
        `${FRAME_ANCESTORS_VARIABLE}: ${JSON.stringify(entry.slice(0, 100))} is not an origin such as https://wiki.example.com or https://*.example.com, nor 'self' ('none' alone refuses every site)`,
      );
    }
    sources.push(`${origin[1]!.toLowerCase()}://${origin[2]!.toLowerCase()}${origin[3] ?? ''}`);
  }
  return [...new Set(sources)];
}

/** A host CSP can name: a DNS name or an IPv4 address. IPv6 literals have no CSP syntax. */
const CSP_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/i;

export interface SyncLocation {
  /** SYNC_URL as the pages get it (ws:// or wss://, maybe with a path), or null. */
  readonly syncUrl: string | null;
  /** SYNC_PORT: without SYNC_URL the page connects to its own host on this port. */
  readonly syncPort: number;
  /** The Host header of the page's request: the host the browser sees, so the one it connects to. */
  readonly pageHost: string | null;
  /** Whether the page is served over https (then the page connects with wss:// and https://). */
  readonly pageSecure: boolean;
}

/**
 * Where the page's scripts connect to reach the sync server (lib/client/page/sync-url.ts decides the
 * same in the browser): its WebSocket origin and the http(s) origin of its HTTP endpoints.
 */
export function syncConnectSources({ syncUrl, syncPort, pageHost, pageSecure }: SyncLocation): readonly string[] {
  if (syncUrl !== null && syncUrl.trim() !== '') {
    let url: URL;
    try {
      url = new URL(syncUrl.trim());
    } catch {
      return []; // the page cannot connect to it either; nothing to allow
    }
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') return [];
    return originSources(url.hostname, url.port, secure);
  }
  if (pageHost === null) return [];
  let hostname: string;
  try {
    hostname = new URL(`http://${pageHost}`).hostname;
  } catch {
    return [];
  }
  return originSources(hostname, String(syncPort), pageSecure);
}

function originSources(hostname: string, port: string, secure: boolean): readonly string[] {
  const [socket, http] = secure ? ['wss', 'https'] : ['ws', 'http'];
  // A host CSP cannot spell (an IPv6 literal) is allowed by scheme: weaker, but the page works.
  if (!CSP_HOST.test(hostname)) return [`${socket}:`, `${http}:`];
  const hostPort = `${hostname.toLowerCase()}${port === '' ? '' : `:${port}`}`;
  return [`${socket}://${hostPort}`, `${http}://${hostPort}`];
}

export interface PagePolicyInput {
  /** Fresh for every response; Next reads it from the request's policy and puts it on its scripts. */
  readonly nonce: string;
  readonly connectSources: readonly string[];
  /** From parseFrameAncestors: [] is nobody. */
  readonly frameAncestors: readonly string[];
  /** `next dev`: React needs eval there for its error overlays, and styles arrive inline. */
  readonly development: boolean;
}

export function contentSecurityPolicy({ nonce, connectSources, frameAncestors, development }: PagePolicyInput): string {
  const directives: Array<[string, readonly string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", `'nonce-${nonce}'`, ...(development ? ["'unsafe-eval'"] : [])]],
    // <style> elements only with the nonce (TipTap's takes it from the page); style attributes, which
    // ProseMirror's decorations and the presence colours set, cannot carry one.
    ['style-src', ["'self'", development ? "'unsafe-inline'" : `'nonce-${nonce}'`]],
    ['style-src-attr', ["'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['connect-src', ["'self'", ...connectSources]],
    ['form-action', ["'self'"]],
    ['base-uri', ["'none'"]],
    ['object-src', ["'none'"]],
    ['frame-ancestors', frameAncestors.length === 0 ? ["'none'"] : frameAncestors],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/** Every header the proxy sets on a response of the web app. */
export function pageSecurityHeaders(input: PagePolicyInput): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy(input),
    'X-Content-Type-Options': 'nosniff',
    // Share links carry their capability in the fragment, which browsers never send; the path still
    // names the document, and no other site needs to learn it.
    'Referrer-Policy': 'no-referrer',
  };
  // For browsers that predate frame-ancestors. It cannot name other sites, so with a list it is left
  // out rather than refusing what the policy allows (browsers that know frame-ancestors ignore it).
  const framing = frameOptions(input.frameAncestors);
  if (framing !== null) headers['X-Frame-Options'] = framing;
  return headers;
}

function frameOptions(frameAncestors: readonly string[]): string | null {
  if (frameAncestors.length === 0) return 'DENY';
  if (frameAncestors.length === 1 && frameAncestors[0] === "'self'") return 'SAMEORIGIN';
  return null;
}
