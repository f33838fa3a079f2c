/**
 * The store as a cluster node's documents use it: everything goes to the shared store as it is,
 * except version writes, which carry the token of the historian lease this node holds for the
 * document (document-lease.ts). Version history takes and releases that lease around each write
 * (history/document-history.ts, HistoryRecorder); the store refuses a token older than the last one
 * written, so a node that stalled past its lease writes nothing. Share links go to the shared
 * store as they are: every node reads the same records.
 */
import type { DocumentStore, LogEntry, StoredDocument, StoredVersion, VersionChange, VersionInfo } from '../storage/document-store';
import type { ShareLinkRecord, ShareLinkStore } from '../storage/share-link-store';
import { VersionsFencedOut, type SharedDocumentStore } from '../storage/shared-document-store';

/** Which historian token this node holds for a document (DocumentLease.heldToken). */
export interface HistorianTokens {
  heldToken(docName: string): number | null;
}

export class FencedVersionsStore implements DocumentStore, ShareLinkStore {
  readonly kind: DocumentStore['kind'];

  constructor(
    private readonly store: SharedDocumentStore & ShareLinkStore,
    private readonly historian: HistorianTokens,
  ) {
    this.kind = store.kind;
  }

  writeVersions(docName: string, change: VersionChange): Promise<void> {
    const fence = this.historian.heldToken(docName);
    // Only the holder of the lease writes versions; a write without it would go unfenced.
    if (fence === null) return Promise.reject(new VersionsFencedOut(`this node does not hold the historian lease of ${docName}`));
    return this.store.writeVersionsFenced(docName, change, fence);
  }

  load(docName: string): Promise<StoredDocument> {
    return this.store.load(docName);
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    return this.store.append(entries);
  }

  compact(docName: string, snapshot: Uint8Array): Promise<void> {
    return this.store.compact(docName, snapshot);
  }

  listVersions(docName: string): Promise<VersionInfo[]> {
    return this.store.listVersions(docName);
  }

  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.store.loadVersions(docName, ids);
  }

  delete(docName: string): Promise<void> {
    return this.store.delete(docName);
  }

  listDocuments(): Promise<string[]> {
    return this.store.listDocuments();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  createLink(docName: string, record: ShareLinkRecord): Promise<void> {
    return this.store.createLink(docName, record);
  }

  listLinks(docName: string): Promise<ShareLinkRecord[]> {
    return this.store.listLinks(docName);
  }

  getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    return this.store.getLink(docName, linkId);
  }

  revokeLink(docName: string, linkId: string, at: number): Promise<boolean> {
    return this.store.revokeLink(docName, linkId, at);
  }
}
