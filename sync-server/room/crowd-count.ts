/**
 * Tells Tandem's clients how many people a crowded room holds. A crowd relays only the active
 * people's presence (presence-audience.ts), so a client cannot count the others itself. About once
 * a second, each connection that speaks the extension and was told another number (or none) gets
 * the count; 0 once the room is not crowded any more. Stock clients are never sent it.
 */
import { encodeCrowd } from '../../lib/protocol/messages';
import type { Scheduler, TimerHandle } from '../scheduler';
import type { RoomConnection } from './participants';

export const CROWD_COUNT_MS = 1_000;

export class CrowdCount {
  private readonly told = new WeakMap<RoomConnection, number>();
  private timer: TimerHandle | null = null;
  /** Whether some connection holds a count other than 0. */
  private anyTold = false;

  constructor(
    private readonly connections: Iterable<RoomConnection>,
    private readonly room: { readonly crowded: boolean; readonly liveCount: number },
    private readonly scheduler: Scheduler,
  ) {}

  /** Presence or the connections changed: the count is told within CROWD_COUNT_MS. */
  changed(): void {
    if (this.timer !== null || (!this.room.crowded && !this.anyTold)) return;
    this.timer = this.scheduler.setTimeout(this.tell, CROWD_COUNT_MS);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private readonly tell = (): void => {
    this.timer = null;
    const present = this.room.crowded ? this.room.liveCount : 0;
    let message: Uint8Array | null = null;
    for (const connection of this.connections) {
      // One that has not spoken the extension yet may still: it is told at a later round.
      if (!connection.speaksExtension || (this.told.get(connection) ?? 0) === present) continue;
      message ??= encodeCrowd(present);
      connection.send(message);
      this.told.set(connection, present);
    }
    this.anyTold = present !== 0;
    // A crowd keeps counting: people come and go, and joiners start speaking the extension.
    if (present !== 0) this.changed();
  };
}
