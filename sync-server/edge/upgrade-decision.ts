/**
 * Who may connect to which document, decided from the upgrade's URL before a socket exists (the
 * WebSocket upgrade and the HTTP fallback's first request alike), and how a refusal is told.
 */
import { CloseCode } from '../../lib/protocol/close-codes';
import { documentNameFromUrl } from '../../lib/protocol/document-path';
import { encodePermissionDenied } from '../../lib/protocol/messages';
import type { AccessDecision, AccessPolicy } from '../auth/access-policy';
import { ignoredSocketEvents, type Socket, type SocketEvents } from '../connection/socket';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { UpgradeDecision } from './transport';

/** What an accepted upgrade carries to its connection. */
export interface ConnectionContext {
  readonly docName: string;
  readonly access: AccessDecision;
}

/**
 * A URL without a valid document name is refused outright (400); any other is upgraded and carries
 * its access decision. The decision may wait on a link record's lookup; the upgrade is completed
 * only once it is made (the client sends nothing before the 101, so nothing is held meanwhile).
 */
export async function decideUpgrade(url: string, access: AccessPolicy): Promise<UpgradeDecision<ConnectionContext>> {
  const docName = documentNameFromUrl(url);
  if (docName === null) return { accept: false, status: 400, message: 'document name missing or invalid' };
  const token = new URLSearchParams(url.slice(url.indexOf('?') + 1 || url.length)).get('token');
  return { accept: true, context: { docName, access: await access.decide(docName, token) } };
}

/**
 * A refused connection is still upgraded, only to be told why: browsers hide the HTTP status of a
 * failed upgrade, so a 401 would look like a network error and the editor would retry forever.
 * The socket gets the y-protocols "permission denied" message, then a 44xx close, and not a
 * single byte of the document.
 */
export function refuseConnection(
  socket: Socket,
  docName: string,
  access: Extract<AccessDecision, { granted: false }>,
  deps: { readonly logger: Logger; readonly metrics: ServerMetrics },
): SocketEvents {
  deps.logger.info({ doc: docName, code: access.closeCode, reason: access.reason }, 'connection refused');
  deps.metrics.closes.inc({ reason: access.closeCode === CloseCode.Unauthorized ? 'unauthorized' : 'forbidden' });
  socket.send(encodePermissionDenied(access.reason));
  socket.close(access.closeCode, access.reason);
  return ignoredSocketEvents;
}
