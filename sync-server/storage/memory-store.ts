/**
 * DocumentStore kept in process memory, for tests and for running without persistence. Bytes are
 * copied on the way in and out, so neither the caller nor a later reader can change stored data.
 * It is also a SharedDocumentStore, fenced as PostgreSQL is, so that tests can run several nodes'
 * persistence over one store in one process.
 */
import {
  StorageError,
  type DocumentStore,
  type LogEntry,
  type StoredDocument,
  type StoredVersion,
  type VersionChange,
  type VersionInfo,
} from './document-store';
import { EMPTY_UPDATE_LENGTH } from './empty-update';
import {
  checkedShareLink,
  checkRevocationTime,
  duplicateShareLink,
  isShareLinkId,
  newestFirst,
  type ShareLinkRecord,
  type ShareLinkStore,
} from './share-link-store';
import { VersionsFencedOut, type SharedDocumentStore, type StoredCompaction } from './shared-document-store';

interface MemoryDocument {
  snapshot: Uint8Array | null;
  log: Uint8Array[];
}

function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export class MemoryDocumentStore implements SharedDocumentStore, ShareLinkStore {
  readonly kind = 'memory';
  private readonly documents = new Map<string, MemoryDocument>();
  /** Versions per document, by id. */
  private readonly versions = new Map<string, Map<number, StoredVersion>>();
  /** The newest fencing token each document's compactions and version writes carried. */
  private readonly fences = new Map<string, { compaction: number; history: number }>();
  /** Share links per document, by id. Records are immutable objects, so sharing them copies nothing. */
  private readonly links = new Map<string, Map<string, ShareLinkRecord>>();
  private closed = false;

  async load(docName: string): Promise<StoredDocument> {
    this.assertOpen('load', [docName]);
    const document = this.documents.get(docName);
    if (document === undefined) return { snapshot: null, log: [] };
    return {
      snapshot: document.snapshot === null ? null : copyOf(document.snapshot),
      log: document.log.map(copyOf),
    };
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    this.assertOpen('append', entries.map((entry) => entry.docName));
    // Copy everything before touching the map, so the call is all-or-nothing.
    const copies = entries.map(({ docName, update }) => ({ docName, update: copyOf(update) }));
    for (const { docName, update } of copies) this.documentFor(docName).log.push(update);
  }

  async compact(docName: string, snapshot: Uint8Array): Promise<void> {
    this.assertOpen('compact', [docName]);
    this.documents.set(docName, { snapshot: copyOf(snapshot), log: [] });
  }

  async delete(docName: string): Promise<void> {
    this.assertOpen('delete', [docName]);
    this.documents.delete(docName);
    this.versions.delete(docName);
    this.fences.delete(docName);
    this.links.delete(docName);
  }

  async createLink(docName: string, record: ShareLinkRecord): Promise<void> {
    this.assertOpen('createLink', [docName]);
    const checked = Object.freeze(checkedShareLink(docName, record));
    let links = this.links.get(docName);
    if (links?.has(checked.id)) throw duplicateShareLink(docName, checked.id);
    if (links === undefined) {
      links = new Map();
      this.links.set(docName, links);
    }
    links.set(checked.id, checked);
  }

  async listLinks(docName: string): Promise<ShareLinkRecord[]> {
    this.assertOpen('listLinks', [docName]);
    return [...(this.links.get(docName)?.values() ?? [])].sort(newestFirst).map((record) => ({ ...record }));
  }

  async getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    this.assertOpen('getLink', [docName]);
    const record = this.links.get(docName)?.get(linkId);
    return record === undefined ? null : { ...record };
  }

  async revokeLink(docName: string, linkId: string, at: number): Promise<boolean> {
    this.assertOpen('revokeLink', [docName]);
    checkRevocationTime(docName, at);
    if (!isShareLinkId(linkId)) return false;
    const links = this.links.get(docName);
    const record = links?.get(linkId);
    if (links === undefined || record === undefined) return false;
    if (record.revokedAt === null) links.set(linkId, Object.freeze({ ...record, revokedAt: at }));
    return true;
  }

  async listVersions(docName: string): Promise<VersionInfo[]> {
    this.assertOpen('listVersions', [docName]);
    return this.sortedVersions(docName).map(({ id, meta }) => ({ id, meta }));
  }

  async loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    this.assertOpen('loadVersions', [docName]);
    const wanted = new Set(ids);
    return this.sortedVersions(docName)
      .filter((version) => wanted.has(version.id))
      .map((version) => ({ ...version, update: copyOf(version.update) }));
  }

  async writeVersions(docName: string, change: VersionChange): Promise<void> {
    this.assertOpen('writeVersions', [docName]);
    const copies = change.put.map((version) => ({ id: version.id, meta: structuredClone(version.meta), update: copyOf(version.update) }));
    let versions = this.versions.get(docName);
    if (versions === undefined) {
      versions = new Map();
      this.versions.set(docName, versions);
    }
    for (const id of change.remove) versions.delete(id);
    for (const version of copies) versions.set(version.id, version);
  }

  async compactFromStored(docName: string, fence: number, merge: (parts: Uint8Array[]) => Uint8Array): Promise<StoredCompaction> {
    this.assertOpen('compactFromStored', [docName]);
    const fences = this.fencesOf(docName);
    if (fences.compaction >= fence) return 'fenced-out';
    fences.compaction = fence;
    const document = this.documents.get(docName);
    if (document !== undefined && document.log.length === 0) return 'nothing-to-do';
    const parts = document === undefined ? [] : [...(document.snapshot === null ? [] : [document.snapshot]), ...document.log];
    const merged = merge(parts.map(copyOf));
    // As in PostgreSQL: a document nothing was stored for gets a snapshot only when the merge holds content.
    if (document === undefined && merged.byteLength <= EMPTY_UPDATE_LENGTH) return 'nothing-to-do';
    this.documents.set(docName, { snapshot: copyOf(merged), log: [] });
    return 'compacted';
  }

  async writeVersionsFenced(docName: string, change: VersionChange, fence: number): Promise<void> {
    this.assertOpen('writeVersions', [docName]);
    const fences = this.fencesOf(docName);
    if (fences.history > fence) throw new VersionsFencedOut(`versions of ${docName} were written under a newer historian lease`);
    fences.history = fence;
    await this.writeVersions(docName, change);
  }

  async listDocuments(): Promise<string[]> {
    this.assertOpen('listDocuments', []);
    return [...this.documents.keys()].sort();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private sortedVersions(docName: string): StoredVersion[] {
    return [...(this.versions.get(docName)?.values() ?? [])].sort((a, b) => a.id - b.id);
  }

  private fencesOf(docName: string): { compaction: number; history: number } {
    let fences = this.fences.get(docName);
    if (fences === undefined) {
      fences = { compaction: 0, history: 0 };
      this.fences.set(docName, fences);
    }
    return fences;
  }

  private documentFor(docName: string): MemoryDocument {
    const existing = this.documents.get(docName);
    if (existing !== undefined) return existing;
    const created: MemoryDocument = { snapshot: null, log: [] };
    this.documents.set(docName, created);
    return created;
  }

  private assertOpen(operation: string, docNames: readonly string[]): void {
    if (!this.closed) return;
    const subject = docNames.length === 0 ? '' : ` of ${[...new Set(docNames)].map((name) => JSON.stringify(name)).join(', ')}`;
    throw new StorageError(`Memory store ${operation}${subject} failed: the store is closed`);
  }
}
