/**
 * What the sync server's HTTP routes read from a request (http-routes.ts, document-api.ts,
 * http-fallback-routes.ts): its body within a limit, its bearer token, a document id from its path.
 */
import type { IncomingMessage } from 'node:http';
import { documentNameFromUrl } from '../../lib/protocol/document-path';

/**
 * What becomes of a body found larger than the limit while it is read: `destroy` ends the
 * connection at once; `pause` stops reading it, so that a 413 can still be answered.
 */
export type PastLimit = 'destroy' | 'pause';

/**
 * The body, or null when it is larger than `limit`: one that says so in Content-Length is not read
 * at all, one that turns out larger stops being read past the limit (`pastLimit`). Never more than
 * `limit` bytes are held in memory.
 */
export function readRequestBody(request: IncomingMessage, limit: number, pastLimit: PastLimit): Promise<Uint8Array | null> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) {
    request.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        resolve(null);
        if (pastLimit === 'destroy') request.destroy();
        else request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** The token of `Authorization: Bearer <token>`, or null when the header is missing or another kind. */
export function bearerToken(request: IncomingMessage): string | null {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match === null ? null : match[1]!;
}

export const INVALID_DOCUMENT_ID = 'the document id is not a valid URL segment';

/** The answer (404) of a text document's route asked about a document's comments (`<id>/comments`). */
export const NOT_A_TEXT_DOCUMENT = "no such document: a document's comments are not a document of their own here";

/**
 * The document id in one segment of a request's path, or null when it is not one. The same rule as
 * for the socket's path: what a socket cannot open, no route opens either.
 */
export function documentIdFromSegment(segment: string): string | null {
  return documentNameFromUrl(`/${segment}`);
}
