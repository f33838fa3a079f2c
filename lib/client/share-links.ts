/**
 * The links a person may hand on, asked of the sync server with their own token
 * (POST /docs/<id>/links): an editor gets the edit and the view link, a viewer only the view link.
 */
import { documentPagePath } from './create-document';

export interface ShareLinks {
  readonly editLink: string | null;
  readonly viewLink: string;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export async function fetchShareLinks(
  httpBase: string,
  pageOrigin: string,
  docId: string,
  token: string,
  fetchImpl: Fetch = fetch,
): Promise<ShareLinks> {
  const response = await fetchImpl(`${httpBase}/docs/${encodeURIComponent(docId)}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (response.status === 401 || response.status === 403) throw new Error('This link does not allow sharing.');
  if (!response.ok) throw new Error(`The server answered ${response.status}.`);
  const body = (await response.json()) as { editToken?: unknown; viewToken?: unknown };
  if (typeof body.viewToken !== 'string') throw new Error('The server sent no view link.');
  const link = (role: string) => `${pageOrigin}${documentPagePath(docId, role)}`;
  return {
    editLink: typeof body.editToken === 'string' ? link(body.editToken) : null,
    viewLink: link(body.viewToken),
  };
}
