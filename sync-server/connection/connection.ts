/**
 * One client connection: enforces the per-connection limits, decodes frames, and hands messages to
 * its room in arrival order. This is the boundary where a bad client is caught: whatever a frame
 * does wrong closes this connection only, with a close code that says why, and a log line.
 */
import { CloseCode } from '../../lib/protocol/close-codes';
import {
  MessageType,
  decodeMessage,
  encodePong,
  encodeSharingState,
  encodeStorageState,
  type Message,
} from '../../lib/protocol/messages';
import { ProtocolError } from '../../lib/protocol/protocol-error';
import type { ConnectionLimits } from './connection-limits';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import { FrameBudget } from './rate-limiter';
import type { RoomConnection } from '../room/participants';
import type { ConnectionGrant, Permission } from '../room/permissions';
import type { Room } from '../room/room';
import type { Scheduler, TimerHandle } from '../scheduler';
import type { Socket, SocketEvents } from './socket';
import { answerSyncStep1, type DocumentContent } from '../room/sync-answer';

type ConnectionState =
  | { readonly kind: 'waiting-for-room'; readonly queue: Uint8Array[]; queuedBytes: number }
  | { readonly kind: 'open'; readonly room: Room }
  | { readonly kind: 'closed' };

/** Why a connection ended, as counted in metrics. */
export type CloseReason =
  | 'client_closed'
  | 'protocol_error'
  | 'unsupported_data'
  | 'invalid_payload'
  | 'message_too_big'
  | 'rate_limited'
  | 'slow_consumer'
  | 'ping_timeout'
  | 'load_failed'
  | 'internal_error'
  | 'shutdown';

const reasonForCode: Partial<Record<number, CloseReason>> = {
  [CloseCode.ProtocolError]: 'protocol_error',
  [CloseCode.UnsupportedData]: 'unsupported_data',
  [CloseCode.InvalidPayload]: 'invalid_payload',
  [CloseCode.MessageTooBig]: 'message_too_big',
};

const transportErrorReasons: Partial<Record<string, CloseReason>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'message_too_big',
  WS_ERR_INVALID_UTF8: 'invalid_payload',
};

/** What a connection uses of the server; one object shared by every connection. */
export interface ConnectionDeps {
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly scheduler: Scheduler;
  /** Whether storage is writing normally now. */
  storageHealthy(): boolean;
  /**
   * Whether what this server accepts reaches the other copies of its documents now (whatever keeps
   * them: room-replication.ts); always true where there are none.
   */
  sharingHealthy(): boolean;
  /** Called once the socket is gone (after the connection recorded it), e.g. to stop tracking it. */
  readonly onSocketClosed?: (connection: Connection) => void;
}

/**
 * One exists per client and a restart brings every client back in the same second, so a connection
 * is kept small: no closures of its own, and it is the transport's event handler itself.
 */
export class Connection implements RoomConnection, SocketEvents {
  private state: ConnectionState = { kind: 'waiting-for-room', queue: [], queuedBytes: 0 };
  private readonly budget: FrameBudget;
  private slowClientTimer: TimerHandle | null = null;
  /** Created by the first whenFirstFrame: only the clients of a big loading document have any. */
  private firstFrameWaiters: Array<() => void> | null = null;
  /** The client has sent an extension message: it understands them, so it may be sent them. */
  speaksExtension = false;
  /** Created on the first log line: most connections never write one, and a child logger per connection costs memory. */
  private logger: Logger | null = null;

  constructor(
    readonly id: number,
    readonly docName: string,
    readonly permission: Permission,
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly deps: ConnectionDeps,
    /** The link that admitted it (role and record id, never the token); null where none did. */
    readonly grant: ConnectionGrant | null = null,
  ) {
    this.budget = new FrameBudget(limits, deps.scheduler);
    deps.metrics.connections.inc();
  }

  /** What the room tells it apart by from other editors (participants.ts); on the prototype, no field per connection. */
  get kind(): 'connection' {
    return 'connection';
  }

  get isClosed(): boolean {
    return this.state.kind === 'closed';
  }

  /** Called by the registry once the document is in memory: only now may sync start. */
  attach(room: Room): void {
    const state = this.state;
    if (state.kind !== 'waiting-for-room') return;
    this.state = { kind: 'open', room };
    // Nobody waits any more; a silent client must not keep a waiter (and the stored bytes it holds).
    this.releaseFirstFrameWaiters();
    this.guard(() => room.join(this));
    for (const frame of state.queue) {
      if (this.isClosed) return;
      this.process(frame);
    }
  }

  /** Resolves once the client has sent its first frame, or the connection has ended. */
  whenFirstFrame(): Promise<void> {
    const state = this.state;
    if (state.kind !== 'waiting-for-room' || state.queue.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.firstFrameWaiters ??= []).push(resolve));
  }

  /**
   * While the document loads: when the first frame this client sent is a sync step 1, answers it
   * from `content` (the stored bytes) and drops the frame. Returns null when it did not answer,
   * else a promise that resolves once the answer has been written out. Any other or malformed frame
   * (or a state vector that does not decode) stays queued for the room, which handles or refuses it.
   */
  answerQueuedSyncStep1(content: DocumentContent): Promise<void> | null {
    const state = this.state;
    if (state.kind !== 'waiting-for-room') return null;
    const frame = state.queue[0];
    if (frame === undefined) return null;
    let reply: Uint8Array;
    try {
      const message = decodeMessage(frame);
      if (message.type !== 'sync-step-1') return null;
      reply = answerSyncStep1(message.stateVector, content);
    } catch {
      return null;
    }
    state.queue.shift();
    state.queuedBytes -= frame.byteLength;
    this.deps.metrics.traffic.countReceived('sync-step-1');
    return new Promise((resolve) => this.send(reply, resolve));
  }

  /** Called for every frame the socket receives. */
  receive(frame: Uint8Array, isBinary: boolean): void {
    if (this.state.kind === 'closed') return;
    this.deps.metrics.traffic.bytesReceived += frame.byteLength;
    if (!isBinary) {
      this.close(CloseCode.UnsupportedData, 'text frames are not part of the protocol');
      return;
    }
    if (!this.budget.take(frame.byteLength)) {
      this.close(CloseCode.PolicyViolation, 'rate limit exceeded', 'rate_limited');
      return;
    }
    if (frame[0] === MessageType.Tandem && this.answerLiveness(frame)) return;
    if (this.state.kind === 'waiting-for-room') {
      this.state.queue.push(frame);
      this.state.queuedBytes += frame.byteLength;
      this.releaseFirstFrameWaiters();
      if (this.state.queuedBytes > this.limits.maxQueuedBytesWhileLoading) {
        this.close(CloseCode.PolicyViolation, 'too much data before the document loaded', 'rate_limited');
      }
      return;
    }
    this.process(frame);
  }

  /**
   * Answers a ping here, at once, whatever the room or the disk is doing (even while the document
   * loads): liveness says the server is reachable, not that it can save. Returns false for any
   * other extension message, which goes the normal way. A malformed frame also goes the normal way,
   * to be refused in order.
   */
  private answerLiveness(frame: Uint8Array): boolean {
    if (!this.speaksExtension) {
      this.speaksExtension = true;
      // Told once now, then on every change: a client that joins during an outage learns of it.
      if (!this.deps.storageHealthy()) this.send(encodeStorageState(false));
      if (!this.deps.sharingHealthy()) this.send(encodeSharingState(false));
    }
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch {
      return false;
    }
    if (message.type !== 'ping') return false;
    this.deps.metrics.traffic.countReceived('ping');
    this.send(encodePong(message.id));
    return true;
  }

  /** Tells a Tandem client whether the server can write right now (stock clients are never told). */
  /** Tells a Tandem client whether its edits reach the people editing other copies of the document. */
  notifySharingState(ok: boolean): void {
    if (this.speaksExtension) this.send(encodeSharingState(ok));
  }

  notifyStorageState(ok: boolean): void {
    if (this.speaksExtension) this.send(encodeStorageState(ok));
  }

  send(message: Uint8Array, onWritten?: () => void): void {
    if (this.state.kind === 'closed') {
      onWritten?.();
      return;
    }
    this.socket.send(message, onWritten);
    const traffic = this.deps.metrics.traffic;
    traffic.messagesSent++;
    traffic.bytesSent += message.byteLength;
    if (this.socket.bufferedAmount > this.limits.sendBufferLimitBytes) this.startSlowClientTimer();
  }

  /** Closes the connection from the server side. */
  close(code: CloseCode, reason: string, label?: CloseReason): void {
    if (this.state.kind === 'closed') return;
    const metricLabel = label ?? reasonForCode[code] ?? 'internal_error';
    const level = code === CloseCode.ServiceRestart || code === CloseCode.Normal ? 'debug' : 'warn';
    this.log(level, { code, reason, label: metricLabel }, 'closing connection');
    this.finish(metricLabel);
    this.socket.close(code, truncateReason(reason));
  }

  /** Drops a peer that cannot take a closing handshake (not reading, not answering pings). */
  terminate(reason: string, label: CloseReason): void {
    if (this.state.kind === 'closed') return;
    this.log('warn', { reason, label }, 'terminating connection');
    this.finish(label);
    this.socket.terminate();
  }

  /**
   * The `ws` library refused a frame (too big, bad framing) and is closing the socket with the
   * matching code; record why.
   */
  handleTransportError(error: Error & { code?: string }): void {
    if (this.state.kind === 'closed') return;
    const label = transportErrorReasons[error.code ?? ''] ?? 'protocol_error';
    this.deps.metrics.errors.inc({ kind: 'protocol' });
    this.log('warn', { code: error.code, reason: error.message, label }, 'closing connection');
    this.finish(label);
  }

  /** Called when the socket is gone, whoever closed it. */
  handleSocketClosed(code: number): void {
    if (this.state.kind === 'closed') return;
    this.log('debug', { code }, 'client closed connection');
    this.finish('client_closed');
  }

  // SocketEvents: what the transport reports about this connection's socket.

  onFrame(frame: Uint8Array, isBinary: boolean): void {
    this.receive(frame, isBinary);
  }

  onTransportError(error: Error & { code?: string }): void {
    this.handleTransportError(error);
  }

  onPingTimeout(): void {
    this.terminate('no answer to ping', 'ping_timeout');
  }

  onClose(code: number): void {
    this.handleSocketClosed(code);
    this.deps.onSocketClosed?.(this);
  }

  private releaseFirstFrameWaiters(): void {
    const waiters = this.firstFrameWaiters;
    if (waiters === null) return;
    this.firstFrameWaiters = null;
    for (const resolve of waiters) resolve();
  }

  private finish(label: CloseReason): void {
    const state = this.state;
    this.state = { kind: 'closed' };
    this.releaseFirstFrameWaiters();
    this.slowClientTimer?.cancel();
    this.slowClientTimer = null;
    this.deps.metrics.connections.dec();
    this.deps.metrics.closes.inc({ reason: label });
    if (state.kind === 'open') state.room.leave(this);
  }

  private process(frame: Uint8Array): void {
    if (this.state.kind !== 'open') return;
    const room = this.state.room;
    this.guard(() => {
      const message = decodeMessage(frame);
      this.deps.metrics.traffic.countReceived(message.type);
      room.handleMessage(this, message);
    });
  }

  /** Runs room work for this connection; any failure ends this connection and nothing else. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.deps.metrics.errors.inc({ kind: 'protocol' });
        this.close(error.closeCode, error.message);
      } else {
        this.deps.metrics.errors.inc({ kind: 'internal' });
        this.log('error', { err: error }, 'unexpected error handling a message');
        this.close(CloseCode.InternalError, 'internal error', 'internal_error');
      }
    }
  }

  private log(level: 'debug' | 'warn' | 'error', fields: object, message: string): void {
    if (!this.deps.logger.isLevelEnabled(level)) return;
    this.logger ??= this.deps.logger.child({ connection: this.id, doc: this.docName });
    this.logger[level](fields, message);
  }

  private startSlowClientTimer(): void {
    if (this.slowClientTimer !== null) return;
    this.slowClientTimer = this.deps.scheduler.setTimeout(() => {
      this.slowClientTimer = null;
      if (this.socket.bufferedAmount > this.limits.sendBufferLimitBytes) {
        this.terminate(`client left ${this.socket.bufferedAmount} bytes unread`, 'slow_consumer');
      }
    }, this.limits.slowClientTimeoutMs);
  }
}

/** A close reason must fit in a control frame: at most 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  return new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, '') + '...';
}
