/**
 * One node's persistence without a room: a PersistenceQueue over a store, with a given compaction
 * policy and a manual clock, and documents loaded into Y.Docs whose every update is queued.
 */
import pino from 'pino';
import * as Y from 'yjs';
import type { CompactionPolicy } from '../../sync-server/document/compaction-policy';
import type { DocumentStorage } from '../../sync-server/document/document-storage';
import { PersistenceQueue } from '../../sync-server/document/persistence-queue';
import { ServerMetrics } from '../../sync-server/metrics';
import type { DocumentStore } from '../../sync-server/storage/document-store';
import { ManualScheduler } from './manual-scheduler';

/** A node's persistence over `store`: a queue writing at the end of each turn, with `compaction`. */
export function persistenceOver(store: DocumentStore, compaction: CompactionPolicy, scheduler = new ManualScheduler()) {
  const queue = new PersistenceQueue(
    store,
    { retryMaxMs: 1000, batchWindowMs: 0 },
    { logger: pino({ level: 'silent' }), metrics: new ServerMetrics(), scheduler, compaction },
  );
  return {
    queue,
    scheduler,
    /** Loads `docName` into a Y.Doc whose every update is queued, as a room does. */
    async open(docName: string): Promise<{ doc: Y.Doc; storage: DocumentStorage }> {
      const storage = queue.open(docName);
      const stored = await storage.load();
      const doc = new Y.Doc();
      if (stored.snapshot !== null) Y.applyUpdate(doc, stored.snapshot, 'storage');
      for (const update of stored.log) Y.applyUpdate(doc, update, 'storage');
      storage.attach(doc, stored.log);
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== 'storage') storage.enqueue(update);
      });
      return { doc, storage };
    },
  };
}

export async function storedText(store: DocumentStore, docName: string): Promise<string> {
  const stored = await store.load(docName);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.log) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}

/** Types `text` one character (one update, one write) at a time. */
export async function type(node: { scheduler: ManualScheduler }, doc: Y.Doc, text: string): Promise<void> {
  for (const character of text) {
    doc.getText('t').insert(doc.getText('t').length, character);
    await node.scheduler.settle();
  }
}
