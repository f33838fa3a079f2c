/**
 * One HTTP fallback session (the routes that drive it are in http-fallback-routes.ts): a Socket
 * (../connection/socket.ts) like a WebSocket's, whose frames to the client wait in an outbox until
 * a long-poll carries them and are let go only once the next poll acknowledges them, so a lost
 * response loses nothing.
 */
import type { ServerResponse } from 'node:http';
import { CloseCode } from '../../lib/protocol/close-codes';
import { encodeFrameBatch } from '../../lib/protocol/frame-batch';
import type { Logger } from '../logger';
import type { Scheduler, TimerHandle } from '../scheduler';
import { ignoredSocketEvents, type Socket, type SocketEvents } from '../connection/socket';

/** What a session needs from the transport that holds it. */
export interface PollSessionOptions {
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** How long a GET waits for frames before it is answered empty. */
  readonly pollMs: number;
  /** Unread bytes beyond which a session is dropped at once (the connection's slow-client timer acts earlier). */
  readonly maxBufferedBytes: number;
  /** Answers a request with JSON (CORS and caching headers included). */
  sendJson(response: ServerResponse, status: number, body: unknown): void;
}

/** Fallback answers are never cached, and are read from the page's origin. */
export const NO_STORE = { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' };

interface Outgoing {
  readonly seq: number;
  readonly frame: Uint8Array;
  readonly onWritten: (() => void) | undefined;
}

interface PendingPoll {
  readonly response: ServerResponse;
  readonly timer: TimerHandle;
}

export class PollSession implements Socket {
  events: SocketEvents = ignoredSocketEvents;
  lastSeen: number;
  /** The number the next client batch must carry. */
  nextBatch = 0;
  /** Frames sent and not yet acknowledged, in order; the first has number `firstSeq`. */
  private outbox: Outgoing[] = [];
  private outboxBytes = 0;
  private nextSeq = 0;
  private poll: PendingPoll | null = null;
  private flushScheduled = false;
  closed: { readonly code: number; readonly reason: string } | null = null;
  gone = false;

  constructor(
    readonly id: string,
    readonly docName: string,
    private readonly options: PollSessionOptions,
    private readonly onEnd: (session: PollSession) => void,
  ) {
    this.lastSeen = options.scheduler.now();
  }

  // Socket, as the connection uses it.

  send(data: Uint8Array, onWritten?: () => void): void {
    if (this.closed !== null || this.gone) {
      onWritten?.();
      return;
    }
    this.outbox.push({ seq: this.nextSeq++, frame: data, onWritten });
    this.outboxBytes += data.byteLength;
    if (this.outboxBytes > this.options.maxBufferedBytes) {
      this.options.logger.info({ session: this.id, doc: this.docName, bytes: this.outboxBytes }, 'fallback session dropped: too much unread');
      this.terminate();
      return;
    }
    this.scheduleFlush();
  }

  close(code: number, reason: string): void {
    if (this.closed !== null || this.gone) return;
    this.closed = { code, reason };
    this.scheduleFlush();
    // As a WebSocket reports its close after the handshake: never inside the caller's own call.
    this.options.scheduler.atEndOfTurn(() => this.events.onClose(code));
  }

  terminate(): void {
    if (this.gone) return;
    const wasClosed = this.closed !== null;
    this.closed ??= { code: CloseCode.Abnormal, reason: 'dropped' };
    this.end();
    if (!wasClosed) this.events.onClose(CloseCode.Abnormal);
  }

  get bufferedAmount(): number {
    return this.outboxBytes;
  }

  // The transport's side.

  /** The client has every frame up to `after`. Returns false when `after` names frames never sent. */
  acknowledge(after: number): boolean {
    if (after >= this.nextSeq) return false;
    let acknowledged = 0;
    while (acknowledged < this.outbox.length && this.outbox[acknowledged]!.seq <= after) {
      this.outboxBytes -= this.outbox[acknowledged]!.frame.byteLength;
      this.outbox[acknowledged]!.onWritten?.();
      acknowledged++;
    }
    if (acknowledged > 0) this.outbox.splice(0, acknowledged);
    return true;
  }

  /** Answers at once when there is something to say, else holds the request up to pollMs. */
  hold(response: ServerResponse): void {
    this.answerPoll(null); // a newer poll supersedes the one waiting (the client gave up on it)
    if (this.outbox.length > 0 || this.closed !== null) return this.answer(response);
    const timer = this.options.scheduler.setTimeout(() => this.answerPoll(null), this.options.pollMs);
    this.poll = { response, timer };
    response.once('close', () => {
      if (this.poll?.response === response) {
        this.poll.timer.cancel();
        this.poll = null;
        this.lastSeen = this.options.scheduler.now();
      }
    });
  }

  get polling(): boolean {
    return this.poll !== null;
  }

  /** Drops the session: its waiting poll is told it closed, its frames are let go. */
  end(): void {
    if (this.gone) return;
    this.gone = true;
    this.answerPoll(null);
    for (const outgoing of this.outbox) outgoing.onWritten?.();
    this.outbox = [];
    this.outboxBytes = 0;
    this.onEnd(this);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.poll === null) return;
    this.flushScheduled = true;
    // Everything the room sends in one turn leaves in one response.
    this.options.scheduler.atEndOfTurn(() => {
      this.flushScheduled = false;
      if (this.poll !== null) this.answerPoll(this.poll.response);
    });
  }

  /** Answers the waiting poll (only if it is `expected`, or whichever waits when null). */
  private answerPoll(expected: ServerResponse | null): void {
    const poll = this.poll;
    if (poll === null || (expected !== null && poll.response !== expected)) return;
    this.poll = null;
    poll.timer.cancel();
    this.answer(poll.response);
  }

  private answer(response: ServerResponse): void {
    this.lastSeen = this.options.scheduler.now();
    if (this.outbox.length === 0 && this.closed !== null) {
      this.options.sendJson(response, 410, { error: 'the session has ended', ...this.closed });
      this.end();
      return;
    }
    // Frames stay in the outbox until acknowledged by the next poll: a lost response loses nothing.
    const body = encodeFrameBatch(this.outbox[0]?.seq ?? this.nextSeq, this.outbox.map((outgoing) => outgoing.frame));
    sendBytes(response, body);
  }
}

function sendBytes(response: ServerResponse, body: Uint8Array): void {
  response.writeHead(200, { ...NO_STORE, 'Content-Type': 'application/octet-stream', 'Content-Length': body.byteLength });
  response.end(body);
}
