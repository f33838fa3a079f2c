/**
 * When what a room accepted leaves for its connections: document updates at the end of the
 * event-loop turn, presence at the server's presence tick (or at the end of the turn without one),
 * or earlier, right behind the turn's updates. What leaves is gathered by turn-broadcast.ts.
 */
import type { AwarenessEntry } from '../../lib/protocol/awareness';
import type { Scheduler, TimerHandle } from '../scheduler';
import type { PresenceTick } from './presence-tick';
import { TurnBroadcast, type Recipient } from './turn-broadcast';

export class RoomBroadcast {
  private readonly outgoing = new TurnBroadcast();
  private updateFlushScheduled = false;
  private presenceFlush: TimerHandle | null = null;
  private stopped = false;

  constructor(
    /** Read at each flush: whoever is in the room then. */
    private readonly recipients: Iterable<Recipient>,
    private readonly deps: {
      readonly scheduler: Scheduler;
      /** When presence changes leave; null: at the end of the turn, as updates (PRESENCE_RELAY_MS=0). */
      readonly presenceTick: PresenceTick | null;
    },
  ) {}

  /** `origin`: the connection it came from, which does not get it back. */
  addUpdate(update: Uint8Array, origin: unknown): void {
    this.outgoing.addUpdate(update, origin);
    this.scheduleUpdateFlush();
  }

  /** `received`: the awareness update as it came, when it holds exactly `entries` (relayed as it is). */
  addPresence(entries: readonly AwarenessEntry[], received: Uint8Array | null, origin: unknown): void {
    this.outgoing.addPresence(entries, received, origin);
    this.schedulePresenceFlush();
  }

  /** Nothing leaves any more (the room is disposed). */
  stop(): void {
    this.stopped = true;
    this.presenceFlush?.cancel();
  }

  /** The first update of a turn schedules the turn's flush. */
  private scheduleUpdateFlush(): void {
    if (this.updateFlushScheduled) return;
    this.updateFlushScheduled = true;
    this.deps.scheduler.atEndOfTurn(this.flushUpdates);
  }

  private readonly flushUpdates = (): void => {
    this.updateFlushScheduled = false;
    if (this.stopped) return;
    this.outgoing.flushUpdates(this.recipients);
    // Presence waiting for the tick leaves now, behind the edits and in the same socket write: a
    // caret arrives with the text it follows, and the tick has a write fewer to make.
    if (this.presenceFlush !== null) {
      this.presenceFlush.cancel();
      this.flushPresences();
    }
  };

  private schedulePresenceFlush(): void {
    if (this.presenceFlush !== null) return;
    const tick = this.deps.presenceTick;
    if (tick === null) {
      this.presenceFlush = { cancel: () => undefined };
      this.deps.scheduler.atEndOfTurn(this.flushPresences);
    } else {
      // One timer for every room of the server (presence-tick.ts), not one per room.
      this.presenceFlush = { cancel: () => tick.cancel(this.flushPresences) };
      tick.request(this.flushPresences);
    }
  }

  private readonly flushPresences = (): void => {
    this.presenceFlush = null;
    if (this.stopped) return;
    this.outgoing.flushPresences(this.recipients);
  };
}
