/**
 * A new document id: 128 random bits, unguessable, and short enough in base64url (22 characters)
 * to read in a URL. The sync server mints ids with it (POST /docs), and so does a browser that
 * creates a document while the server cannot be reached.
 */
export function newDocumentId(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = random(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
