/**
 * Tandem's Yjs provider, as the editor uses it: a FallbackTransport (keeps a link to the sync
 * server up, over a WebSocket or the HTTP fallback) under a SyncSession (speaks the protocol over
 * it), folded into one snapshot for React (`subscribe` / `getSnapshot` suit useSyncExternalStore).
 *
 * Liveness and durability are separate questions with separate answers: the transport pings, and
 * the server answers at once even when its disk is full; the session asks for saves, and the server
 * answers when the edits are stored. A server that cannot save is therefore shown as connected with
 * a storage warning, not as offline.
 */
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { BackoffOptions } from '../transport/backoff';
import { systemClock, type Clock } from '../page/clock';
import type { LivenessOptions } from '../transport/liveness';
import { browserEnvironment, type PageEnvironment } from '../page/page-environment';
import type { SaveStatus } from './save-state';
import { FallbackTransport, type Carrier, type FallbackMemory } from '../transport/fallback-transport';
import { HttpTransport, type FetchFunction } from '../transport/http-transport';
import { SyncSession, type StorageStatus } from './sync-session';
import { linkEndingOf, type LinkEnding } from '../../protocol/close-reasons';
import { documentSocketUrl, httpBaseFromSocketBase } from '../page/sync-url';
import { WebSocketTransport, type WebSocketConstructor } from '../transport/websocket-transport';

/** `ended`: the link was revoked or has expired; nothing will reconnect, so it is not "offline". */
export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'ended';
export type { StorageStatus } from './sync-session';

export type ProviderProblem =
  | { readonly kind: 'forbidden'; readonly code: number }
  /** The link worked and then stopped for good: its owner revoked it, or it expired. */
  | { readonly kind: 'link-ended'; readonly ending: LinkEnding }
  | { readonly kind: 'read-only'; readonly reason: string };

export interface ProviderSnapshot {
  readonly connection: ConnectionStatus;
  readonly save: SaveStatus;
  /** Whether the server can store edits right now; only meaningful while connected. */
  readonly storage: StorageStatus;
  /** Cluster mode: whether the server reaches the other servers; only meaningful while connected. */
  readonly sharing: StorageStatus;
  /** The server's copy has been merged in at least once during this page's life. */
  readonly synced: boolean;
  /** How many people a crowded document holds (the session's `crowd`); 0: not a crowd, count the presences. */
  readonly crowd: number;
  readonly browserOnline: boolean;
  /** Connection attempts that failed since the last good connection. */
  readonly failedAttempts: number;
  /** What carries the link: a WebSocket, or the HTTP fallback where the network blocks sockets. */
  readonly carrier: Carrier;
  readonly problem: ProviderProblem | null;
}

export interface SyncProviderOptions {
  readonly baseUrl: string;
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly params?: Readonly<Record<string, string>>;
  readonly backoff?: BackoffOptions;
  readonly heartbeat?: LivenessOptions;
  /** Delay after which local changes are followed by a save request; batches fast typing. */
  readonly saveDelayMs?: number;
  /** A socket still opening after this long is abandoned and retried. */
  readonly connectTimeoutMs?: number;
  // The rest defaults to the browser's own; tests inject them.
  readonly clock?: Clock;
  readonly WebSocket?: WebSocketConstructor;
  readonly fetch?: FetchFunction;
  readonly environment?: PageEnvironment;
  readonly random?: () => number;
  readonly fallbackMemory?: FallbackMemory;
  /** A first socket not open after this long: the HTTP fallback starts. */
  readonly socketOpenWithinMs?: number;
}

export class SyncProvider {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  private readonly transport: FallbackTransport;
  private readonly session: SyncSession;
  private readonly listeners = new Set<() => void>();
  /** Until the first loss the page says "connecting"; after it, "offline" until accepted again. */
  private lostOnce = false;
  private failedAttempts = 0;
  /** The link is moving to another carrier: still "connected" while the new one handshakes. */
  private switching = false;
  private destroyed = false;
  private snapshot: ProviderSnapshot;

  constructor(options: SyncProviderOptions) {
    const clock = options.clock ?? systemClock;
    const environment = options.environment ?? browserEnvironment();
    this.doc = options.doc;
    const shared = {
      clock,
      environment,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
    };
    this.transport = new FallbackTransport({
      clock,
      createSocket: () =>
        new WebSocketTransport({
          ...shared,
          url: documentSocketUrl(options.baseUrl, options.docName, options.params),
          ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
          ...(options.heartbeat ? { liveness: options.heartbeat } : {}),
          ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        }),
      createHttp: () =>
        new HttpTransport({
          ...shared,
          baseUrl: httpBaseFromSocketBase(options.baseUrl),
          docName: options.docName,
          ...(options.params ? { params: options.params } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      ...(options.fallbackMemory ? { memory: options.fallbackMemory } : {}),
      ...(options.socketOpenWithinMs !== undefined ? { socketOpenWithinMs: options.socketOpenWithinMs } : {}),
    });
    this.session = new SyncSession({
      doc: this.doc,
      transport: this.transport,
      clock,
      pageEvents: environment.events,
      ...(options.saveDelayMs !== undefined ? { saveDelayMs: options.saveDelayMs } : {}),
    });
    this.awareness = this.session.awareness;
    this.snapshot = this.compose();
    this.transport.listen({
      onLinkLost: (loss) => {
        // Moving between the socket and the fallback is no failure: the new link opens at once.
        this.switching = loss.cause === 'transport-switch';
        if (!this.switching) {
          this.lostOnce = true;
          this.failedAttempts++;
        }
        this.refresh();
      },
      onStateChange: (state) => {
        if (state.kind === 'offline' || state.kind === 'refused') this.lostOnce = true;
        this.refresh();
      },
    });
    this.session.subscribe(() => {
      // A link that synced is a good connection: the count of failures starts over.
      if (this.session.view.phase === 'synced') this.failedAttempts = 0;
      if (this.session.view.phase === 'accepted' || this.session.view.phase === 'synced') this.switching = false;
      this.refresh();
    });
    this.transport.open();
  }

  getSnapshot = (): ProviderSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // The session says goodbye over the link before the transport closes it.
    this.session.destroy();
    this.transport.close();
    this.listeners.clear();
  }

  private compose(): ProviderSnapshot {
    const view = this.session.view;
    const state = this.transport.state;
    const accepted = view.phase === 'accepted' || view.phase === 'synced';
    const ending = state.kind === 'refused' ? linkEndingOf(state.code, state.reason) : null;
    let problem: ProviderProblem | null = null;
    if (ending !== null) problem = { kind: 'link-ended', ending };
    else if (state.kind === 'refused') problem = { kind: 'forbidden', code: state.code };
    else if (view.readOnlyReason !== null) problem = { kind: 'read-only', reason: view.readOnlyReason };
    return {
      connection:
        ending !== null
          ? 'ended'
          : accepted || (this.switching && state.kind === 'open')
            ? 'connected'
            : this.lostOnce || state.kind === 'offline'
              ? 'offline'
              : 'connecting',
      save: view.save,
      storage: view.storage,
      sharing: view.sharing,
      synced: view.everSynced,
      crowd: view.crowd,
      browserOnline: state.kind !== 'offline',
      failedAttempts: this.failedAttempts,
      carrier: this.transport.carrier,
      problem,
    };
  }

  private refresh(): void {
    if (this.destroyed) return;
    const next = this.compose();
    if (sameSnapshot(next, this.snapshot)) return;
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }
}

function sameSnapshot(a: ProviderSnapshot, b: ProviderSnapshot): boolean {
  return (
    a.connection === b.connection &&
    a.save === b.save &&
    a.storage === b.storage &&
    a.sharing === b.sharing &&
    a.synced === b.synced &&
    a.crowd === b.crowd &&
    a.browserOnline === b.browserOnline &&
    a.failedAttempts === b.failedAttempts &&
    a.carrier === b.carrier &&
    sameProblem(a.problem, b.problem)
  );
}

function sameProblem(a: ProviderProblem | null, b: ProviderProblem | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'forbidden') return b.kind === 'forbidden' && a.code === b.code;
  if (a.kind === 'link-ended') return b.kind === 'link-ended' && a.ending === b.ending;
  return b.kind === 'read-only' && a.reason === b.reason;
}
