/**
 * The transport the editor uses: a WebSocket when the network lets one through, the HTTP fallback
 * (http-transport.ts) when it does not, and back to the socket once it works again.
 *
 * When to fall back. A socket that has never opened in this page's life and is still not open a
 * couple of seconds after the first attempt began, or that keeps failing or dying within seconds
 * of opening, means a proxy in the way: some answer the upgrade with 400/403/426, some close it,
 * some let the attempt hang for 10 s or more (why engine.io starts with polling). Once the fallback
 * has worked, the page remembers it for a while (FallbackMemory) and starts on HTTP next time.
 * A socket that worked and then failed to reconnect (a restarting server) is no reason: that is
 * an outage, which the socket's own backoff rides out.
 *
 * Coming back. On the fallback, a socket is tried in the background now and then (5 s, doubling
 * to 30 s). When one opens, the HTTP session is ended first, so that the server sees one
 * connection of ours at a time (presence is owned per connection), then the sync session starts
 * over on the socket: its handshake exchanges whatever either side lacks, so nothing is lost or
 * applied twice at the switch. Frames the socket received before the switch are handed on after.
 */
import { systemClock, type Clock, type TimerHandle } from '../page/clock';
import { TransportListeners } from './link-state';
import type { LinkLoss, Transport, TransportListener, TransportState } from './transport';

/** Where the page remembers that this network needs the fallback. */
export interface FallbackMemory {
  needsFallback(now: number): boolean;
  remember(until: number): void;
  forget(): void;
}

export interface ClosableTransport extends Transport {
  /** Ends the link; resolves once the server has let go of it (or could not be told). */
  closeAndForget(): Promise<void>;
}

export interface FallbackTransportOptions {
  createSocket(): Transport;
  createHttp(): ClosableTransport;
  readonly clock?: Clock;
  readonly memory?: FallbackMemory;
  /** A first socket not open after this long: fall back rather than wait for it. */
  readonly socketOpenWithinMs?: number;
  /** Failed or short-lived sockets in a row that mean the network blocks them. */
  readonly failuresBeforeFallback?: number;
  /** A socket lost sooner than this after opening counts as failed. */
  readonly shortLivedMs?: number;
  readonly probeFirstMs?: number;
  readonly probeMaxMs?: number;
  /** How long the page starts on the fallback after it was needed. */
  readonly rememberMs?: number;
}

export type Carrier = 'websocket' | 'http';

type Active =
  | { readonly kind: 'websocket'; readonly transport: Transport; openedAt: number | null; failures: number }
  | { readonly kind: 'http'; readonly transport: ClosableTransport };

interface Probe {
  readonly transport: Transport;
  readonly timer: TimerHandle;
  /** Frames that arrived between its opening and the switch to it. */
  readonly early: Uint8Array[];
  switching: boolean;
}

export class FallbackTransport implements Transport {
  private readonly clock: Clock;
  private readonly memory: FallbackMemory;
  private readonly socketOpenWithinMs: number;
  private readonly failuresBeforeFallback: number;
  private readonly shortLivedMs: number;
  private readonly probeFirstMs: number;
  private readonly probeMaxMs: number;
  private readonly rememberMs: number;
  private readonly listeners = new TransportListeners();
  private active: Active | null = null;
  private detach: (() => void) | null = null;
  /** A socket has worked in this page's life: its later failures are outages, not a blocking network. */
  private socketEverOpened = false;
  private openTimer: TimerHandle | null = null;
  private probe: Probe | null = null;
  private probeTimer: TimerHandle | null = null;
  private probeDelayMs: number;
  private closed = false;

  constructor(private readonly options: FallbackTransportOptions) {
    this.clock = options.clock ?? systemClock;
    this.memory = options.memory ?? browserFallbackMemory();
    this.socketOpenWithinMs = options.socketOpenWithinMs ?? 2_500;
    this.failuresBeforeFallback = options.failuresBeforeFallback ?? 2;
    this.shortLivedMs = options.shortLivedMs ?? 5_000;
    this.probeFirstMs = options.probeFirstMs ?? 5_000;
    this.probeMaxMs = options.probeMaxMs ?? 30_000;
    this.rememberMs = options.rememberMs ?? 60 * 60_000;
    this.probeDelayMs = this.probeFirstMs;
  }

  /** Which transport carries the link now. */
  get carrier(): Carrier {
    return this.active?.kind ?? 'websocket';
  }

  get state(): TransportState {
    return this.active?.transport.state ?? { kind: this.closed ? 'closed' : 'idle' };
  }

  listen(listener: TransportListener): () => void {
    return this.listeners.add(listener);
  }

  open(): void {
    if (this.active !== null || this.closed) return;
    if (this.memory.needsFallback(this.clock.now())) this.useHttp();
    else this.useSocket(this.options.createSocket(), false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.openTimer?.cancel();
    this.probeTimer?.cancel();
    this.endProbe();
    this.detach?.();
    this.active?.transport.close();
    this.emit((listener) => listener.onStateChange?.({ kind: 'closed' }));
  }

  send(frame: Uint8Array): boolean {
    return this.active?.transport.send(frame) ?? false;
  }

  markEstablished(): void {
    if (this.active?.kind === 'websocket') this.active.failures = 0;
    this.active?.transport.markEstablished();
  }

  private useSocket(transport: Transport, open: boolean): void {
    const active: Active = { kind: 'websocket', transport, openedAt: open ? this.clock.now() : null, failures: 0 };
    this.setActive(active, {
      onOpen: () => {
        active.openedAt = this.clock.now();
        this.socketEverOpened = true;
        this.openTimer?.cancel();
        this.emit((listener) => listener.onOpen?.());
      },
      onLinkLost: (loss) => {
        if (this.countsAgainstSocket(active, loss)) active.failures++;
        else active.failures = 0;
        active.openedAt = null;
        this.emit((listener) => listener.onLinkLost?.(loss));
        if (active.failures >= this.failuresBeforeFallback && this.active === active) this.useHttp();
      },
    });
    if (open) return;
    transport.open();
    if (!this.socketEverOpened) {
      this.openTimer = this.clock.setTimeout(() => {
        this.openTimer = null;
        if (this.active === active && active.openedAt === null && !this.socketEverOpened) this.useHttp();
      }, this.socketOpenWithinMs);
    }
  }

  private useHttp(): void {
    this.openTimer?.cancel();
    const previous = this.active;
    const transport = this.options.createHttp();
    this.setActive({ kind: 'http', transport }, {
      onOpen: () => {
        this.memory.remember(this.clock.now() + this.rememberMs);
        this.emit((listener) => listener.onOpen?.());
        this.scheduleProbe();
      },
      onLinkLost: (loss) => this.emit((listener) => listener.onLinkLost?.(loss)),
    });
    previous?.transport.close();
    transport.open();
  }

  /** A failure that says the socket is blocked, rather than that the server is away. */
  private countsAgainstSocket(active: Extract<Active, { kind: 'websocket' }>, loss: LinkLoss): boolean {
    if (loss.cause === 'device-offline') return false;
    if (active.openedAt === null) return !this.socketEverOpened;
    return this.clock.now() - active.openedAt < this.shortLivedMs && loss.code !== 1012 && loss.code !== 1000;
  }

  private setActive(active: Active, hooks: Pick<TransportListener, 'onOpen' | 'onLinkLost'>): void {
    this.detach?.();
    this.active = active;
    this.detach = active.transport.listen({
      ...hooks,
      onFrame: (frame) => this.emit((listener) => listener.onFrame?.(frame)),
      onStateChange: (state) => this.emit((listener) => listener.onStateChange?.(state)),
    });
  }

  private scheduleProbe(): void {
    this.probeTimer?.cancel();
    const delay = this.probeDelayMs;
    this.probeDelayMs = Math.min(this.probeMaxMs, this.probeDelayMs * 2);
    this.probeTimer = this.clock.setTimeout(() => {
      this.probeTimer = null;
      if (this.active?.kind === 'http' && !this.closed) this.startProbe();
    }, delay);
  }

  private startProbe(): void {
    const transport = this.options.createSocket();
    const timer = this.clock.setTimeout(() => this.failProbe(probe), this.socketOpenWithinMs * 2);
    const probe: Probe = { transport, timer, early: [], switching: false };
    this.probe = probe;
    const stop = transport.listen({
      onOpen: () => {
        if (this.probe !== probe || probe.switching) return;
        probe.switching = true;
        timer.cancel();
        void this.switchToSocket(probe, stop);
      },
      onFrame: (frame) => {
        if (this.probe === probe) probe.early.push(frame);
      },
      onLinkLost: () => this.failProbe(probe),
    });
    transport.open();
  }

  private failProbe(probe: Probe): void {
    if (this.probe !== probe) return;
    this.endProbe();
    if (this.active?.kind === 'http' && !this.closed) this.scheduleProbe();
  }

  private endProbe(): void {
    const probe = this.probe;
    if (probe === null) return;
    this.probe = null;
    probe.timer.cancel();
    probe.transport.close();
  }

  private async switchToSocket(probe: Probe, stopProbeListener: () => void): Promise<void> {
    const http = this.active;
    if (http?.kind !== 'http') return this.endProbe();
    // The server lets go of our HTTP session (and the presence it owns) before the socket speaks.
    this.detach?.();
    this.detach = null;
    await http.transport.closeAndForget();
    stopProbeListener();
    if (this.closed || this.probe !== probe) {
      probe.transport.close();
      return;
    }
    this.probe = null;
    this.memory.forget();
    this.probeDelayMs = this.probeFirstMs;
    this.emit((listener) => listener.onLinkLost?.({ cause: 'transport-switch', code: null }));
    this.useSocket(probe.transport, true);
    this.socketEverOpened = true;
    if (probe.transport.state.kind !== 'open') {
      // It died while the HTTP session was ending: its own loss follows through the new listener.
      return;
    }
    this.emit((listener) => listener.onStateChange?.(probe.transport.state));
    this.emit((listener) => listener.onOpen?.());
    for (const frame of probe.early) this.emit((listener) => listener.onFrame?.(frame));
  }

  private emit(call: (listener: TransportListener) => void): void {
    this.listeners.emit(call);
  }
}

const MEMORY_KEY = 'tandem.httpFallbackUntil';

/** localStorage when there is one (not in a server render, not when storage is blocked). */
export function browserFallbackMemory(): FallbackMemory {
  const storage = (): Storage | null => {
    try {
      return typeof localStorage === 'undefined' ? null : localStorage;
    } catch {
      return null;
    }
  };
  return {
    needsFallback: (now) => Number(storage()?.getItem(MEMORY_KEY) ?? 0) > now,
    remember: (until) => {
      try {
        storage()?.setItem(MEMORY_KEY, String(until));
      } catch {
        // Storage full or blocked: the page only forgets sooner.
      }
    },
    forget: () => {
      try {
        storage()?.removeItem(MEMORY_KEY);
      } catch {
        // As above.
      }
    },
  };
}
