/**
 * The document core of a server, wired: one PersistenceQueue writing for every document, and the
 * RoomRegistry that loads documents into rooms over it. The server composes it with the network
 * edge (server.ts); the room tests use the same wiring over in-memory sockets
 * (tests/helpers/room-harness.ts). What differs between a single node and cluster mode arrives as
 * three parts (server.ts chooses them, cluster-mode.ts): the store, the compaction policy and the
 * rooms' replication.
 */
import type { ConnectionLimits, ServerConfig } from './config';
import type { CompactionPolicy } from './document/compaction-policy';
import { PersistenceQueue } from './document/persistence-queue';
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import { RoomRegistry } from './room/room-registry';
import type { RoomReplication } from './room/room-replication';
import type { Scheduler } from './scheduler';
import type { DocumentStore } from './storage/document-store';

export type DocumentCoreConfig = Pick<
  ServerConfig,
  'storageRetryMaxMs' | 'storageBatchWindowMs' | 'documentUnloadGraceMs' | 'maxConcurrentLoads' | 'history' | 'presenceRelayMs' | 'presenceCrowdSize'
> & { readonly limits: Pick<ConnectionLimits, 'maxAwarenessStateBytes' | 'maxPresenceIdsPerConnection'> };

export interface DocumentCoreDeps {
  readonly store: DocumentStore;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly scheduler: Scheduler;
  /** When a document's log becomes a snapshot (document/compaction-policy.ts). */
  readonly compaction: CompactionPolicy;
  /** How loaded rooms are kept in step with copies elsewhere (room/room-replication.ts). */
  readonly replication: RoomReplication;
  /** Writes started failing (false) or succeed again (true): connected editors are told. */
  readonly onStorageHealthChange: (ok: boolean) => void;
}

export interface DocumentCore {
  readonly persistence: PersistenceQueue;
  readonly registry: RoomRegistry;
}

export function createDocumentCore(config: DocumentCoreConfig, deps: DocumentCoreDeps): DocumentCore {
  const { logger, metrics, scheduler } = deps;
  const shared = { logger, metrics, scheduler };
  const persistence = new PersistenceQueue(
    deps.store,
    { retryMaxMs: config.storageRetryMaxMs, batchWindowMs: config.storageBatchWindowMs },
    {
      ...shared,
      compaction: deps.compaction,
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
      presenceCrowdSize: config.presenceCrowdSize,
    },
    { ...shared, replication: deps.replication },
  );
  return { persistence, registry };
}
