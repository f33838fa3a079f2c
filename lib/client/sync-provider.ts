/**
 * Tandem's Yjs provider: one WebSocket to the sync server per document, speaking the y-websocket
 * protocol through lib/protocol, plus the save acknowledgement extension.
 *
 * Why not y-websocket's provider: it notices a dead socket only after 30 s, retries without jitter,
 * ignores the browser's offline event and cannot tell when the server has stored an edit.
 *
 * Liveness: browsers cannot see WebSocket pings, so when the socket has been quiet for a while the
 * provider sends a save request as a probe; the server always answers it, and silence past the
 * deadline means the socket is dead even if the browser still reports it open.
 */
import * as Y from 'yjs';
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import { CloseCode, permanentCloseCodes } from '../protocol/close-codes';
import {
  decodeMessage,
  encodeAwarenessMessage,
  encodeSaveRequest,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
} from '../protocol/messages';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff';
import { SaveTracker } from './save-tracker';
import type { SaveStatus } from './save-state';
import { documentSocketUrl } from './sync-url';

export type ConnectionStatus = 'connecting' | 'connected' | 'offline';

export type ProviderProblem =
  | { readonly kind: 'forbidden'; readonly code: number }
  | { readonly kind: 'read-only'; readonly reason: string };

export interface ProviderSnapshot {
  readonly connection: ConnectionStatus;
  readonly save: SaveStatus;
  /** The server's copy has been merged in at least once during this page's life. */
  readonly synced: boolean;
  readonly browserOnline: boolean;
  /** Connection attempts that failed since the last good connection. */
  readonly failedAttempts: number;
  readonly problem: ProviderProblem | null;
}

export interface HeartbeatOptions {
  /** Quiet time after which a probe is sent. */
  readonly idleMs: number;
  /** How long a probe may go unanswered before the socket counts as dead. */
  readonly timeoutMs: number;
}

export interface SyncProviderOptions {
  readonly baseUrl: string;
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly params?: Readonly<Record<string, string>>;
  readonly backoff?: BackoffOptions;
  readonly heartbeat?: HeartbeatOptions;
  /** Delay after which local changes are followed by a save request; batches fast typing. */
  readonly saveDelayMs?: number;
  /**
   * A socket still connecting, or open without a first message from the server, after this long is
   * abandoned and retried. The server says nothing until the document is loaded, which can take a
   * while for a large one, so the short heartbeat deadline only applies after the first message.
   */
  readonly connectTimeoutMs?: number;
}

// Worst case from the last message to `offline`: idle + tick + timeout + tick = 2.7 s, inside the
// 3 s promise, while leaving a loaded server 1.5 s to answer a probe.
const defaultHeartbeat: HeartbeatOptions = { idleMs: 800, timeoutMs: 1_500 };
const HEARTBEAT_TICK_MS = 200;
// After a graceful restart (1012) every client retries; a short jittered window keeps that from
// arriving as one burst while still feeling immediate.
const RESTART_RETRY_WINDOW_MS = 300;

export class SyncProvider {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  private readonly url: string;
  private readonly backoff: BackoffOptions;
  private readonly heartbeat: HeartbeatOptions;
  private readonly saveDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly saves = new SaveTracker();
  private readonly listeners = new Set<() => void>();

  private socket: WebSocket | null = null;
  private socketOpenedAt = 0;
  private heardFromServer = false;
  private hiddenLocalState: Record<string, unknown> | null = null;
  private lastReceivedAt = 0;
  private probeSentAt: number | null = null;
  private nextRequestId = 1;
  private attempt = 0;
  private everConnected = false;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private snapshot: ProviderSnapshot;

  constructor(options: SyncProviderOptions) {
    this.doc = options.doc;
    this.url = documentSocketUrl(options.baseUrl, options.docName, options.params);
    this.backoff = options.backoff ?? defaultBackoff;
    this.heartbeat = options.heartbeat ?? defaultHeartbeat;
    this.saveDelayMs = options.saveDelayMs ?? 100;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.awareness = new Awareness(this.doc);
    this.snapshot = {
      connection: 'connecting',
      save: this.saves.status,
      synced: false,
      browserOnline: isBrowserOnline(),
      failedAttempts: 0,
      problem: null,
    };
    this.doc.on('update', this.handleDocUpdate);
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.saves.subscribe((save) => this.update({ save }));
    window.addEventListener('online', this.handleOnline);
    window.addEventListener('offline', this.handleOffline);
    window.addEventListener('pagehide', this.handlePageHide);
    window.addEventListener('pageshow', this.handlePageShow);
    this.heartbeatTimer = setInterval(this.checkHeartbeat, HEARTBEAT_TICK_MS);
    if (isBrowserOnline()) this.connect();
    else this.update({ connection: 'offline' });
  }

  getSnapshot = (): ProviderSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  destroy(): void {
    if (this.stopped && this.socket === null && this.heartbeatTimer === null) return;
    // Tell the others we left before the socket goes, so our caret disappears at once.
    removeAwarenessStates(this.awareness, [this.doc.clientID], 'destroy');
    this.stopped = true;
    this.clearTimers();
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.dropSocket(CloseCode.Normal, 'client closed');
    window.removeEventListener('online', this.handleOnline);
    window.removeEventListener('offline', this.handleOffline);
    window.removeEventListener('pagehide', this.handlePageHide);
    window.removeEventListener('pageshow', this.handlePageShow);
    this.doc.off('update', this.handleDocUpdate);
    this.awareness.off('update', this.handleAwarenessUpdate);
    this.awareness.destroy();
    this.listeners.clear();
  }

  private connect(): void {
    if (this.stopped || this.socket !== null) return;
    this.clearReconnectTimer();
    if (!this.everConnected && this.snapshot.connection !== 'offline') this.update({ connection: 'connecting' });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      // A malformed URL never becomes valid by waiting, but retrying keeps the page honest (offline).
      this.handleClose(CloseCode.InternalError);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.socketOpenedAt = Date.now();
    this.heardFromServer = false;
    socket.onopen = () => {
      // Not `connected` yet: the server may still refuse the link (permission denied, then 4401).
      // Its sync step 1 is the acceptance; our step 1 waits in its queue until the document loads.
      this.lastReceivedAt = Date.now();
      this.probeSentAt = null;
      this.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
      if (this.awareness.getLocalState() !== null) {
        this.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [this.doc.clientID])));
      }
    };
    socket.onmessage = (event: MessageEvent) => {
      this.heardFromServer = true;
      this.lastReceivedAt = Date.now();
      this.probeSentAt = null;
      if (event.data instanceof ArrayBuffer) this.handleFrame(new Uint8Array(event.data));
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket === socket) this.handleClose(event.code);
    };
    // An error is always followed by close; handling it there keeps one path.
    socket.onerror = null;
  }

  private handleFrame(frame: Uint8Array): void {
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      console.warn('tandem: ignoring a malformed frame from the sync server', error);
      return;
    }
    switch (message.type) {
      case 'sync-step-1':
        if (this.snapshot.connection !== 'connected') {
          this.everConnected = true;
          this.saves.dispatch({ type: 'connected' });
          this.update({ connection: 'connected', problem: this.readOnlyProblem() });
        }
        // Everything the server lacks, including edits made offline and restored from IndexedDB.
        this.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)));
        this.scheduleSaveRequest(0);
        return;
      case 'sync-step-2':
        Y.applyUpdate(this.doc, message.update, this);
        this.attempt = 0;
        this.update({ synced: true, failedAttempts: 0 });
        return;
      case 'sync-update':
        Y.applyUpdate(this.doc, message.update, this);
        return;
      case 'awareness':
        applyAwarenessUpdate(this.awareness, message.update, this);
        return;
      case 'query-awareness':
        this.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
        return;
      case 'permission-denied':
        // Before acceptance it announces a refusal (the close code that follows says which);
        // after it, the server is refusing this connection's edits: a view-only link.
        if (this.snapshot.connection === 'connected') this.update({ problem: { kind: 'read-only', reason: message.reason } });
        return;
      case 'saved':
        this.saves.dispatch({ type: 'saved', requestId: message.requestId });
        return;
      case 'save-request':
        return;
    }
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    this.saves.dispatch({ type: 'local-change' });
    if (this.isOpen()) {
      this.send(encodeSyncUpdate(update));
      this.scheduleSaveRequest(this.saveDelayMs);
    }
  };

  private readonly handleAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this || !this.isOpen()) return;
    const changed = [...added, ...updated, ...removed];
    this.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, changed)));
  };

  private scheduleSaveRequest(delayMs: number): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      if (!this.isOpen() || !this.saves.needsRequest) return;
      const requestId = this.nextRequestId++;
      this.send(encodeSaveRequest(requestId));
      this.saves.dispatch({ type: 'request-sent', requestId });
    }, delayMs);
  }

  private readonly checkHeartbeat = (): void => {
    const socket = this.socket;
    if (socket === null) return;
    const now = Date.now();
    if (socket.readyState === WebSocket.CONNECTING || !this.heardFromServer) {
      if (now - this.socketOpenedAt > this.connectTimeoutMs) this.dropAndRetry();
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    if (this.probeSentAt !== null) {
      if (now - this.probeSentAt > this.heartbeat.timeoutMs) this.dropAndRetry();
      return;
    }
    if (now - this.lastReceivedAt > this.heartbeat.idleMs) {
      // A save request with nothing new is answered as soon as the server's queue is idle; it is
      // not recorded in the save tracker, but its answer still confirms everything sent before it.
      this.probeSentAt = now;
      this.send(encodeSaveRequest(this.nextRequestId++));
    }
  };

  private dropAndRetry(): void {
    this.dropSocket(CloseCode.Normal, 'heartbeat timeout');
    this.handleClose(null);
  }

  private handleClose(code: number | null): void {
    this.socket = null;
    this.probeSentAt = null;
    this.saves.dispatch({ type: 'disconnected' });
    const remote = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    removeAwarenessStates(this.awareness, remote, this);
    if (code !== null && permanentCloseCodes.has(code)) {
      this.stopped = true;
      this.clearTimers();
      this.update({ connection: 'offline', problem: { kind: 'forbidden', code } });
      return;
    }
    this.update({ connection: 'offline', failedAttempts: this.snapshot.failedAttempts + 1 });
    if (this.stopped || !isBrowserOnline()) return;
    const delay =
      code === CloseCode.ServiceRestart
        ? Math.floor(Math.random() * RESTART_RETRY_WINDOW_MS)
        : backoffDelay(this.attempt++, this.backoff);
    this.clearReconnectTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private readonly handleOnline = (): void => {
    this.update({ browserOnline: true });
    if (this.stopped) return;
    this.attempt = 0;
    this.clearReconnectTimer();
    this.connect();
  };

  private readonly handleOffline = (): void => {
    this.update({ browserOnline: false });
    this.clearReconnectTimer();
    // Chromium may keep the socket open while offline; edits must not pretend to travel over it.
    if (this.socket !== null) {
      this.dropSocket(CloseCode.Normal, 'browser offline');
      this.handleClose(null);
    } else {
      this.update({ connection: 'offline' });
    }
  };

  // Leaving the page says goodbye at once instead of after the server's ping timeout; a page
  // restored from the back-forward cache comes back with the same presence.
  private readonly handlePageHide = (): void => {
    this.hiddenLocalState = this.awareness.getLocalState();
    removeAwarenessStates(this.awareness, [this.doc.clientID], 'window unload');
  };

  private readonly handlePageShow = (event: PageTransitionEvent): void => {
    if (!event.persisted || this.hiddenLocalState === null || this.stopped) return;
    this.awareness.setLocalState(this.hiddenLocalState);
    this.hiddenLocalState = null;
  };

  private dropSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    try {
      socket.close(code, reason);
    } catch {
      // Closing an already-failed socket can throw; it is gone either way.
    }
  }

  private send(frame: Uint8Array): void {
    // lib0's encoders allocate plain ArrayBuffers; the DOM typing just cannot know that.
    if (this.isOpen()) this.socket?.send(frame as Uint8Array<ArrayBuffer>);
  }

  private isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  private readOnlyProblem(): ProviderProblem | null {
    return this.snapshot.problem?.kind === 'read-only' ? this.snapshot.problem : null;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private clearTimers(): void {
    this.clearReconnectTimer();
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
  }

  private update(patch: Partial<ProviderSnapshot>): void {
    const next = { ...this.snapshot, ...patch };
    const changed = (Object.keys(patch) as (keyof ProviderSnapshot)[]).some((key) => next[key] !== this.snapshot[key]);
    if (!changed) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}

function isBrowserOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}
