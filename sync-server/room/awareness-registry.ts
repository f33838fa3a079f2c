/**
 * The presence states of one room, with who introduced each. Mirrors the clock rules of y-protocols'
 * Awareness (a newer clock wins; a removal at the same clock wins) but keeps states as the JSON text
 * that was received, because the server only relays them.
 *
 * Ownership: the first connection to introduce a client id owns it; other connections cannot change
 * or remove it while the owner is connected. When the owner goes, its states are removed (clock + 1)
 * and the id becomes free to be claimed again, e.g. by the same browser reconnecting. If that browser
 * already tried on its new connection, the removal goes above the clock it used: y-protocols ignores
 * a removal of itself at or below its own clock, and it would never announce itself again.
 *
 * A connection may claim at most `maxIdsPerOwner` ids over its life: a browser tab has one, and
 * without a bound one frame could register tens of thousands, each kept until the room unloads.
 */
import { REMOVED_STATE, type AwarenessEntry } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import { ProtocolError } from '../../lib/protocol/protocol-error';

interface Presence<Owner> {
  clock: number;
  state: string;
  owner: Owner | null;
  /** The highest clock another connection sent for this id while the owner held it (0: none). */
  refusedClock?: number;
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
  /** The ids each connected owner has claimed so far. */
  private readonly claims = new Map<Owner, Set<number>>();
  /** How many presences are live (not removed): kept as they change, read on every relay. */
  private live = 0;

  constructor(private readonly maxIdsPerOwner: number) {}

  /** True when the client id belongs to another connection: `apply` would refuse its entries. */
  isOwnedByAnother(owner: Owner, clientId: number): boolean {
    const current = this.presences.get(clientId);
    return current !== undefined && current.owner !== null && current.owner !== owner;
  }

  /** Another connection sent `clock` for an owned id (refused); the owner's removal goes above it. */
  noteRefused(clientId: number, clock: number): void {
    const current = this.presences.get(clientId);
    if (current !== undefined) current.refusedClock = Math.max(current.refusedClock ?? 0, clock);
  }

  /**
   * Applies a connection's entries. Throws ProtocolError (1008), changing nothing, when the ones it
   * would accept take the connection past its number of ids.
   */
  apply(owner: Owner, entries: readonly AwarenessEntry[], { capped = true }: { capped?: boolean } = {}): AwarenessApplyResult {
    const accepted: AwarenessEntry[] = [];
    const correction: AwarenessEntry[] = [];
    let rejected = 0;
    // What this update has decided so far: an id may appear twice in one update.
    const decided = new Map<number, Presence<Owner>>();
    for (const entry of entries) {
      const current = decided.get(entry.clientId) ?? this.presences.get(entry.clientId);
      if (current !== undefined && current.owner !== null && current.owner !== owner) {
        rejected++;
        this.noteRefused(entry.clientId, entry.clock);
        continue;
      }
      const removal = entry.state === REMOVED_STATE;
      const newer =
        current === undefined ||
        current.clock < entry.clock ||
        (current.clock === entry.clock && removal && current.state !== REMOVED_STATE);
      if (newer) {
        accepted.push(entry);
        decided.set(entry.clientId, { clock: entry.clock, state: entry.state, owner: removal ? null : owner });
      } else if (current.owner === null) correction.push({ clientId: entry.clientId, clock: current.clock, state: current.state });
    }
    if (capped) this.assertWithinClaims(owner, accepted);
    for (const entry of accepted) {
      const removal = entry.state === REMOVED_STATE;
      const before = this.presences.get(entry.clientId);
      this.live += Number(!removal) - Number(before !== undefined && before.state !== REMOVED_STATE);
      // The clock a newer connection tried is kept while the owner changes its state.
      const refusedClock = before?.refusedClock;
      this.presences.set(entry.clientId, {
        clock: entry.clock,
        state: entry.state,
        owner: removal ? null : owner,
        ...(refusedClock === undefined ? {} : { refusedClock }),
      });
      if (!removal) this.claimsOf(owner).add(entry.clientId);
    }
    return { accepted, correction, rejected };
  }

  /** Removes every state the owner introduced; returns the removals to broadcast. */
  removeOwner(owner: Owner): AwarenessEntry[] {
    // Its claims, not every presence of the room: 5,000 people leaving would be 25 million steps.
    const claimed = this.claims.get(owner);
    this.claims.delete(owner);
    const removals: AwarenessEntry[] = [];
    for (const clientId of claimed ?? []) {
      const presence = this.presences.get(clientId);
      if (presence === undefined || presence.owner !== owner) continue;
      removals.push(this.remove(clientId, presence));
    }
    return removals;
  }

  /** Removes the owner's states of these client ids (those it still holds); returns the removals. */
  expire(owner: Owner, clientIds: Iterable<number>): AwarenessEntry[] {
    const removals: AwarenessEntry[] = [];
    for (const clientId of clientIds) {
      const presence = this.presences.get(clientId);
      if (presence === undefined || presence.owner !== owner || presence.state === REMOVED_STATE) continue;
      removals.push(this.remove(clientId, presence));
    }
    return removals;
  }

  private remove(clientId: number, presence: Presence<Owner>): AwarenessEntry {
    if (presence.state !== REMOVED_STATE) this.live--;
    presence.clock = Math.max(presence.clock, presence.refusedClock ?? 0) + 1;
    presence.state = REMOVED_STATE;
    presence.owner = null;
    delete presence.refusedClock;
    return { clientId, clock: presence.clock, state: REMOVED_STATE };
  }

  /** The live states the owner introduced, as JSON text. */
  statesOwnedBy(owner: Owner): string[] {
    return this.entriesOwnedBy(owner).map((entry) => entry.state);
  }

  /** The live entries the owner introduced. */
  entriesOwnedBy(owner: Owner): AwarenessEntry[] {
    const entries: AwarenessEntry[] = [];
    for (const clientId of this.claims.get(owner) ?? []) {
      const presence = this.presences.get(clientId);
      if (presence !== undefined && presence.owner === owner && presence.state !== REMOVED_STATE) {
        entries.push({ clientId, clock: presence.clock, state: presence.state });
      }
    }
    return entries;
  }

  /** How many presences are live. */
  get liveCount(): number {
    return this.live;
  }

  /** The state held for a client id (REMOVED_STATE once removed), or undefined: never seen. */
  stateOf(clientId: number): string | undefined {
    return this.presences.get(clientId)?.state;
  }

  /** Every live state (those `include` keeps), as sent to a client that joins. */
  liveEntries(include?: (clientId: number, owner: Owner | null) => boolean): AwarenessEntry[] {
    const entries: AwarenessEntry[] = [];
    for (const [clientId, presence] of this.presences) {
      if (presence.state === REMOVED_STATE || (include !== undefined && !include(clientId, presence.owner))) continue;
      entries.push({ clientId, clock: presence.clock, state: presence.state });
    }
    return entries;
  }

  private assertWithinClaims(owner: Owner, accepted: readonly AwarenessEntry[]): void {
    const claimed = this.claims.get(owner);
    let total = claimed?.size ?? 0;
    const counted = new Set<number>();
    for (const { clientId, state } of accepted) {
      if (state === REMOVED_STATE || claimed?.has(clientId) || counted.has(clientId)) continue;
      counted.add(clientId);
      if (++total > this.maxIdsPerOwner) {
        throw new ProtocolError(
          CloseCode.PolicyViolation,
          `too many presence client ids on one connection (at most ${this.maxIdsPerOwner})`,
        );
      }
    }
  }

  private claimsOf(owner: Owner): Set<number> {
    let claimed = this.claims.get(owner);
    if (claimed === undefined) {
      claimed = new Set();
      this.claims.set(owner, claimed);
    }
    return claimed;
  }
}
