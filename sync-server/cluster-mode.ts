/**
 * Cluster mode as the rest of the server sees it: one object, made by cluster/cluster-node.ts when
 * REDIS_URL is set (main.ts) and null otherwise. The document core (document-core.ts) takes its
 * replication, its store and its compaction policy instead of the single node's; the server reports its
 * health and tells editors when the node is cut off from the others. Nothing else of the server
 * names cluster code.
 */
import type { CompactionPolicy } from './document/compaction-policy';
import type { RoomReplication } from './room/room-replication';
import type { Scheduler } from './scheduler';
import type { DocumentStore } from './storage/document-store';

/** The node's link to the others, as /healthz and the metrics report it. */
export interface ClusterHealth {
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
  /** Times another node's digest showed this node lacked content. */
  readonly digestMismatches: number;
  /** State vectors this node sent to catch up (after a gap or a digest mismatch; not on load). */
  readonly catchUps: number;
}

export interface ClusterMode {
  readonly nodeId: string;
  /** Every loaded room shared with the other nodes; versions written under the historian lease. */
  replication(deps: { readonly scheduler: Scheduler }): RoomReplication;
  /** The shared store as this node's documents use it: version writes fenced by the historian lease. */
  readonly store: DocumentStore;
  /** Compaction from what is stored, under each document's compaction lease. */
  compaction(afterUpdates: number): CompactionPolicy;
  health(): ClusterHealth;
  /** `listener` hears when the node loses its link to the others (false) and has it again (true). */
  onConnectedChange(listener: (connected: boolean) => void): void;
  /** Tells the other nodes that a share link of the document was revoked here (after the store has it). */
  announceLinkRevoked(docName: string, linkId: string): void;
  /** `listener` hears of a share link revoked on another node: this node closes its connections of it. */
  onLinkRevoked(listener: (docName: string, linkId: string) => void): void;
  stop(): Promise<void>;
}
