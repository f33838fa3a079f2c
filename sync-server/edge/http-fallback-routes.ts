/**
 * The HTTP fallback transport's routes: the same protocol frames as the WebSocket, over plain
 * requests, for networks whose proxies strip the upgrade or kill long-lived connections. Each
 * session (http-fallback-session.ts) is a Socket like a WebSocket's, so the connection and the room cannot tell the two apart: the
 * same decision admits it (share-link token, document name), and the same limits, rate limits,
 * presence and save acknowledgements apply.
 *
 *   POST   /_poll/<doc>?token=…             opens a session → 200 {"session","pollMs","maxBodyBytes"}
 *   POST   /_poll/<doc>/<session>?seq=<n>    client frames, a frame batch (lib/protocol/frame-batch.ts)
 *                                            numbered n = 0, 1, 2… → 204; a number already received
 *                                            or skipped → 409 {"expected"} and nothing is applied
 *   GET    /_poll/<doc>/<session>?after=<n>  server frames numbered above n (n acknowledges the rest;
 *                                            -1 before the first) → 200 frame batch, held up to pollMs
 *                                            while there is none; 410 {"code","reason"} once the
 *                                            session has closed and every frame before it is read
 *   DELETE /_poll/<doc>/<session>            ends it, as a client's close
 *
 * Long-polling rather than Server-Sent Events: SSE is a stream, and the proxies this exists for
 * are the ones that buffer or cut long responses (SockJS and engine.io both begin with polling
 * for that reason). A response that ends carries its frames through any proxy. Each request is
 * answered on its own terms, so a lost response costs a retry, never a frame: the client repeats
 * a batch under the same number, and asks again for what came after the last frame it has.
 *
 * Sessions live in one process: behind a proxy with several nodes, every request of a document's
 * fallback sessions must reach the same node (the cluster's nginx routes /_poll/ by document).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode } from '../../lib/protocol/close-codes';
import { documentNameFromUrl } from '../../lib/protocol/document-path';
import { MalformedBatch, decodeFrameBatch } from '../../lib/protocol/frame-batch';
import { NO_STORE, PollSession, type PollSessionOptions } from './http-fallback-session';
import { readRequestBody } from './http-request';
import type { TimerHandle } from '../scheduler';
import type { Socket, SocketEvents } from '../connection/socket';
import type { UpgradeDecision } from './transport';

export const FALLBACK_PATH_PREFIX = '/_poll/';

export interface HttpFallbackOptions<Context> extends PollSessionOptions {
  /** A session nobody has asked about for this long is gone, as a socket that stopped answering pings. */
  readonly idleMs: number;
  /** The largest request body; one frame may be as large as the WebSocket allows. */
  readonly maxBodyBytes: number;
  /** Frames in one client batch. */
  readonly maxFramesPerBatch: number;
  /** The WebSocket's decision, from the document URL (`/<doc>?token=…`). */
  decide(url: string): UpgradeDecision<Context> | Promise<UpgradeDecision<Context>>;
  accept(socket: Socket, context: Context): SocketEvents;
}

export class HttpFallbackTransport<Context> {
  private readonly sessions = new Map<string, PollSession>();
  private readonly sweeper: TimerHandle;
  private accepting = true;

  constructor(readonly options: HttpFallbackOptions<Context>) {
    this.sweeper = options.scheduler.setInterval(() => this.expireIdle(), Math.max(50, Math.min(5_000, options.idleMs / 4)));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private now(): number {
    return this.options.scheduler.now();
  }

  /** Serves the request when it is the fallback's (its path starts with /_poll/); returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    if (!path.startsWith(FALLBACK_PATH_PREFIX)) return false;
    const segments = path.slice(FALLBACK_PATH_PREFIX.length).split('/');
    const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
    const method = request.method ?? 'GET';
    if (segments.length === 1) {
      if (method !== 'POST') return this.refuse(response, 405, 'open a session with POST');
      return this.open(request, response);
    }
    if (segments.length !== 2) return this.refuse(response, 404, 'not found');
    const docName = documentNameFromUrl(`/${segments[0]}`);
    const session = this.sessions.get(segments[1]!);
    // Another document's session is as unknown here as a made-up one.
    if (session === undefined || session.gone || docName === null || session.docName !== docName) {
      return this.refuse(response, 404, 'unknown session: open a new one');
    }
    session.lastSeen = this.now();
    switch (method) {
      case 'GET':
        return this.receive(session, query, response);
      case 'POST':
        return this.deliver(session, query, request, response);
      case 'DELETE':
        if (session.closed === null) {
          session.closed = { code: CloseCode.Normal, reason: 'client closed' };
          session.events.onClose(CloseCode.Normal);
        }
        session.end();
        response.writeHead(204, NO_STORE).end();
        return true;
      default:
        return this.refuse(response, 405, 'method not allowed');
    }
  }

  /** New sessions are refused (a stopping server): the client retries elsewhere or later. */
  stopAccepting(): void {
    this.accepting = false;
  }

  close(): void {
    this.sweeper.cancel();
    for (const session of [...this.sessions.values()]) session.terminate();
  }

  private open(request: IncomingMessage, response: ServerResponse): true {
    if (!this.accepting) return this.refuse(response, 503, 'the server is restarting');
    const url = (request.url ?? '/').slice(FALLBACK_PATH_PREFIX.length - 1);
    // The request may carry a body nobody reads; it must not keep the connection from its next request.
    request.resume();
    let pending: UpgradeDecision<Context> | Promise<UpgradeDecision<Context>>;
    try {
      pending = this.options.decide(url);
    } catch {
      pending = { accept: false, status: 500, message: 'internal error' };
    }
    void Promise.resolve(pending)
      .catch((): UpgradeDecision<Context> => ({ accept: false, status: 500, message: 'internal error' }))
      .then((decision) => {
        if (!decision.accept) return this.refuse(response, decision.status, decision.message);
        if (!this.accepting) return this.refuse(response, 503, 'the server is restarting');
        const docName = documentNameFromUrl(url)!;
        const session = new PollSession(randomBytes(18).toString('base64url'), docName, this.options, (ended) => this.forget(ended));
        this.sessions.set(session.id, session);
        session.events = this.options.accept(session, decision.context);
        this.options.sendJson(response, 200, { session: session.id, pollMs: this.options.pollMs, maxBodyBytes: this.options.maxBodyBytes });
        return true;
      });
    return true;
  }

  private receive(session: PollSession, query: URLSearchParams, response: ServerResponse): true {
    const after = integerParam(query.get('after'), -1);
    if (after === null) return this.refuse(response, 400, 'after is the number of the last frame received, or -1');
    if (after >= 0 && !session.acknowledge(after)) return this.refuse(response, 400, `frame ${after} was never sent`);
    session.hold(response);
    return true;
  }

  private deliver(session: PollSession, query: URLSearchParams, request: IncomingMessage, response: ServerResponse): true {
    const seq = integerParam(query.get('seq'), 0);
    if (seq === null) return this.refuse(response, 400, 'seq is the number of this batch');
    // Past the limit the connection ends at once, as a socket's does on an oversized frame.
    readRequestBody(request, this.options.maxBodyBytes, 'destroy').then(
      (body) => {
        if (session.gone) return this.refuse(response, 404, 'unknown session: open a new one');
        if (body === null) {
          // As a WebSocket frame over the limit: that connection ends with 1009.
          this.refuse(response, 413, `the body is larger than ${this.options.maxBodyBytes} bytes`, { Connection: 'close' });
          session.events.onTransportError(Object.assign(new Error('request body too large'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
          session.close(CloseCode.MessageTooBig, 'message too big');
          return;
        }
        let frames: readonly Uint8Array[];
        try {
          const batch = decodeFrameBatch(body, this.options.maxFramesPerBatch);
          if (batch.seq !== seq) throw new MalformedBatch(`the body is batch ${batch.seq}, the URL says ${seq}`);
          frames = batch.frames;
        } catch (error) {
          return this.refuse(response, 400, error instanceof Error ? error.message : 'malformed body');
        }
        // Exactly the next batch, once: a retry of one already applied, or one that skips, changes nothing.
        if (seq !== session.nextBatch) {
          const what = seq < session.nextBatch ? 'already received' : 'out of order';
          return this.options.sendJson(response, 409, { error: `batch ${seq} ${what}`, expected: session.nextBatch });
        }
        session.nextBatch++;
        for (const frame of frames) {
          if (session.closed !== null) break; // a bad frame closed it: the rest are not read, as on a socket
          session.events.onFrame(frame, true);
        }
        response.writeHead(204, NO_STORE).end();
      },
      () => this.refuse(response, 400, 'the body could not be read'),
    );
    return true;
  }

  private forget(session: PollSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  private expireIdle(): void {
    const cutoff = this.now() - this.options.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.polling || session.lastSeen >= cutoff) continue;
      if (session.closed === null) session.events.onPingTimeout();
      session.terminate();
    }
  }

  private refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): true {
    if (Object.keys(headers).length > 0) for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    this.options.sendJson(response, status, { error: message });
    return true;
  }
}

function integerParam(value: string | null, fallback: number): number | null {
  if (value === null) return fallback;
  if (!/^-?\d{1,15}$/.test(value)) return null;
  const n = Number(value);
  return n >= -1 ? n : null;
}
