/**
 * What a transport does between links, whatever carries them: it listens to the page's online and
 * offline events, decides after each loss whether to wait and retry, wait for the network, or give
 * up (link-state.ts), and reports every change to its listeners. The WebSocket transport and the
 * HTTP fallback extend it with how a link is opened and what ending one releases.
 */
import { defaultBackoff, type BackoffOptions } from './backoff';
import { systemClock, type Clock, type TimerHandle } from '../page/clock';
import { TransportListeners, afterLoss, stateOfLink } from './link-state';
import { browserEnvironment, type PageEnvironment } from '../page/page-environment';
import type { LinkLoss, TransportListener, TransportState } from './transport';

/** The states with no link in them; each transport adds its own `connecting` and `open`. */
export type RestingLink =
  | { readonly kind: 'idle' }
  | { readonly kind: 'waiting'; readonly retryInMs: number; readonly timer: TimerHandle }
  | { readonly kind: 'offline' }
  | { readonly kind: 'refused'; readonly code: number; readonly reason?: string }
  | { readonly kind: 'closed' };

/** What a transport's options may inject for reconnecting; each has the real default. */
export interface ReconnectingOptions {
  readonly clock?: Clock;
  readonly environment?: PageEnvironment;
  readonly backoff?: BackoffOptions;
  /** The jitter source; injectable so that tests are deterministic. */
  readonly random?: () => number;
}

interface Reconnecting {
  readonly clock: Clock;
  readonly environment: PageEnvironment;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
}

export abstract class ReconnectingTransport<ActiveLink extends { readonly kind: 'connecting' | 'open' }> {
  protected link: RestingLink | ActiveLink = { kind: 'idle' };
  /** Failed attempts since the last established link: the backoff exponent. */
  private failures = 0;
  private readonly listeners = new TransportListeners();

  protected readonly reconnecting: Reconnecting;

  protected constructor(options: ReconnectingOptions) {
    this.reconnecting = {
      clock: options.clock ?? systemClock,
      environment: options.environment ?? browserEnvironment(),
      backoff: options.backoff ?? defaultBackoff,
      random: options.random ?? Math.random,
    };
  }

  get state(): TransportState {
    return stateOfLink(this.link);
  }

  listen(listener: TransportListener): () => void {
    return this.listeners.add(listener);
  }

  markEstablished(): void {
    this.failures = 0;
  }

  /** Starts the first attempt (or waits for the network); `listening` is what the transport itself starts. */
  protected start(listening?: () => void): void {
    if (this.link.kind !== 'idle') return;
    const { environment } = this.reconnecting;
    environment.events.addEventListener('online', this.handleOnline);
    environment.events.addEventListener('offline', this.handleOffline);
    listening?.();
    if (environment.isOnline()) this.connect();
    else this.setLink({ kind: 'offline' });
  }

  /** Ends the link for good; returns what releasing the last one returned. */
  protected finish(): void | Promise<void> {
    if (this.link.kind === 'closed') return;
    const previous = this.link;
    this.stopListening();
    this.setLink({ kind: 'closed' });
    return this.release(previous, 'client closed');
  }

  /** Opens a link (or starts trying to); it must set `connecting` at once. */
  protected abstract connect(): void;

  /** Frees what a link that is no longer current holds: its connection, its requests, its retry timer. */
  protected abstract release(link: RestingLink | ActiveLink, reason: string): void | Promise<void>;

  /** Stops what the transport listens to; called when it is closed or refused for good. */
  protected stopListening(): void {
    this.reconnecting.environment.events.removeEventListener('online', this.handleOnline);
    this.reconnecting.environment.events.removeEventListener('offline', this.handleOffline);
  }

  /** The current link (or attempt) is gone: decide what comes next, then tell the listeners. */
  protected lose(loss: LinkLoss): void {
    const previous = this.link;
    const { clock, environment, backoff, random } = this.reconnecting;
    const next = afterLoss(loss, { online: environment.isOnline(), failures: this.failures, backoff, random });
    if (next.kind === 'refused') {
      this.stopListening();
      this.setLink(next);
    } else if (next.kind === 'offline') {
      this.setLink(next);
    } else {
      if (next.failed) this.failures++;
      const timer = clock.setTimeout(() => {
        if (this.link.kind === 'waiting' && this.link.timer === timer) this.connect();
      }, next.retryInMs);
      this.setLink({ kind: 'waiting', retryInMs: next.retryInMs, timer });
    }
    void this.release(previous, 'reconnecting');
    this.emit((listener) => listener.onLinkLost?.(loss));
  }

  protected setLink(next: RestingLink | ActiveLink): void {
    this.link = next;
    const state = this.state;
    this.emit((listener) => listener.onStateChange?.(state));
  }

  protected emit(call: (listener: TransportListener) => void): void {
    this.listeners.emit(call);
  }

  private readonly handleOnline = (): void => {
    const link = this.link;
    if (link.kind !== 'offline' && link.kind !== 'waiting') return;
    // The network is back: the outage was not the server's fault, so start the backoff afresh.
    this.failures = 0;
    void this.release(link, 'online');
    this.connect();
  };

  private readonly handleOffline = (): void => {
    const link = this.link;
    if (link.kind === 'connecting' || link.kind === 'open') {
      // Chromium may keep a socket open while offline; edits must not pretend to travel over it.
      this.lose({ cause: 'device-offline', code: null });
    } else if (link.kind === 'waiting') {
      this.setLink({ kind: 'offline' });
      void this.release(link, 'offline');
    }
  };
}
