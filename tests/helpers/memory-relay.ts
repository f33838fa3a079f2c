/**
 * Cluster mode's relay without Redis: the replicas of one document on several in-process "nodes"
 * (room harnesses) hand each other what their rooms accept, at once and in order, as the stream
 * relay does through a document's stream. What it keeps is what a test asks about: how far each
 * node said it stored, and a hold on `settled` (updates relayed and not yet confirmed).
 */
import { ReplicatedRoom } from '../../sync-server/cluster/replicated-room';
import type { DocumentChannel, RelayedDocument } from '../../sync-server/cluster/relayed-document';
import type { Room } from '../../sync-server/room/room';
import type { RoomReplication } from '../../sync-server/room/room-replication';
import type { Scheduler } from '../../sync-server/scheduler';

interface Member {
  readonly node: string;
  readonly document: RelayedDocument;
}

export class MemoryRelay {
  private readonly members = new Map<string, Member[]>();
  /** Per node and document: the highest sequence number it said it stored. */
  readonly stored = new Map<string, number>();
  /** While set, every `settled` waits for it (as for a relayed update not yet confirmed). */
  private settledHold: Promise<void> | null = null;

  /** Node `node`'s replication: every room it loads is shared here; its replicas by document name. */
  node(node: string, scheduler: Scheduler): RoomReplication & { readonly replicas: Map<string, ReplicatedRoom> } {
    const replicas = new Map<string, ReplicatedRoom>();
    return {
      replicas,
      historyRecorder: () => null,
      replicate: (room: Room) => {
        const replica = new ReplicatedRoom(room, { scheduler });
        replicas.set(room.name, replica);
        replica.relayThrough((document) => this.open(node, room.name, document));
      },
    };
  }

  /** Makes every `settled` wait until the returned function is called. */
  holdSettled(): () => void {
    let release!: () => void;
    this.settledHold = new Promise((resolve) => (release = resolve));
    return () => {
      this.settledHold = null;
      release();
    };
  }

  private open(node: string, docName: string, document: RelayedDocument): DocumentChannel {
    const member = { node, document };
    const members = this.members.get(docName) ?? [];
    members.push(member);
    this.members.set(docName, members);
    const others = () => (this.members.get(docName) ?? []).filter((other) => other !== member);
    return {
      publishUpdate: (update, author) => {
        for (const other of others()) other.document.applyRemoteUpdate(update, author);
      },
      publishPresence: (update) => {
        for (const other of others()) other.document.applyRemotePresence(node, update);
      },
      confirmStored: (seq) => {
        const key = `${node}/${docName}`;
        this.stored.set(key, Math.max(this.stored.get(key) ?? 0, seq));
      },
      keepUnconfirmed: () => undefined,
      settled: () => this.settledHold ?? Promise.resolve(),
      close: () => {
        this.members.set(docName, others());
      },
    };
  }
}
