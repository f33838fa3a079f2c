/**
 * A room's presence (awareness): what its connections announce, checked against who owns which
 * client id (awareness-registry.ts) and relayed to the others; what outside owners announce for
 * clients connected elsewhere; and the removals when either goes. In a crowded room only the active
 * people's presence is relayed (presence-audience.ts).
 */
import { decodeAwarenessUpdate, encodeAwarenessUpdate, REMOVED_STATE, type AwarenessEntry } from '../../lib/protocol/awareness';
import { encodeAwarenessMessage } from '../../lib/protocol/messages';
import type { Logger } from '../logger';
import { AwarenessRegistry } from './awareness-registry';
import type { Scheduler } from '../scheduler';
import { CrowdPacer } from './crowd-pacer';
import { PresenceAudience } from './presence-audience';
import type { OutsidePresenceOwner, PresenceOwner, RoomConnection } from './participants';
import type { RoomBroadcast } from './room-broadcast';

export interface RoomPresenceOptions {
  readonly maxAwarenessStateBytes: number;
  /** Presence client ids one connection may introduce over its life. */
  readonly maxPresenceIdsPerConnection: number;
  /** Past this many live presences the room relays only the active people's (presence-audience.ts). */
  readonly presenceCrowdSize: number;
}

export class RoomPresence {
  private readonly awareness: AwarenessRegistry<PresenceOwner>;
  private readonly audience: PresenceAudience<PresenceOwner>;
  private readonly pacer: CrowdPacer;

  constructor(
    private readonly docName: string,
    private readonly options: RoomPresenceOptions,
    private readonly deps: {
      readonly logger: Logger;
      readonly scheduler: Scheduler;
      /** How many connections a relay goes to. */
      readonly recipients: () => number;
      readonly broadcast: RoomBroadcast;
      /** A connection's presence is about to go: who it is, is remembered first (version history). */
      readonly leaving: (connection: RoomConnection) => void;
      /** The room's own connections changed presence (accepted entries, as one awareness update). */
      readonly changed: (update: Uint8Array) => void;
    },
  ) {
    this.awareness = new AwarenessRegistry(options.maxPresenceIdsPerConnection);
    this.audience = new PresenceAudience(options.presenceCrowdSize, () => deps.scheduler.now());
    this.pacer = new CrowdPacer(deps.recipients, deps.scheduler, (entries, origin) => deps.broadcast.addPresence(entries, null, origin));
  }

  /** The room is disposed: nothing waits to be relayed any more. */
  stop(): void {
    this.pacer.stop();
  }

  /** What a joiner is sent: the presences it would see relayed, as one awareness message; null: none. */
  liveMessage(): Uint8Array | null {
    const presences = this.joinerEntries();
    return presences.length === 0 ? null : encodeAwarenessMessage(encodeAwarenessUpdate(presences));
  }

  /** The same, however many (the answer to a query). */
  queryAnswer(): Uint8Array {
    return encodeAwarenessMessage(encodeAwarenessUpdate(this.joinerEntries()));
  }

  /** How many people are present, here or elsewhere. */
  get liveCount(): number {
    return this.awareness.liveCount;
  }

  /** Whether the room relays only the active people's presence. */
  get crowded(): boolean {
    return this.audience.isCrowd(this.awareness.liveCount);
  }

  /** Whether anyone, here or elsewhere, is present. */
  get anyoneLive(): boolean {
    return this.awareness.liveCount > 0;
  }

  /** The connection edited the document: in a crowd, its presence is relayed from now on. */
  edited(connection: RoomConnection): void {
    const unseen = this.audience.edited(connection, () => this.awareness.entriesOwnedBy(connection), this.awareness.liveCount);
    if (unseen.length > 0) this.deps.broadcast.addPresence(unseen, null, connection);
  }

  /** The live states (JSON text) a connection introduced. */
  statesOf(connection: RoomConnection): string[] {
    return this.awareness.statesOwnedBy(connection);
  }

  /** Applies a connection's awareness update. Throws ProtocolError past its cap on ids. */
  applyFrom(connection: RoomConnection, update: Uint8Array): void {
    // Entries of ids another owner holds are refused anyway; their states are not even parsed.
    let skipped = 0;
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes, (clientId, clock) => {
      const owned = this.awareness.isOwnedByAnother(connection, clientId);
      if (owned) {
        skipped++;
        this.awareness.noteRefused(clientId, clock);
      }
      return owned;
    });
    // Clients withdraw their presence before they close: who they are is kept for the history first.
    if (entries.some((entry) => entry.state === REMOVED_STATE)) this.deps.leaving(connection);
    const previous = this.statesBefore(entries);
    const { accepted, correction, rejected } = this.awareness.apply(connection, entries);
    if (rejected + skipped > 0 && this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug(
        { doc: this.docName, connection: connection.id, rejected: rejected + skipped },
        'ignored awareness entries owned by another connection',
      );
    }
    if (accepted.length > 0) {
      const relayed = this.audience.select(accepted, (id) => previous.get(id), connection, this.awareness.liveCount);
      // The client's own bytes are relayed when all of it was accepted: no re-encoding then.
      const whole = skipped === 0 && accepted.length === entries.length;
      this.send(relayed, whole && relayed.length === accepted.length ? update : null, connection, previous);
      // Copies elsewhere get every change, renewals too: they count and expire presences themselves.
      this.deps.changed(whole ? update : encodeAwarenessUpdate(accepted));
      this.relayUnseenIfUncrowded();
    }
    if (correction.length > 0) {
      connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(correction)));
    }
  }

  /** The connection left: its presence goes, and everyone is told. */
  removeConnection(connection: RoomConnection): void {
    this.deps.leaving(connection);
    const removals = this.awareness.removeOwner(connection);
    this.audience.forgetOwner(connection);
    if (removals.length === 0) return;
    this.relay(removals, new Map(), null);
    this.deps.changed(encodeAwarenessUpdate(removals));
    this.relayUnseenIfUncrowded();
  }

  /**
   * Applies presence an outside owner speaks for; returns what changed. It speaks for all its
   * clients: the per-connection cap on ids does not apply to it.
   */
  applyOutside(owner: OutsidePresenceOwner, update: Uint8Array): readonly AwarenessEntry[] {
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes);
    const previous = this.statesBefore(entries);
    const { accepted } = this.awareness.apply(owner, entries, { capped: false });
    if (accepted.length > 0) this.relay(accepted, previous, owner);
    this.relayUnseenIfUncrowded();
    return accepted;
  }

  /** Removes the presence of these clients that `owner` still speaks for. */
  expireOutside(owner: OutsidePresenceOwner, clientIds: Iterable<number>): void {
    const removals = this.awareness.expire(owner, clientIds);
    if (removals.length > 0) this.relay(removals, new Map(), null);
    this.relayUnseenIfUncrowded();
  }

  /** A room that just stopped being a crowd shows everyone at once, not at their next renewal. */
  private relayUnseenIfUncrowded(): void {
    const unseen = this.audience.uncrowded(this.awareness.liveCount, () => this.awareness.liveEntries());
    if (unseen === null) return;
    this.pacer.releaseAll();
    if (unseen.length > 0) this.deps.broadcast.addPresence(unseen, null, null);
  }

  /** Relays what the audience lets through of `accepted`, re-encoded. */
  private relay(accepted: readonly AwarenessEntry[], previous: ReadonlyMap<number, string | undefined>, owner: PresenceOwner | null): void {
    const relayed = this.audience.select(accepted, (id) => previous.get(id), owner, this.awareness.liveCount);
    // A departure is relayed to everyone: nobody sent it.
    this.send(relayed, null, owner?.kind === 'outside' ? owner : null, previous);
  }

  /**
   * Hands what is relayed to the broadcast: renewals (a state sent again unchanged) to wait for the
   * renewal tick; in a crowd, departures and editors' presence at once, everyone else's within the
   * crowd's budget (crowd-pacer.ts).
   */
  private send(
    relayed: readonly AwarenessEntry[],
    received: Uint8Array | null,
    origin: PresenceOwner | null,
    previous: ReadonlyMap<number, string | undefined>,
  ): void {
    if (relayed.length === 0) return;
    const crowd = this.crowded;
    const editor = crowd && origin !== null && this.audience.isEditor(origin);
    const changes: AwarenessEntry[] = [];
    const renewals: AwarenessEntry[] = [];
    const later: AwarenessEntry[] = [];
    for (const entry of relayed) {
      const removal = entry.state === REMOVED_STATE;
      if (crowd && !editor && !removal) {
        later.push(entry);
        continue;
      }
      if (crowd) this.pacer.forget(entry.clientId);
      if (!removal && previous.get(entry.clientId) === entry.state) renewals.push(entry);
      else changes.push(entry);
    }
    // The received bytes are relayed as they are when they hold exactly what leaves together.
    const whole = (part: AwarenessEntry[]) => (part.length === relayed.length ? received : null);
    if (changes.length > 0) this.deps.broadcast.addPresence(changes, whole(changes), origin);
    if (renewals.length > 0) this.deps.broadcast.addRenewal(renewals, whole(renewals), origin);
    if (later.length > 0) this.pacer.offer(later, origin);
  }

  /** Each client's state before `entries` apply (the first entry of an id decides). */
  private statesBefore(entries: readonly AwarenessEntry[]): Map<number, string | undefined> {
    const before = new Map<number, string | undefined>();
    for (const { clientId } of entries) if (!before.has(clientId)) before.set(clientId, this.awareness.stateOf(clientId));
    return before;
  }

  private joinerEntries(): readonly AwarenessEntry[] {
    const inCrowd = this.audience.joinerEntries(this.awareness.liveCount, (include) => this.awareness.liveEntries(include));
    return inCrowd ?? this.awareness.liveEntries();
  }
}
