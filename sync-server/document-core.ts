/**
 * The document core of a server, wired: one PersistenceQueue writing for every document, and the
 * RoomRegistry that loads documents into rooms over it. The server composes it with the network
 * edge (server.ts); the room tests use the same wiring over in-memory sockets
 * (tests/helpers/room-harness.ts). On a single node the store is used as it is and a document's log
 * is compacted locally; in cluster mode both come from the cluster (cluster-mode.ts).
 */
import type { ClusterMode } from './cluster-mode';
import type { ConnectionLimits, ServerConfig } from './config';
import { localCompaction } from './document/compaction-policy';
import { PersistenceQueue } from './document/persistence-queue';
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import { RoomRegistry } from './room/room-registry';
import type { Scheduler } from './scheduler';
import type { DocumentStore } from './storage/document-store';

export type DocumentCoreConfig = Pick<
  ServerConfig,
  'compactAfterUpdates' | 'storageRetryMaxMs' | 'storageBatchWindowMs' | 'documentUnloadGraceMs' | 'maxConcurrentLoads' | 'history' | 'presenceRelayMs'
> & { readonly limits: Pick<ConnectionLimits, 'maxAwarenessStateBytes' | 'maxPresenceIdsPerConnection'> };

export interface DocumentCoreDeps {
  readonly store: DocumentStore;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly scheduler: Scheduler;
  readonly cluster: ClusterMode | null;
  /** Writes started failing (false) or succeed again (true): connected editors are told. */
  readonly onStorageHealthChange: (ok: boolean) => void;
}

export interface DocumentCore {
  readonly persistence: PersistenceQueue;
  readonly registry: RoomRegistry;
}

export function createDocumentCore(config: DocumentCoreConfig, deps: DocumentCoreDeps): DocumentCore {
  const { logger, metrics, scheduler, cluster } = deps;
  const shared = { logger, metrics, scheduler };
  const persistence = new PersistenceQueue(
    cluster?.store ?? deps.store,
    { retryMaxMs: config.storageRetryMaxMs, batchWindowMs: config.storageBatchWindowMs },
    {
      ...shared,
      compaction: cluster?.compaction(config.compactAfterUpdates) ?? localCompaction(config.compactAfterUpdates),
      onHealthChange: deps.onStorageHealthChange,
    },
  );
  const registry = new RoomRegistry(
    persistence,
    {
      unloadGraceMs: config.documentUnloadGraceMs,
      maxConcurrentLoads: config.maxConcurrentLoads,
      maxAwarenessStateBytes: config.limits.maxAwarenessStateBytes,
      maxPresenceIdsPerConnection: config.limits.maxPresenceIdsPerConnection,
      history: config.history,
      presenceRelayMs: config.presenceRelayMs,
    },
    { ...shared, relay: cluster?.relay ?? null },
  );
  return { persistence, registry };
}
