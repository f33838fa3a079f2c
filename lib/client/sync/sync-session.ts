/**
 * One document's Yjs sync over any Transport: the y-websocket handshake (sync steps 1 and 2, then
 * updates), presence, save requests and their acknowledgements, and what the server says about its
 * storage and about our permission. It knows nothing of sockets, retries or timeouts: a link comes
 * and goes, and the session starts over on each one.
 */
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import {
  decodeMessage,
  encodeAwarenessMessage,
  encodeSaveRequest,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
} from '../../protocol/messages';
import { systemClock, type Clock, type TimerHandle } from '../page/clock';
import { isRestoredFromCache, type PageEvents } from '../page/page-environment';
import type { SaveStatus } from './save-state';
import { SaveTracker } from './save-tracker';
import type { Transport } from '../transport/transport';

/**
 * Where the session stands on the current link. The server's sync step 1 is its acceptance: before
 * it the server may still refuse the link (permission denied, then a 44xx close), and our own step 1
 * waits in its queue until the document is loaded.
 */
export type SessionPhase = 'no-link' | 'handshaking' | 'accepted' | 'synced' | 'ended';

export type StorageStatus = 'ok' | 'degraded';

export interface SessionView {
  readonly phase: SessionPhase;
  /** The server's copy has been merged in at least once during this session's life. */
  readonly everSynced: boolean;
  readonly save: SaveStatus;
  /** Whether the server can write to its storage, as it last told this link. */
  readonly storage: StorageStatus;
  /** Cluster mode: whether the server reaches the other servers, as it last told this link. */
  readonly sharing: StorageStatus;
  /** Set once the server has refused our edits on an accepted link: a view-only link. */
  readonly readOnlyReason: string | null;
  /**
   * How many people a crowded document holds, as the server counts them: a crowd relays only the
   * active people's presence, so the awareness states are some of them. 0: not a crowd.
   */
  readonly crowd: number;
}

export interface SyncSessionOptions {
  readonly doc: Y.Doc;
  readonly transport: Transport;
  readonly clock?: Clock;
  /** Delay after which local changes are followed by a save request; batches fast typing. */
  readonly saveDelayMs?: number;
  /** Where pagehide/pageshow come from; without it presence is only withdrawn on destroy. */
  readonly pageEvents?: PageEvents;
}

export class SyncSession {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly saveDelayMs: number;
  private readonly pageEvents: PageEvents | null;
  private readonly saves = new SaveTracker();
  private readonly listeners = new Set<() => void>();
  private readonly stopListeningToTransport: () => void;
  private phase: SessionPhase = 'no-link';
  /**
   * The server's step 2 came on this link before its step 1: for a document that is still loading
   * the server answers our step 1 from storage first, and greets us once the document is in memory.
   */
  private answeredBeforeGreeting = false;
  private everSynced = false;
  private readOnlyReason: string | null = null;
  /** Cluster mode: the server said it is cut off from the other servers; a new link starts trusting again. */
  private sharingOk = true;
  private crowd = 0;
  private nextRequestId = 1;
  private saveTimer: TimerHandle | null = null;
  private hiddenLocalState: Record<string, unknown> | null = null;
  private currentView: SessionView;

  constructor(options: SyncSessionOptions) {
    this.doc = options.doc;
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.saveDelayMs = options.saveDelayMs ?? 100;
    this.pageEvents = options.pageEvents ?? null;
    this.awareness = new Awareness(this.doc);
    this.currentView = this.computeView();
    this.doc.on('update', this.handleDocUpdate);
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.saves.subscribe(() => this.refresh());
    this.stopListeningToTransport = this.transport.listen({
      onOpen: () => this.handleLinkOpen(),
      onFrame: (frame) => this.handleFrame(frame),
      onLinkLost: () => this.handleLinkLost(),
    });
    this.pageEvents?.addEventListener('pagehide', this.handlePageHide);
    this.pageEvents?.addEventListener('pageshow', this.handlePageShow);
  }

  get view(): SessionView {
    return this.currentView;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Withdraws our presence (while the link is still up, so carets vanish at once) and lets go. */
  destroy(): void {
    if (this.phase === 'ended') return;
    removeAwarenessStates(this.awareness, [this.doc.clientID], 'destroy');
    this.phase = 'ended';
    this.saveTimer?.cancel();
    this.saveTimer = null;
    this.stopListeningToTransport();
    this.pageEvents?.removeEventListener('pagehide', this.handlePageHide);
    this.pageEvents?.removeEventListener('pageshow', this.handlePageShow);
    this.doc.off('update', this.handleDocUpdate);
    this.awareness.off('update', this.handleAwarenessUpdate);
    this.awareness.destroy();
    this.listeners.clear();
  }

  private handleLinkOpen(): void {
    if (this.phase === 'ended') return;
    this.phase = 'handshaking';
    this.answeredBeforeGreeting = false;
    this.transport.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    if (this.awareness.getLocalState() !== null) {
      this.transport.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [this.doc.clientID])));
    }
    this.refresh();
  }

  private handleLinkLost(): void {
    if (this.phase === 'ended') return;
    this.phase = 'no-link';
    this.saveTimer?.cancel();
    this.saveTimer = null;
    this.saves.dispatch({ type: 'disconnected' });
    this.sharingOk = true; // the next server says otherwise if it is cut off too
    this.crowd = 0; // and counts again if it is crowded
    // Nobody can tell us when the others leave while we are away: show nobody rather than ghosts.
    const remote = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    removeAwarenessStates(this.awareness, remote, this);
    // And forget their clocks: the next link announces whoever is there with the clock they have,
    // which y-protocols would ignore if it is not above the one remembered here: the one we last
    // saw, or the one of a removal a server broadcast before it restarted and forgot it.
    for (const id of [...this.awareness.meta.keys()]) if (id !== this.doc.clientID) this.awareness.meta.delete(id);
    this.refresh();
  }

  private handleFrame(frame: Uint8Array): void {
    if (this.phase === 'ended') return;
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      console.warn('tandem: ignoring a malformed frame from the sync server', error);
      return;
    }
    switch (message.type) {
      case 'sync-step-1':
        if (this.phase === 'handshaking') {
          this.phase = this.answeredBeforeGreeting ? 'synced' : 'accepted';
          this.saves.dispatch({ type: 'connected' });
        }
        // Everything the server lacks, including edits made offline and restored from IndexedDB.
        this.transport.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)));
        this.scheduleSaveRequest(0);
        break;
      case 'sync-step-2':
        Y.applyUpdate(this.doc, message.update, this);
        if (this.phase === 'accepted') this.phase = 'synced';
        else if (this.phase === 'handshaking') this.answeredBeforeGreeting = true;
        this.everSynced = true;
        this.transport.markEstablished();
        break;
      case 'sync-update':
        Y.applyUpdate(this.doc, message.update, this);
        return;
      case 'awareness':
        applyAwarenessUpdate(this.awareness, message.update, this);
        return;
      case 'query-awareness':
        this.transport.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
        return;
      case 'permission-denied':
        // Before acceptance it announces a refusal (the close code that follows says which);
        // after it, the server is refusing this connection's edits: a view-only link.
        if (this.isAccepted()) this.readOnlyReason = message.reason;
        break;
      case 'saved':
        this.saves.dispatch({ type: 'saved', requestId: message.requestId });
        return;
      case 'sharing-state':
        this.sharingOk = message.ok;
        break;
      case 'crowd':
        this.crowd = message.present;
        break;
      case 'storage-state':
        this.saves.dispatch({ type: 'storage-state', ok: message.ok });
        // Writes resume: ask afresh rather than count on a request from before the outage.
        if (message.ok && this.isAccepted() && this.saves.hasUnconfirmedChanges) this.sendSaveRequest();
        return;
      case 'save-request':
      case 'ping':
      case 'pong':
        return;
    }
    this.refresh();
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    this.saves.dispatch({ type: 'local-change' });
    if (this.transport.send(encodeSyncUpdate(update))) this.scheduleSaveRequest(this.saveDelayMs);
  };

  private readonly handleAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (this.transport.state.kind !== 'open') return;
    if (origin === this) {
      // The server said our presence was removed (our previous connection left after this one
      // came, or it corrected a stale clock): y-protocols has kept it under a newer clock, which
      // only we can announce. Other clients' changes are never echoed back.
      const own = this.doc.clientID;
      if (this.awareness.getLocalState() !== null && [added, updated, removed].some((ids) => ids.includes(own))) {
        this.transport.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [own])));
      }
      return;
    }
    const changed = [...added, ...updated, ...removed];
    this.transport.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, changed)));
  };

  private scheduleSaveRequest(delayMs: number): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = null;
      if (this.saves.needsRequest) this.sendSaveRequest();
    }, delayMs);
  }

  private sendSaveRequest(): void {
    const requestId = this.nextRequestId++;
    if (this.transport.send(encodeSaveRequest(requestId))) this.saves.dispatch({ type: 'request-sent', requestId });
  }

  // Leaving the page says goodbye at once instead of after the server's ping timeout; a page
  // restored from the back-forward cache comes back with the same presence.
  private readonly handlePageHide = (): void => {
    this.hiddenLocalState = this.awareness.getLocalState();
    removeAwarenessStates(this.awareness, [this.doc.clientID], 'window unload');
  };

  private readonly handlePageShow = (event: Event): void => {
    if (!isRestoredFromCache(event) || this.hiddenLocalState === null || this.phase === 'ended') return;
    this.awareness.setLocalState(this.hiddenLocalState);
    this.hiddenLocalState = null;
  };

  private isAccepted(): boolean {
    return this.phase === 'accepted' || this.phase === 'synced';
  }

  private computeView(): SessionView {
    return {
      phase: this.phase,
      everSynced: this.everSynced,
      save: this.saves.status,
      storage: this.saves.storageOk ? 'ok' : 'degraded',
      sharing: this.sharingOk ? 'ok' : 'degraded',
      readOnlyReason: this.readOnlyReason,
      crowd: this.crowd,
    };
  }

  private refresh(): void {
    const next = this.computeView();
    const previous = this.currentView;
    if ((Object.keys(next) as (keyof SessionView)[]).every((key) => next[key] === previous[key])) return;
    this.currentView = next;
    for (const listener of [...this.listeners]) listener();
  }
}
