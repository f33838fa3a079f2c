/**
 * A document's name travels as the URL path of the WebSocket (y-websocket's convention:
 * `ws://host/<name>`), percent-encoded; the query string carries other parameters.
 */
export const MAX_DOCUMENT_NAME_LENGTH = 512;

/** The document name of a request URL such as `/notes%2Fweek?token=…`, or null when it has none. */
export function documentNameFromUrl(url: string): string | null {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (!path.startsWith('/')) return null;
  let name: string;
  try {
    name = decodeURIComponent(path.slice(1));
  } catch {
    return null;
  }
  return isDocumentName(name) ? name : null;
}

/**
 * Whether a name is one a document can have: what documentNameFromUrl accepts, for a name that
 * arrives some other way (from another node, say).
 */
export function isDocumentName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DOCUMENT_NAME_LENGTH) return false;
  // Control characters are no part of a name a person or a link makes, and U+0000 is one that
  // PostgreSQL text cannot hold: refused at the door rather than failing every storage batch later.
  if (/[\u0000-\u001f\u007f]/.test(name)) return false;
  // Half a surrogate pair: no URL decodes to one (decodeURIComponent refuses it).
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name);
}

/** The URL path for a document name; the inverse of documentNameFromUrl. */
export function documentUrlPath(name: string): string {
  return `/${encodeURIComponent(name)}`;
}
