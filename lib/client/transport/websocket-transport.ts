/**
 * The transport over one WebSocket at a time: connects, notices a dead link, and reconnects with
 * jittered backoff until closed. Its states are one union (see `Link`); every timer and every
 * outside source (clock, WebSocket constructor, online/offline events) is injected.
 *
 * Why not y-websocket's provider: it notices a dead socket only after 30 s, retries without jitter,
 * ignores the browser's offline event and cannot tell a refused link from a failed one.
 */
import { CloseCode } from '../../protocol/close-codes';
import { encodePing, isPongFrame } from '../../protocol/messages';
import type { Clock, TimerHandle } from '../page/clock';
import { LIVENESS_TICK_MS, checkLiveness, defaultLiveness, type LivenessOptions } from './liveness';
import { ReconnectingTransport, type ReconnectingOptions, type RestingLink } from './reconnecting-transport';
import type { Transport } from './transport';

/** The part of the DOM WebSocket this transport uses; tests hand in an in-memory one. */
export interface WebSocketLike {
  binaryType: BinaryType;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason?: string }) => void): void;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Clock, page environment, backoff and jitter: see ReconnectingOptions. */
export interface WebSocketTransportOptions extends ReconnectingOptions {
  readonly url: string;
  readonly WebSocket?: WebSocketConstructor;
  readonly liveness?: LivenessOptions;
  /**
   * A link not open and answered by the server after this long is abandoned and retried. The
   * server answers the first ping at once, but a server busy decoding a large document answers
   * late, so the short liveness deadline only applies once the link has been answered.
   */
  readonly connectTimeoutMs?: number;
}

type ActiveLink =
  | { readonly kind: 'connecting'; readonly socket: WebSocketLike; readonly startedAt: number }
  | {
      readonly kind: 'open';
      readonly socket: WebSocketLike;
      readonly openedAt: number;
      /** The last frame from the server, or null before its first. */
      lastHeardAt: number | null;
      probeSentAt: number | null;
    };

type Link = RestingLink | ActiveLink;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class WebSocketTransport extends ReconnectingTransport<ActiveLink> implements Transport {
  private readonly url: string;
  private readonly clock: Clock;
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly liveness: LivenessOptions;
  private readonly connectTimeoutMs: number;
  private nextPingId = 1;
  private ticker: TimerHandle | null = null;

  constructor(options: WebSocketTransportOptions) {
    super(options);
    this.url = options.url;
    this.clock = this.reconnecting.clock;
    this.WebSocketClass = options.WebSocket ?? WebSocket;
    this.liveness = options.liveness ?? defaultLiveness;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  open(): void {
    this.start(() => {
      this.ticker = this.clock.setInterval(this.tick, LIVENESS_TICK_MS);
    });
  }

  close(): void {
    void this.finish();
  }

  send(frame: Uint8Array): boolean {
    if (this.link.kind !== 'open') return false;
    try {
      // lib0's encoders allocate plain ArrayBuffers; the DOM typing just cannot know that.
      this.link.socket.send(frame as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      // A socket that died under us; its close event follows and starts the retry.
      return false;
    }
  }

  protected connect(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(this.url);
    } catch {
      // A malformed URL never becomes valid by waiting, but retrying keeps the page honest (offline).
      this.lose({ cause: 'connect-failed', code: null });
      return;
    }
    socket.binaryType = 'arraybuffer';
    // Every handler first checks that the socket is still the current one: an abandoned socket
    // may still report its end, and must not end its successor.
    socket.addEventListener('open', () => {
      if (this.currentSocket() !== socket) return;
      const now = this.clock.now();
      this.setLink({ kind: 'open', socket, openedAt: now, lastHeardAt: null, probeSentAt: null });
      // A ping at once: its pong proves the link, and it tells the server we speak the extension,
      // so that an outage of its storage is reported to us from the start.
      this.probe();
      this.emit((listener) => listener.onOpen?.());
    });
    socket.addEventListener('message', (event) => {
      if (this.link.kind === 'open' && this.link.socket === socket) this.handleMessage(this.link, event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.currentSocket() !== socket) return;
      // The reason tells a revoked link from an expired one (both 4403); it is only kept when given.
      this.lose({ cause: 'server-closed', code: event.code, ...(event.reason ? { reason: event.reason } : {}) });
    });
    // An error is always followed by close; handling it there keeps one path. It is still listened
    // to: outside a browser (the `ws` library) an error event nobody listens to is thrown.
    socket.addEventListener('error', ignoreError);
    this.setLink({ kind: 'connecting', socket, startedAt: this.clock.now() });
  }

  private handleMessage(link: Extract<Link, { kind: 'open' }>, data: unknown): void {
    link.lastHeardAt = this.clock.now();
    link.probeSentAt = null;
    // The protocol has no text frames; the server never sends one.
    if (!(data instanceof ArrayBuffer)) return;
    const frame = new Uint8Array(data);
    // A pong has done its job by arriving; the session never needs to see it.
    if (isPongFrame(frame)) return;
    this.emit((listener) => listener.onFrame?.(frame));
  }

  private readonly tick = (): void => {
    const link = this.link;
    const now = this.clock.now();
    if (link.kind === 'connecting') {
      if (now - link.startedAt > this.connectTimeoutMs) this.lose({ cause: 'connect-failed', code: null });
      return;
    }
    if (link.kind !== 'open') return;
    if (link.lastHeardAt === null) {
      if (now - link.openedAt > this.connectTimeoutMs) this.lose({ cause: 'unresponsive', code: null });
      return;
    }
    switch (checkLiveness({ lastHeardAt: link.lastHeardAt, probeSentAt: link.probeSentAt }, now, this.liveness)) {
      case 'probe':
        this.probe();
        return;
      case 'dead':
        this.lose({ cause: 'unresponsive', code: null });
        return;
      case 'alive':
        return;
    }
  };

  private probe(): void {
    if (this.link.kind !== 'open') return;
    this.link.probeSentAt = this.clock.now();
    this.send(encodePing(this.nextPingId++));
  }

  /** Frees what a link that is no longer current holds: its socket or its retry timer. */
  protected release(link: Link, reason: string): void {
    if (link.kind === 'waiting') link.timer.cancel();
    if (link.kind !== 'connecting' && link.kind !== 'open') return;
    try {
      link.socket.close(CloseCode.Normal, reason);
    } catch {
      // Closing an already-failed socket can throw; it is gone either way.
    }
  }

  protected override stopListening(): void {
    this.ticker?.cancel();
    this.ticker = null;
    super.stopListening();
  }

  private currentSocket(): WebSocketLike | null {
    return this.link.kind === 'connecting' || this.link.kind === 'open' ? this.link.socket : null;
  }
}

function ignoreError(): void {}
