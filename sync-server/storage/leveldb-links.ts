/**
 * The LevelDB store's share links (leveldb-store.ts): one key per link, `share-link/<name>/<id>`
 * (leveldb-keys.ts), its record as JSON. Creating checks that the id is free and revoking reads the
 * record before writing it back; both run one at a time, so no two of them interleave between their
 * read and their write. One process holds a LevelDB directory, so that is every writer there is.
 */
import type { ClassicLevel } from 'classic-level';
import { StorageError } from './document-store';
import { shareLinkPrefix, prefixRange } from './leveldb-keys';
import { checkedShareLink, duplicateShareLink, isShareLinkId, newestFirst, type ShareLinkRecord } from './share-link-store';

type Database = ClassicLevel<string, Uint8Array>;

function encodeLink(record: ShareLinkRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

function decodeLink(docName: string, key: string, bytes: Uint8Array): ShareLinkRecord {
  try {
    return checkedShareLink(docName, JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as ShareLinkRecord);
  } catch (cause) {
    throw new StorageError(`Malformed share link under ${JSON.stringify(key)}`, { cause });
  }
}

function linkKey(docName: string, linkId: string): string {
  return `${shareLinkPrefix(docName)}${linkId}`;
}

export class LevelDbShareLinks {
  /** The last create or revoke; the next waits for it (see the module comment). */
  private lastWrite: Promise<unknown> = Promise.resolve();

  /** `database` gives the store's database as it is now: a failed write makes the store open it anew. */
  constructor(
    private readonly database: () => Database,
    private readonly writeOptions: { readonly sync: boolean },
  ) {}

  create(docName: string, record: ShareLinkRecord): Promise<void> {
    const checked = checkedShareLink(docName, record);
    return this.oneAtATime(async () => {
      const key = linkKey(docName, checked.id);
      const db = this.database();
      if ((await db.get(key)) !== undefined) throw duplicateShareLink(docName, checked.id);
      await db.put(key, encodeLink(checked), this.writeOptions);
    });
  }

  async list(docName: string): Promise<ShareLinkRecord[]> {
    const entries = await this.database().iterator(prefixRange(shareLinkPrefix(docName))).all();
    return entries.map(([key, value]) => decodeLink(docName, key, value)).sort(newestFirst);
  }

  async get(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    // An id that is not one could hold '/' and reach into another key.
    if (!isShareLinkId(linkId)) return null;
    const key = linkKey(docName, linkId);
    const bytes = await this.database().get(key);
    return bytes === undefined ? null : decodeLink(docName, key, bytes);
  }

  revoke(docName: string, linkId: string, at: number): Promise<boolean> {
    return this.oneAtATime(async () => {
      const record = await this.get(docName, linkId);
      if (record === null) return false;
      if (record.revokedAt === null) await this.database().put(linkKey(docName, linkId), encodeLink({ ...record, revokedAt: at }), this.writeOptions);
      return true;
    });
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lastWrite.then(work);
    this.lastWrite = result.catch(() => undefined);
    return result;
  }
}
