/**
 * Every Redis key cluster mode uses: one per document and purpose,
 *
 *   tandem:{<encodeURIComponent(name)>}:stream          the document's relay stream (stream-relay.ts; entries: stream-entry.ts)
 *   tandem:{<encodeURIComponent(name)>}:compactor       who compacts it, and its fencing counter
 *   tandem:{<encodeURIComponent(name)>}:fence             (document-lease.ts)
 *   tandem:{<encodeURIComponent(name)>}:historian       who writes its versions, and theirs
 *   tandem:{<encodeURIComponent(name)>}:history-fence
 *
 * The braces make the name a Redis Cluster hash tag: everything of one document is on one shard,
 * which a lease needs (its script touches two keys at once).
 *
 * And one pub/sub channel for every document,
 *
 *   tandem:link-revocations                             share links revoked (link-revocations.ts;
 *                                                        messages: link-revocation-message.ts)
 *
 * A channel is no key: it holds nothing, and a PUBLISH reaches every subscriber on every shard of
 * a Redis Cluster, so it needs no hash tag.
 */
export type DocumentKeyPurpose = 'stream' | 'compactor' | 'fence' | 'historian' | 'history-fence';

export function documentKey(docName: string, purpose: DocumentKeyPurpose): string {
  return `tandem:{${encodeURIComponent(docName)}}:${purpose}`;
}

export const LINK_REVOCATIONS_CHANNEL = 'tandem:link-revocations';
