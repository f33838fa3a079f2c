import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { runDocumentStoreContract } from './document-store.contract';

runDocumentStoreContract('MemoryDocumentStore', async () => {
  const store = new MemoryDocumentStore();
  return { store, cleanup: () => store.close() };
});
