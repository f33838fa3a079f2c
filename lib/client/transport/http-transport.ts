/**
 * The transport over plain HTTP requests, for networks where WebSockets do not get through (the
 * server's side and the wire format: sync-server/edge/http-fallback-routes.ts): a session opened
 * by POST, frames from the server by long-poll GET, frames to it batched by POST. The same frames
 * as over a socket, so the sync session above cannot tell the two apart.
 *
 * Nothing is lost to a lost response: a batch is repeated under its number until the server has
 * it (a 409 naming a later number says it had), and each poll acknowledges the frames received so
 * far, so the server repeats anything whose answer went missing. One POST and one GET are in flight
 * at a time; frames sent meanwhile wait and leave together.
 */
import { CloseCode } from '../../protocol/close-codes';
import { documentUrlPath } from '../../protocol/document-path';
import { decodeFrameBatch, encodeFrameBatch } from '../../protocol/frame-batch';
import { encodePing, isPongFrame } from '../../protocol/messages';
import type { Clock } from '../page/clock';
import { ReconnectingTransport, type ReconnectingOptions, type RestingLink } from './reconnecting-transport';
import type { Transport } from './transport';

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** Clock, page environment, backoff and jitter: see ReconnectingOptions. */
export interface HttpTransportOptions extends ReconnectingOptions {
  /** The sync server's HTTP base, e.g. `https://sync.example.com`. */
  readonly baseUrl: string;
  readonly docName: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly fetch?: FetchFunction;
  /** How long opening a session or posting a batch may take before the link counts as lost. */
  readonly requestTimeoutMs?: number;
}

interface OpenLink {
  readonly kind: 'open';
  readonly session: string;
  readonly pollMs: number;
  readonly maxBodyBytes: number;
  /** The link's requests in flight, aborted together when it ends. */
  readonly requests: RequestGroup;
  /** The last server frame received (-1 before the first). */
  after: number;
  /** The next batch's number, and the frames waiting to go. */
  nextBatch: number;
  outbox: Uint8Array[];
  posting: boolean;
}

type ActiveLink = { readonly kind: 'connecting'; readonly requests: RequestGroup } | OpenLink;
type Link = RestingLink | ActiveLink;

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A poll is answered by the server within pollMs; beyond this margin the link is dead. */
const POLL_MARGIN_MS = 10_000;
/** A batch whose answer failed is repeated this often before the link counts as lost. */
const POST_ATTEMPTS = 3;

export class HttpTransport extends ReconnectingTransport<ActiveLink> implements Transport {
  private readonly clock: Clock;
  private readonly fetch: FetchFunction;
  private readonly requestTimeoutMs: number;
  private readonly openUrl: string;
  private readonly sessionBase: string;
  private nextPingId = 1;

  constructor(options: HttpTransportOptions) {
    super(options);
    this.clock = this.reconnecting.clock;
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const base = `${options.baseUrl.replace(/\/+$/, '')}/_poll${documentUrlPath(options.docName)}`;
    const query = new URLSearchParams(options.params ?? {}).toString();
    this.openUrl = query ? `${base}?${query}` : base;
    this.sessionBase = base;
  }

  open(): void {
    this.start();
  }

  close(): void {
    void this.closeAndForget();
  }

  /** Ends the link for good; resolves once the server has let go of the session (or could not be told). */
  closeAndForget(): Promise<void> {
    return this.finish() ?? Promise.resolve();
  }

  send(frame: Uint8Array): boolean {
    const link = this.link;
    if (link.kind !== 'open') return false;
    link.outbox.push(frame);
    // Frames sent in the same task leave in one request.
    if (!link.posting) {
      link.posting = true;
      queueMicrotask(() => void this.postLoop(link));
    }
    return true;
  }

  protected connect(): void {
    const requests = new RequestGroup();
    this.setLink({ kind: 'connecting', requests });
    void this.request(requests, this.openUrl, { method: 'POST' }, this.requestTimeoutMs).then(
      async (response) => {
        if (this.link.kind !== 'connecting' || this.link.requests !== requests) return;
        if (response.status !== 200) {
          // 503: a server that is stopping; others (400, 404 on a server without the fallback) may pass.
          return this.lose({ cause: 'connect-failed', code: response.status === 503 ? CloseCode.ServiceRestart : null });
        }
        const body = (await response.json()) as { session?: unknown; pollMs?: unknown; maxBodyBytes?: unknown };
        if (this.link.kind !== 'connecting' || this.link.requests !== requests) return;
        if (typeof body.session !== 'string' || typeof body.pollMs !== 'number' || typeof body.maxBodyBytes !== 'number') {
          return this.lose({ cause: 'connect-failed', code: null });
        }
        const link: OpenLink = {
          kind: 'open',
          session: body.session,
          pollMs: body.pollMs,
          maxBodyBytes: body.maxBodyBytes,
          requests,
          after: -1,
          nextBatch: 0,
          outbox: [],
          posting: false,
        };
        this.setLink(link);
        // As over a socket: the ping tells the server we speak the extension (storage notices).
        this.send(encodePing(this.nextPingId++));
        this.emit((listener) => listener.onOpen?.());
        void this.pollLoop(link);
      },
      () => {
        if (this.link.kind === 'connecting' && this.link.requests === requests) this.lose({ cause: 'connect-failed', code: null });
      },
    );
  }

  private async pollLoop(link: OpenLink): Promise<void> {
    while (this.link === link) {
      let response: Response;
      try {
        response = await this.request(link.requests, `${this.sessionUrl(link)}?after=${link.after}`, {}, link.pollMs + POLL_MARGIN_MS);
      } catch {
        if (this.link === link) this.lose({ cause: 'unresponsive', code: null });
        return;
      }
      if (this.link !== link) return;
      if (response.status === 410) {
        // The server's close, as a socket would have carried it: {"code","reason"}.
        const closed = (await response.json().catch(() => ({}))) as { code?: unknown; reason?: unknown };
        if (this.link !== link) return;
        this.lose({
          cause: 'server-closed',
          code: typeof closed.code === 'number' ? closed.code : null,
          ...(typeof closed.reason === 'string' && closed.reason.length > 0 ? { reason: closed.reason } : {}),
        });
        return;
      }
      if (response.status !== 200) {
        // 404: the session is gone (the server restarted, or it expired): a new one is needed.
        this.lose({ cause: 'server-closed', code: null });
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch {
        if (this.link === link) this.lose({ cause: 'unresponsive', code: null });
        return;
      }
      if (this.link !== link) return;
      let batch;
      try {
        batch = decodeFrameBatch(bytes);
      } catch {
        this.lose({ cause: 'server-closed', code: CloseCode.ProtocolError });
        return;
      }
      batch.frames.forEach((frame, index) => {
        const seq = batch.seq + index;
        if (seq <= link.after || this.link !== link) return; // repeated after a lost answer
        link.after = seq;
        if (!isPongFrame(frame)) this.emit((listener) => listener.onFrame?.(frame));
      });
    }
  }

  private async postLoop(link: OpenLink): Promise<void> {
    let attempts = 0;
    while (this.link === link && link.outbox.length > 0) {
      const frames = takeBatch(link.outbox, link.maxBodyBytes);
      const seq = link.nextBatch;
      let delivered = false;
      while (!delivered && this.link === link) {
        try {
          const response = await this.request(
            link.requests,
            `${this.sessionUrl(link)}?seq=${seq}`,
            { method: 'POST', body: encodeFrameBatch(seq, frames) as Uint8Array<ArrayBuffer> },
            this.requestTimeoutMs,
          );
          if (response.status === 204) delivered = true;
          else if (response.status === 409) {
            // The answer to an earlier attempt was lost, and the server had it.
            const { expected } = (await response.json().catch(() => ({}))) as { expected?: unknown };
            if (typeof expected === 'number' && expected > seq) delivered = true;
            else throw new Error('the server lost the thread');
          } else {
            // 404 or 410: the session is gone; the poll reports how.
            if (this.link === link) this.lose({ cause: 'server-closed', code: null });
            return;
          }
        } catch {
          if (this.link !== link) return;
          if (++attempts >= POST_ATTEMPTS) return this.lose({ cause: 'unresponsive', code: null });
          await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 200 * attempts));
        }
      }
      link.nextBatch = seq + 1;
      attempts = 0;
    }
    link.posting = false;
  }

  private sessionUrl(link: OpenLink): string {
    return `${this.sessionBase}/${encodeURIComponent(link.session)}`;
  }

  /** One request of `group`, aborted when it takes longer than `timeoutMs` or the group is aborted. */
  private request(group: RequestGroup, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    // A controller per request: one signal shared by every request of a long session would
    // collect an abort listener per request for as long as the session lives.
    const controller = group.start();
    return new Promise<Response>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        controller.abort();
        reject(new Error('request timed out'));
      }, timeoutMs);
      this.fetch(url, { cache: 'no-store', ...init, signal: controller.signal }).then(
        (response) => {
          timer.cancel();
          group.finish(controller);
          resolve(response);
        },
        (error: unknown) => {
          timer.cancel();
          group.finish(controller);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Ends what a link that is no longer current holds: its requests, its session, its retry timer. */
  protected release(link: Link): Promise<void> {
    if (link.kind === 'waiting') link.timer.cancel();
    if (link.kind === 'connecting') link.requests.abortAll();
    if (link.kind !== 'open') return Promise.resolve();
    link.requests.abortAll();
    // The server would expire the session anyway, but until then it owns our presence there (a new
    // connection of ours could not show it): said at once, and once more if the first try fails (a
    // proxy that closes its idle keep-alive connections fails the request that meets one).
    const forget = () => this.request(new RequestGroup(), this.sessionUrl(link), { method: 'DELETE', keepalive: true }, this.requestTimeoutMs);
    return forget()
      .catch(() => forget())
      .then(
        () => undefined,
        () => undefined,
      );
  }
}

/** Takes frames off the front of `outbox` up to about `maxBytes` (always at least one). */
function takeBatch(outbox: Uint8Array[], maxBytes: number): Uint8Array[] {
  let bytes = 0;
  let count = 0;
  while (count < outbox.length) {
    const size = outbox[count]!.byteLength + 10;
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count++;
  }
  return outbox.splice(0, count);
}

/** The requests in flight on one link. */
class RequestGroup {
  private readonly active = new Set<AbortController>();

  start(): AbortController {
    const controller = new AbortController();
    this.active.add(controller);
    return controller;
  }

  finish(controller: AbortController): void {
    this.active.delete(controller);
  }

  abortAll(): void {
    for (const controller of this.active) controller.abort();
    this.active.clear();
  }
}
