/**
 * How a server keeps copies of its documents elsewhere: the registry's one hook for it. A single
 * server keeps none (SINGLE_SERVER); cluster mode (cluster/cluster-replication.ts) shares every
 * loaded room with the other nodes. The room layer names no type of whatever implements it.
 */
import type { HistoryRecorder } from '../history/document-history';
import type { Room } from './room';

export interface RoomReplication {
  /** Who may write this document's versions now; null: this server writes them without asking. */
  historyRecorder(docName: string): HistoryRecorder | null;
  /** A room was loaded: from now on it is kept in step with its copies (room.observe). */
  replicate(room: Room): void;
}

export const SINGLE_SERVER: RoomReplication = {
  historyRecorder: () => null,
  replicate: () => undefined,
};
