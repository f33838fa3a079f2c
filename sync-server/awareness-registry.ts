/**
 * The presence states of one room, with who introduced each. Mirrors the clock rules of y-protocols'
 * Awareness (a newer clock wins; a removal at the same clock wins) but keeps states as the JSON text
 * that was received, because the server only relays them.
 *
 * Ownership: the first connection to introduce a client id owns it; other connections cannot change
 * or remove it while the owner is connected. When the owner goes, its states are removed (clock + 1)
 * and the id becomes free to be claimed again, e.g. by the same browser reconnecting.
 */
import { REMOVED_STATE, type AwarenessEntry } from '../lib/protocol/awareness';

interface Presence<Owner> {
  clock: number;
  state: string;
  owner: Owner | null;
}

export interface AwarenessApplyResult {
  /** Entries that changed the registry: to be relayed to every other connection. */
  readonly accepted: AwarenessEntry[];
  /**
   * Current entries for ids the sender sent a stale clock for while nobody owns them. Sent back to
   * the sender only: a stock client seeing itself marked removed bumps its clock and re-announces.
   */
  readonly correction: AwarenessEntry[];
  /** Entries refused because another connection owns the id. */
  readonly rejected: number;
}

export class AwarenessRegistry<Owner> {
  private readonly presences = new Map<number, Presence<Owner>>();

  /** True when the client id belongs to another connection: `apply` would refuse its entries. */
  isOwnedByAnother(owner: Owner, clientId: number): boolean {
    const current = this.presences.get(clientId);
    return current !== undefined && current.owner !== null && current.owner !== owner;
  }

  apply(owner: Owner, entries: readonly AwarenessEntry[]): AwarenessApplyResult {
    const accepted: AwarenessEntry[] = [];
    const correction: AwarenessEntry[] = [];
    let rejected = 0;
    for (const entry of entries) {
      const current = this.presences.get(entry.clientId);
      if (current !== undefined && current.owner !== null && current.owner !== owner) {
        rejected++;
        continue;
      }
      const removal = entry.state === REMOVED_STATE;
      const newer =
        current === undefined ||
        current.clock < entry.clock ||
        (current.clock === entry.clock && removal && current.state !== REMOVED_STATE);
      if (newer) {
        this.presences.set(entry.clientId, {
          clock: entry.clock,
          state: entry.state,
          owner: removal ? null : owner,
        });
        accepted.push(entry);
      } else if (current.owner === null) {
        correction.push({ clientId: entry.clientId, clock: current.clock, state: current.state });
      }
    }
    return { accepted, correction, rejected };
  }

  /** Removes every state the owner introduced; returns the removals to broadcast. */
  removeOwner(owner: Owner): AwarenessEntry[] {
    const removals: AwarenessEntry[] = [];
    for (const [clientId, presence] of this.presences) {
      if (presence.owner !== owner) continue;
      presence.clock++;
      presence.state = REMOVED_STATE;
      presence.owner = null;
      removals.push({ clientId, clock: presence.clock, state: REMOVED_STATE });
    }
    return removals;
  }

  /** Every live state, as sent to a client that joins. */
  liveEntries(): AwarenessEntry[] {
    const entries: AwarenessEntry[] = [];
    for (const [clientId, presence] of this.presences) {
      if (presence.state !== REMOVED_STATE) entries.push({ clientId, clock: presence.clock, state: presence.state });
    }
    return entries;
  }

  get liveCount(): number {
    let count = 0;
    for (const presence of this.presences.values()) if (presence.state !== REMOVED_STATE) count++;
    return count;
  }
}
