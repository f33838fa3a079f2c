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
  /**
   * Whether a share link revoked now reaches the other nodes, and theirs this one: Redis reachable
   * and the revocation channel subscribed. While it is false, the periodic check of open
   * connections is what closes revoked links' connections on the other nodes.
   */
  readonly linkRevocationsConnected: boolean;
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
  /**
   * Tells every node, this one included, that a share link of `docName` was revoked, so that each
   * closes the connections opened with it (onLinkRevoked). Called once the link's record says so.
   * A node cut off from Redis at that moment misses it (delivery is at most once) and closes those
   * connections at its periodic check instead. Throws, and tells no one, when `docName` is not a
   * document name or `linkId` not a link id (lib/auth/link-id.ts).
   */
  announceLinkRevoked(docName: string, linkId: string): void;
  /**
   * `listener` hears every link revocation announced on any node: this node's own at the end of the
   * turn it was announced in, with or without Redis; the other nodes' as they arrive, normally well
   * within 2 s. It may hear one twice (an announcement repeated): closing what is closed changes nothing.
   */
  onLinkRevoked(listener: (docName: string, linkId: string) => void): void;
  stop(): Promise<void>;
}
