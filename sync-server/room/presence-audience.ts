/**
 * Whose presence a crowded room relays. y-protocols relays every presence to everyone, each client
 * renews its own every 15 s, and a joiner is sent everyone's: a room of N people carries N²/15
 * deliveries a second and N per joiner, 1.7 million a second at 5,000 people, almost all of them
 * renewals of people who are only reading.
 *
 * Up to `crowdSize` live presences nothing changes. Past it, the room relays the presence of the
 * people who are doing something: who edited the document, or changed their state (moved their
 * caret, renamed themselves), within ACTIVE_MS; a joiner is sent only theirs. The others' renewals
 * are kept (they count, and are relayed again if the room shrinks) but go nowhere. For a stock
 * client this looks like any presence that stops renewing: it drops it 30 s after the last renewal
 * it saw. So every active editor's caret is seen, none stays stale for ever (an idle one goes within
 * ACTIVE_MS + 30 s, and comes back with its next change), and a departure is relayed to whoever may
 * hold the state. Tandem's own clients are told the count (crowd-count.ts).
 */
import { REMOVED_STATE, type AwarenessEntry } from '../../lib/protocol/awareness';

/** How long an edit or a change of state keeps someone's presence relayed in a crowd. */
export const ACTIVE_MS = 120_000;

/**
 * Changes this soon after someone appears are their page setting itself up (a name, a first caret
 * where the editor took focus), not activity: a crowd of people opening a link is not relayed.
 */
export const SETTLING_MS = 5_000;

/**
 * How stale the crowd's joiner view may grow: it gains whoever is relayed as they are, and drops
 * whoever went idle only when it is rebuilt from everyone, at most this often. Finding the active
 * among everyone at each join made joining quadratic again.
 */
export const JOINER_VIEW_MS = 1_000;

interface Relayed {
  /** When the client announced itself (first, or again after its removal). */
  readonly announcedAt: number;
  /** When the state last changed (not a renewal, not the first announcement); -Infinity: never. */
  changedAt: number;
  /** Whether any client may hold this state: its removal must then be relayed. */
  shown: boolean;
}

export class PresenceAudience<Owner> {
  private readonly byClient = new Map<number, Relayed>();
  private readonly editedAt = new Map<Owner, number>();
  /** Whether the room was a crowd at the last `uncrowded` check. */
  private wasCrowd = false;
  /** In a crowd: what a joiner is sent, by client id (see JOINER_VIEW_MS); null: to be built. */
  private joinerView: Map<number, AwarenessEntry> | null = null;
  private joinerViewBuiltAt = -Infinity;

  constructor(
    private readonly crowdSize: number,
    private readonly now: () => number,
  ) {}

  isCrowd(livePresences: number): boolean {
    return livePresences > this.crowdSize;
  }

  /**
   * Of the entries a presence change accepted, the ones to relay. `previousState` gives each
   * client's state before the change (undefined: none).
   */
  select(
    accepted: readonly AwarenessEntry[],
    previousState: (clientId: number) => string | undefined,
    owner: Owner | null,
    livePresences: number,
  ): AwarenessEntry[] {
    const crowd = this.isCrowd(livePresences);
    const now = this.now();
    const relayed: AwarenessEntry[] = [];
    for (const entry of accepted) {
      const record = this.byClient.get(entry.clientId);
      if (entry.state === REMOVED_STATE) {
        this.byClient.delete(entry.clientId);
        this.joinerView?.delete(entry.clientId);
        if (!crowd || record === undefined || record.shown) relayed.push(entry);
        continue;
      }
      const previous = previousState(entry.clientId);
      const current = record ?? { announcedAt: now, changedAt: -Infinity, shown: false };
      const changed = previous !== undefined && previous !== REMOVED_STATE && previous !== entry.state;
      if (changed && now - current.announcedAt >= SETTLING_MS) current.changedAt = now;
      if (!crowd || this.isActive(current, owner, now)) {
        current.shown = true;
        relayed.push(entry);
        this.joinerView?.set(entry.clientId, entry);
      }
      if (record === undefined) this.byClient.set(entry.clientId, current);
    }
    return relayed;
  }

  /**
   * `owner` edited the document. Returns its live entries nobody has been sent yet, which are
   * relayed now: an editor who joined a crowd without a word is seen from the first keystroke.
   */
  edited(owner: Owner, ownEntries: () => readonly AwarenessEntry[], livePresences: number): AwarenessEntry[] {
    const now = this.now();
    const before = this.editedAt.get(owner);
    this.editedAt.set(owner, now);
    // Active by an edit already: everything of theirs has been relayed since.
    if (!this.isCrowd(livePresences) || (before !== undefined && now - before < ACTIVE_MS)) return [];
    const unseen: AwarenessEntry[] = [];
    for (const entry of ownEntries()) {
      this.joinerView?.set(entry.clientId, entry);
      const record = this.byClient.get(entry.clientId);
      if (record === undefined || record.shown) continue;
      record.shown = true;
      unseen.push(entry);
    }
    return unseen;
  }

  /**
   * After a change of who is present: when the room just stopped being a crowd, the live entries
   * nobody has been sent, to be relayed now rather than at their next renewal; null otherwise.
   */
  uncrowded(livePresences: number, liveEntries: () => readonly AwarenessEntry[]): AwarenessEntry[] | null {
    const was = this.wasCrowd;
    this.wasCrowd = this.isCrowd(livePresences);
    if (!was || this.wasCrowd) return null;
    return liveEntries().filter((entry) => {
      const record = this.byClient.get(entry.clientId);
      if (record === undefined || record.shown) return false;
      record.shown = true;
      return true;
    });
  }

  /**
   * What a joiner is sent in a crowd: the active people's presence (at most JOINER_VIEW_MS out of
   * date); null when the room is not a crowd and a joiner is sent everyone's.
   */
  joinerEntries(
    livePresences: number,
    liveEntries: (include: (clientId: number, owner: Owner | null) => boolean) => AwarenessEntry[],
  ): readonly AwarenessEntry[] | null {
    if (!this.isCrowd(livePresences)) {
      this.joinerView = null;
      return null;
    }
    const now = this.now();
    if (this.joinerView === null || now - this.joinerViewBuiltAt >= JOINER_VIEW_MS) {
      const active = liveEntries((clientId, owner) => {
        const record = this.byClient.get(clientId);
        return record !== undefined && this.isActive(record, owner, now);
      });
      this.joinerView = new Map(active.map((entry) => [entry.clientId, entry]));
      this.joinerViewBuiltAt = now;
    }
    return [...this.joinerView.values()];
  }

  /** Whether `owner` edited the document within ACTIVE_MS. */
  isEditor(owner: Owner): boolean {
    const edited = this.editedAt.get(owner);
    return edited !== undefined && this.now() - edited < ACTIVE_MS;
  }

  /** The owner is gone (its presences' removals went through `select`). */
  forgetOwner(owner: Owner): void {
    this.editedAt.delete(owner);
  }

  private isActive(record: Relayed, owner: Owner | null, now: number): boolean {
    if (now - record.changedAt < ACTIVE_MS) return true;
    const edited = owner === null ? undefined : this.editedAt.get(owner);
    return edited !== undefined && now - edited < ACTIVE_MS;
  }
}
