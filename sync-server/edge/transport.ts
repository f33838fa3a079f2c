/**
 * The only module that knows the `ws` library: accepts WebSocket upgrades on the HTTP server (or the
 * HTTPS one: WebSocket over TLS is the same upgrade), turns each socket into the small Socket
 * interface, forwards frames and closes, and has the sockets that went quiet pinged so that peers
 * which vanished without a close (lost network, sleeping laptop) are dropped in seconds
 * (liveness-wheel.ts).
 *
 * Everything here exists once per socket and thousands of sockets can arrive in the same second
 * (a restart, a connection storm), so a socket costs one adapter object and no closures: the event
 * listeners are shared functions that find their adapter on the WebSocket.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData, type Server as WsServer } from 'ws';
import type { Scheduler } from '../scheduler';
import { ignoredSocketEvents, type Socket, type SocketEvents } from '../connection/socket';
import { LivenessWheel, type LivenessActions, type WatchedPeer } from './liveness-wheel';
import { encodeBinaryFrame } from './websocket-frame';

export type { SocketEvents } from '../connection/socket';

/** What the server wants done with an upgrade request, decided before any WebSocket exists. */
export type UpgradeDecision<Context> =
  | { readonly accept: true; readonly context: Context }
  | { readonly accept: false; readonly status: number; readonly message: string };

export interface TransportOptions<Context> {
  readonly maxPayload: number;
  readonly pingIntervalMs: number;
  readonly scheduler: Scheduler;
  /** May wait (a link record's lookup); the upgrade is answered once it is made. */
  decideUpgrade(request: IncomingMessage): UpgradeDecision<Context> | Promise<UpgradeDecision<Context>>;
  /** Called once per accepted socket; returns the handlers for its events. */
  accept(socket: Socket, context: Context): SocketEvents;
}

/** The `ws` WebSocket with a slot for its adapter, so shared listeners need no lookup. */
class PeerWebSocket extends WebSocket {
  peer: Peer | null = null;
}

const binaryFrame = { binary: true } as const;
const internalError = { accept: false, status: 500, message: 'internal error' } as const;
/** Above this a payload is handed to ws as it is, without the copy that framing it here costs. */
const MAX_SHARED_FRAME_BYTES = 16 * 1024;

/** One accepted socket as the Socket interface, and what the transport tracks about it. */
class Peer implements Socket, WatchedPeer {
  /** Set right after `accept` returns; frames cannot arrive before (they are read on a later turn). */
  events: SocketEvents = ignoredSocketEvents;
  // What the liveness wheel keeps about it (liveness-wheel.ts).
  heard = true;
  pinged = false;
  slot = 0;
  /** Whether its TCP socket holds this turn's frames (see PeerGroup). */
  corked = false;

  constructor(
    readonly ws: PeerWebSocket,
    readonly tcp: Duplex,
    readonly group: PeerGroup,
  ) {}

  send(data: Uint8Array, onWritten?: () => void): void {
    if (!this.corked) this.group.hold(this);
    if (this.ws.readyState !== WebSocket.OPEN || data.byteLength > MAX_SHARED_FRAME_BYTES) {
      // ws itself: it refuses data once closing has begun, and sends a big payload without a copy.
      this.ws.send(data, binaryFrame, onWritten === undefined ? undefined : () => onWritten());
      return;
    }
    // The same relayed payload goes to every socket of a room in a row: framed once, written to each.
    // Without compression ws writes each frame at once and in order, so frames written here and
    // frames ws writes (pings, the close frame) never interleave.
    this.tcp.write(this.group.frameOf(data), onWritten === undefined ? undefined : () => onWritten());
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
    // The close frame must not wait for the end of the turn: a shutdown may drop the socket first.
    this.group.release(this);
  }

  terminate(): void {
    this.ws.terminate();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/**
 * The open sockets of a transport. Frames sent to one socket during a turn are held (corked) and
 * leave in one write at its end; one end-of-turn task releases every socket corked in the turn.
 */
class PeerGroup {
  /** The open sockets, watched for peers that vanished. */
  readonly open: LivenessWheel<Peer>;
  private held: Peer[] = [];
  private releaseScheduled = false;
  /** The payload framed last and its frame: a relay sends one payload to many sockets in a row. */
  private lastPayload: Uint8Array | null = null;
  private lastFrame: Buffer | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    pingIntervalMs: number,
  ) {
    this.open = new LivenessWheel<Peer>(pingIntervalMs, scheduler, livenessActions);
  }

  hold(peer: Peer): void {
    peer.corked = true;
    peer.tcp.cork();
    this.held.push(peer);
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    this.scheduler.atEndOfTurn(this.releaseAll);
  }

  release(peer: Peer): void {
    if (!peer.corked) return;
    peer.corked = false;
    peer.tcp.uncork();
  }

  frameOf(payload: Uint8Array): Buffer {
    if (payload !== this.lastPayload || this.lastFrame === null) {
      this.lastPayload = payload;
      this.lastFrame = encodeBinaryFrame(payload);
    }
    return this.lastFrame;
  }

  private readonly releaseAll = (): void => {
    this.releaseScheduled = false;
    this.lastPayload = null;
    this.lastFrame = null;
    const held = this.held;
    this.held = [];
    // A peer released early (closed) or corked again later in the turn is skipped or released once.
    for (const peer of held) this.release(peer);
  };
}

export class WebSocketTransport<Context> {
  private readonly wss: WsServer<typeof PeerWebSocket>;
  private readonly peers: PeerGroup;

  constructor(
    private readonly httpServer: HttpServer | HttpsServer,
    private readonly options: TransportOptions<Context>,
  ) {
    this.peers = new PeerGroup(options.scheduler, options.pingIntervalMs);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      // Compression is off: Yjs updates are small binary deltas, and deflate costs CPU on every frame.
      perMessageDeflate: false,
      // `peers` tracks the sockets; the library's own set would add a listener closure per socket.
      clientTracking: false,
      WebSocket: PeerWebSocket,
    });
    httpServer.on('upgrade', this.handleUpgrade);
  }

  /** Stops accepting upgrades; existing sockets stay open. */
  stopAccepting(): void {
    this.httpServer.off('upgrade', this.handleUpgrade);
    this.httpServer.on('upgrade', rejectUpgrade);
  }

  /** Stops pinging and closes the WebSocket server (sockets must have been closed by their owners). */
  close(): void {
    this.peers.open.stop();
    for (const peer of this.peers.open.peers()) peer.ws.terminate();
    this.wss.close();
  }

  private readonly handleUpgrade = (request: IncomingMessage, tcp: Duplex, head: Buffer): void => {
    // While the decision is made the socket may fail or be closed by its client: an error then must
    // not go unheard, and a socket gone is not upgraded (ws checks it is still readable and writable).
    const ignoreError = (): void => undefined;
    tcp.on('error', ignoreError);
    let pending: UpgradeDecision<Context> | Promise<UpgradeDecision<Context>>;
    try {
      pending = this.options.decideUpgrade(request);
    } catch {
      pending = internalError;
    }
    void Promise.resolve(pending)
      .catch(() => internalError as UpgradeDecision<Context>)
      .then((decision) => {
        tcp.off('error', ignoreError);
        if (tcp.destroyed) return;
        if (!decision.accept) {
          writeHttpError(tcp, decision.status, decision.message);
          return;
        }
        const { context } = decision;
        this.wss.handleUpgrade(request, tcp, head, (ws) => this.adopt(ws, tcp, context));
      });
  };

  private adopt(ws: PeerWebSocket, tcp: Duplex, context: Context): void {
    const peer = new Peer(ws, tcp, this.peers);
    peer.events = this.options.accept(peer, context);
    ws.peer = peer;
    this.peers.open.add(peer);
    ws.on('pong', onPong);
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onClose);
  }
}

// The listeners of every socket; `this` is the WebSocket that emitted the event.

function peerOf(ws: WebSocket): Peer | null {
  return ws instanceof PeerWebSocket ? ws.peer : null;
}

function onPong(this: WebSocket): void {
  const peer = peerOf(this);
  if (peer !== null) peer.heard = true;
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const peer = peerOf(this);
  if (peer === null) return;
  peer.heard = true;
  peer.events.onFrame(toUint8Array(data), isBinary);
}

function onError(this: WebSocket, error: Error & { code?: string }): void {
  peerOf(this)?.events.onTransportError(error);
}

const livenessActions: LivenessActions<Peer> = {
  ping: (peer) => peer.ws.ping(),
  drop: (peer) => {
    peer.events.onPingTimeout();
    peer.ws.terminate();
  },
};

function onClose(this: WebSocket, code: number): void {
  const peer = peerOf(this);
  if (peer === null) return;
  peer.group.open.remove(peer);
  peer.events.onClose(code);
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function rejectUpgrade(_request: IncomingMessage, tcp: Duplex): void {
  writeHttpError(tcp, 503, 'server is shutting down');
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function writeHttpError(tcp: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  tcp.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
