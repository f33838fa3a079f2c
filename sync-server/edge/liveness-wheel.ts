/**
 * Finds the peers that vanished without a close (lost network, sleeping laptop) at a cost that stays
 * small and even with tens of thousands of sockets.
 *
 * - Any frame proves a peer is there as well as a pong does, so only a peer silent for a whole
 *   interval is pinged, and one still silent an interval after its ping is dropped: 2 to 3
 *   intervals after its last frame. A quiet peer is pinged every other interval; one renewing its
 *   presence (stock clients do every 15 s), less often.
 * - The peers are spread over slots looked at in turn, one slot per 1/SLOTS of the interval, so a
 *   node of 18,000 sockets pings a few hundred every tick instead of all of them in one turn (which
 *   held up every edit behind ~0.4 s of writes, and brought all the pongs back at once).
 * - The verdict on a slot waits until the I/O that is ready when it is looked at has been read:
 *   after a stall (a long GC, a starved CPU) an overdue tick runs before the event loop reads the
 *   pongs that arrived meanwhile, and judging then would drop every healthy peer of the slot.
 */
import type { Scheduler, TimerHandle } from '../scheduler';

/** What the wheel keeps about a peer: fields of the peer itself, so a peer costs no object of its own here. */
export interface WatchedPeer {
  /** A frame or a pong arrived since its slot was last looked at. */
  heard: boolean;
  /** The last look at its slot pinged it. */
  pinged: boolean;
  /** Which slot it is in (set by add). */
  slot: number;
}

export interface LivenessActions<Peer> {
  ping(peer: Peer): void;
  /** Silent for an interval after its ping: gone. */
  drop(peer: Peer): void;
}

export const LIVENESS_SLOTS = 16;

export class LivenessWheel<Peer extends WatchedPeer> {
  private readonly slots: Array<Set<Peer>> = Array.from({ length: LIVENESS_SLOTS }, () => new Set<Peer>());
  private nextSlot = 0;
  private added = 0;
  private readonly timer: TimerHandle;

  constructor(
    intervalMs: number,
    private readonly scheduler: Scheduler,
    private readonly actions: LivenessActions<Peer>,
  ) {
    this.timer = scheduler.setInterval(this.tick, Math.max(1, Math.round(intervalMs / LIVENESS_SLOTS)));
  }

  /** Starts watching a peer that just connected (it counts as heard). */
  add(peer: Peer): void {
    peer.heard = true;
    peer.pinged = false;
    peer.slot = this.added++ % LIVENESS_SLOTS;
    this.slots[peer.slot]!.add(peer);
  }

  remove(peer: Peer): void {
    this.slots[peer.slot]?.delete(peer);
  }

  has(peer: Peer): boolean {
    return this.slots[peer.slot]?.has(peer) ?? false;
  }

  /** Every peer watched now, as an array (the caller may remove peers while it goes through them). */
  peers(): Peer[] {
    return this.slots.flatMap((slot) => [...slot]);
  }

  get size(): number {
    let size = 0;
    for (const slot of this.slots) size += slot.size;
    return size;
  }

  stop(): void {
    this.timer.cancel();
  }

  private readonly tick = (): void => {
    const slot = this.slots[this.nextSlot]!;
    this.nextSlot = (this.nextSlot + 1) % LIVENESS_SLOTS;
    let suspects: Peer[] | null = null;
    for (const peer of slot) {
      if (peer.heard) {
        peer.heard = false;
        peer.pinged = false;
      } else if (!peer.pinged) {
        peer.pinged = true;
        this.actions.ping(peer);
      } else {
        (suspects ??= []).push(peer);
      }
    }
    if (suspects === null) return;
    const judged = suspects;
    this.scheduler.atEndOfTurn(() => {
      for (const peer of judged) {
        if (peer.heard || !slot.delete(peer)) continue;
        this.actions.drop(peer);
      }
    });
  };
}
