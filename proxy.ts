/**
 * Runs before every request of the web app: a fresh nonce and the security headers
 * (lib/web/security-headers.ts). The policy also goes on the request, where Next reads the nonce and
 * puts it on the scripts it renders; the pages are rendered per request, so each gets its own.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { parseSyncPort } from '@/lib/client/page/sync-url';
import { FrameAncestorsError, pageSecurityHeaders, parseFrameAncestors, syncConnectSources } from '@/lib/web/security-headers';

let frameAncestors: readonly string[] | null = null;

/** FRAME_ANCESTORS, read once: a value that is not valid refuses every framing site and says why. */
function configuredFrameAncestors(): readonly string[] {
  if (frameAncestors === null) {
    try {
      frameAncestors = parseFrameAncestors(process.env.FRAME_ANCESTORS);
    } catch (error) {
      if (!(error instanceof FrameAncestorsError)) throw error;
      console.error(`${error.message}; no site may frame the pages until it is fixed`);
      frameAncestors = [];
    }
  }
  return frameAncestors;
}

function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64');
}

export function proxy(request: NextRequest): NextResponse {
  const nonce = newNonce();
  // The https front of `npm start` (or any TLS proxy) says so; what a client writes here changes only
  // the policy of its own response.
  const forwardedProto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const headers = pageSecurityHeaders({
    nonce,
    connectSources: syncConnectSources({
      syncUrl: process.env.SYNC_URL?.trim() || null,
      syncPort: parseSyncPort(process.env.SYNC_PORT),
      pageHost: request.headers.get('host'),
      pageSecure: forwardedProto === 'https' || request.nextUrl.protocol === 'https:',
    }),
    frameAncestors: configuredFrameAncestors(),
    development: process.env.NODE_ENV === 'development',
  });
  const forwarded = new Headers(request.headers);
  forwarded.set('Content-Security-Policy', headers['Content-Security-Policy']!);
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
