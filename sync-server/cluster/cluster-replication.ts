/**
 * Cluster mode's RoomReplication (room/room-replication.ts): every loaded room is shared with the
 * other nodes through the relay, and its versions are written by whichever node holds the
 * document's historian lease.
 */
import type { HistoryRecorder } from '../history/document-history';
import type { Room } from '../room/room';
import type { RoomReplication } from '../room/room-replication';
import type { Scheduler } from '../scheduler';
import { ReplicatedRoom } from './replicated-room';
import type { StreamRelay } from './stream-relay';

export class ClusterReplication implements RoomReplication {
  constructor(
    private readonly relay: Pick<StreamRelay, 'open' | 'historyLease'>,
    private readonly deps: { readonly scheduler: Scheduler },
  ) {}

  historyRecorder(docName: string): HistoryRecorder {
    const lease = this.relay.historyLease;
    return { acquire: () => lease.acquire(docName), release: () => lease.release(docName) };
  }

  replicate(room: Room): void {
    new ReplicatedRoom(room, this.deps).relayThrough((document) => this.relay.open(room.name, document));
  }
}
