/** What a node's relay reports on /healthz and in its metrics (metrics.ts observeCluster). */
export interface RelayHealth {
  readonly connected: boolean;
  readonly lastError: string | null;
  readonly documents: number;
  readonly entriesSent: number;
  readonly entriesReceived: number;
  /** Relayed updates held until their node says it stored them. */
  readonly unconfirmedUpdates: number;
  /** Relayed updates stored here because their node never confirmed them (it died, or cannot store). */
  readonly orphansStored: number;
  /** Times this node found it had missed entries (a sender's numbers jumped, or the stream was trimmed past it). */
  readonly gapsDetected: number;
  /** Times another node's digest showed this node lacks content. */
  readonly digestMismatches: number;
  /** State vectors this node sent to catch up (after a gap or a digest mismatch; not on load). */
  readonly catchUps: number;
}

/** The counts every document of a node adds to. */
export class RelayCounters {
  entriesSent = 0;
  entriesReceived = 0;
  orphansStored = 0;
  gapsDetected = 0;
  digestMismatches = 0;
  catchUps = 0;
}
