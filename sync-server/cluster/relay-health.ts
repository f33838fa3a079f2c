import type { ClusterHealth } from '../cluster-mode';

/**
 * What a node's relay reports on /healthz and in its metrics (metrics.ts observeCluster): the
 * cluster's health (cluster-mode.ts) but for the revocation channel, which cluster-node.ts adds.
 */
export type RelayHealth = Omit<ClusterHealth, 'linkRevocationsConnected'>;

/** The counts every document of a node adds to. */
export class RelayCounters {
  entriesSent = 0;
  entriesReceived = 0;
  orphansStored = 0;
  gapsDetected = 0;
  digestMismatches = 0;
  catchUps = 0;
}
