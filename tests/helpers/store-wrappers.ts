/**
 * Wrappers around a real store that let a test hold a load back or make writes fail, to reach the
 * states (a slow cold load, a full or broken disk) that a healthy store never shows on demand.
 */
import type {
  DocumentStore,
  LogEntry,
  StoredDocument,
  StoredVersion,
  VersionChange,
  VersionInfo,
} from '../../sync-server/storage/document-store';
import { StorageError } from '../../sync-server/storage/document-store';

export class ControllableStore implements DocumentStore {
  loadCalls = 0;
  appendCalls = 0;
  compactCalls = 0;
  /** While set, loads wait for it. */
  loadGate: Promise<void> | null = null;
  /** While true, append and compact fail with a StorageError. */
  failWrites = false;

  constructor(readonly inner: DocumentStore) {}

  get kind(): DocumentStore['kind'] {
    return this.inner.kind;
  }

  async load(docName: string): Promise<StoredDocument> {
    this.loadCalls++;
    if (this.loadGate !== null) await this.loadGate;
    return this.inner.load(docName);
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    this.appendCalls++;
    if (this.failWrites) throw new StorageError('disk full (simulated)');
    return this.inner.append(entries);
  }

  async compact(docName: string, snapshot: Uint8Array): Promise<void> {
    this.compactCalls++;
    if (this.failWrites) throw new StorageError('disk full (simulated)');
    return this.inner.compact(docName, snapshot);
  }

  listVersions(docName: string): Promise<VersionInfo[]> {
    return this.inner.listVersions(docName);
  }

  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.inner.loadVersions(docName, ids);
  }

  async writeVersions(docName: string, change: VersionChange): Promise<void> {
    if (this.failWrites) throw new StorageError('disk full (simulated)');
    return this.inner.writeVersions(docName, change);
  }

  delete(docName: string): Promise<void> {
    return this.inner.delete(docName);
  }

  listDocuments(): Promise<string[]> {
    return this.inner.listDocuments();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
