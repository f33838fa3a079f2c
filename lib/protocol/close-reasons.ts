/**
 * The close reasons that end a link for good and that a client tells apart, written once so the
 * server that sends them and the browser that reads them agree to the letter. Both come with
 * 4403 (CloseCode.Forbidden), over a socket's close frame or the HTTP fallback's 410 answer.
 */
import { CloseCode } from './close-codes';

export const LINK_REVOKED_REASON = 'this link was revoked';
export const LINK_EXPIRED_REASON = 'this link has expired';

/** Why a share link stopped working: its owner revoked it, or its time ran out. */
export type LinkEnding = 'revoked' | 'expired';

/** The ending a close announces, or null for any other close (a plain 4403 included). */
export function linkEndingOf(code: number | null, reason: string | undefined): LinkEnding | null {
  if (code !== CloseCode.Forbidden) return null;
  if (reason === LINK_REVOKED_REASON) return 'revoked';
  if (reason === LINK_EXPIRED_REASON) return 'expired';
  return null;
}
