/**
 * Creating a document: the sync server mints the id and its share-link tokens (POST /docs), so a
 * new document is reachable when the server requires tokens. When the server cannot be reached the
 * browser makes up the id itself: the document lives in IndexedDB and syncs later, which works
 * with open access (AUTH=off) and otherwise ends in a clear "no access" message, not lost text.
 */
import { fetchWithin, type Fetch } from '../page/fetch-within';
import { newDocumentId } from '../../auth/document-id';

export interface NewDocument {
  readonly id: string;
  /**
   * The token its creator opens it with: the owner link, so that they may manage its links; the
   * edit link from a server older than link records; null when the id was made locally.
   */
  readonly token: string | null;
}

export async function createDocument(httpBase: string, fetchImpl: Fetch = fetch, timeoutMs = 5_000): Promise<NewDocument> {
  try {
    const response = await fetchWithin(fetchImpl, `${httpBase}/docs`, { method: 'POST' }, timeoutMs);
    if (!response.ok) throw new Error(`POST /docs answered ${response.status}`);
    const body: unknown = await response.json();
    const { id, ownerToken, editToken } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) throw new Error('POST /docs returned no id');
    return { id, token: nonEmptyString(ownerToken) ?? nonEmptyString(editToken) };
  } catch {
    return { id: newDocumentId(), token: null };
  }
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The page path of a document; the token rides in the fragment, which browsers never send to servers. */
export function documentPagePath(id: string, token: string | null): string {
  return `/d/${encodeURIComponent(id)}${token ? `#token=${encodeURIComponent(token)}` : ''}`;
}

export function tokenFromFragment(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && token.length > 0 ? token : null;
}
