/**
 * The links a person may hand on, asked of the sync server with their own token
 * (POST /docs/<id>/links): an editor gets the edit, comment and view links, a commenter the comment and
 * view links, a viewer only the view link (a server from before comments sends no comment link).
 * Every way this can go wrong ends in an Error whose message a person can act on; a server that
 * does not answer at all ends in one too, after `timeoutMs`, rather than in a wait without end.
 */
import { fetchWithin, FetchWithinError, type Fetch } from '../page/fetch-within';
import { documentPagePath } from './create-document';

export interface ShareLinks {
  readonly editLink: string | null;
  readonly commentLink: string | null;
  readonly viewLink: string;
}

export const SHARE_LINKS_TIMEOUT_MS = 8_000;

export async function fetchShareLinks(
  httpBase: string,
  pageOrigin: string,
  docId: string,
  token: string,
  { fetchImpl = fetch, timeoutMs = SHARE_LINKS_TIMEOUT_MS }: { fetchImpl?: Fetch; timeoutMs?: number } = {},
): Promise<ShareLinks> {
  let body: { editToken?: unknown; commentToken?: unknown; viewToken?: unknown };
  try {
    const url = `${httpBase}/docs/${encodeURIComponent(docId)}/links`;
    const response = await fetchWithin(fetchImpl, url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } }, timeoutMs);
    if (response.status === 401 || response.status === 403) throw new ShareLinksError('This link does not allow sharing.');
    if (!response.ok) throw new ShareLinksError(`The sync server answered ${response.status}.`);
    body = (await response.json()) as typeof body;
  } catch (error) {
    if (error instanceof ShareLinksError) throw error;
    throw new ShareLinksError(error instanceof FetchWithinError ? error.message : 'The sync server cannot be reached right now.');
  }
  if (typeof body.viewToken !== 'string') throw new ShareLinksError('The sync server sent no view link.');
  const link = (role: string) => `${pageOrigin}${documentPagePath(docId, role)}`;
  return {
    editLink: typeof body.editToken === 'string' ? link(body.editToken) : null,
    commentLink: typeof body.commentToken === 'string' ? link(body.commentToken) : null,
    viewLink: link(body.viewToken),
  };
}

export class ShareLinksError extends Error {
  override readonly name = 'ShareLinksError';
}
