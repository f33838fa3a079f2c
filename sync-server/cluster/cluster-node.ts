/**
 * Cluster mode's entry point (main.ts imports it only when REDIS_URL is set, so a single server
 * never loads this folder or ioredis): starts the relay to the other nodes and the channel of
 * share-link revocations, and hands the server what it composes in cluster mode (cluster-mode.ts).
 */
import type { ClusterMode } from '../cluster-mode';
import type { Logger } from '../logger';
import type { DocumentStore } from '../storage/document-store';
import { isShareLinkStore } from '../storage/share-link-store';
import { isSharedDocumentStore } from '../storage/shared-document-store';
import { ClusterReplication } from './cluster-replication';
import { FencedVersionsStore } from './fenced-versions';
import { leasedCompaction } from './leased-compaction';
import { LinkRevocations } from './link-revocations';
import { StreamRelay } from './stream-relay';

export async function startClusterNode(redisUrl: string, store: DocumentStore, logger: Logger): Promise<ClusterMode> {
  if (!isSharedDocumentStore(store) || !isShareLinkStore(store)) {
    throw new Error(`cluster mode needs a store every node shares (PostgreSQL), not ${store.kind}`);
  }
  const relay = new StreamRelay(redisUrl, { logger });
  const revocations = new LinkRevocations(redisUrl, { nodeId: relay.nodeId, logger });
  await Promise.all([relay.start(), revocations.start()]);
  logger.info({ node: relay.nodeId }, 'cluster mode: documents are shared with the other nodes through Redis');
  return {
    nodeId: relay.nodeId,
    replication: (deps) => new ClusterReplication(relay, deps),
    store: new FencedVersionsStore(store, relay.historyLease),
    compaction: (afterUpdates) => leasedCompaction(store, relay.compactionLease, afterUpdates, logger),
    health: () => ({ ...relay.health(), linkRevocationsConnected: revocations.connected }),
    onConnectedChange: (listener) => {
      relay.onConnectedChange = listener;
    },
    announceLinkRevoked: (docName, linkId) => revocations.announce(docName, linkId),
    onLinkRevoked: (listener) => revocations.onRevoked(listener),
    stop: async () => {
      await Promise.all([relay.stop(), revocations.stop()]);
    },
  };
}
