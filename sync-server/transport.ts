/**
 * The only module that knows the `ws` library: accepts WebSocket upgrades on the HTTP server, turns
 * each socket into the small Socket interface, forwards frames and closes, and pings every socket so
 * that peers which vanished without a close (lost network, sleeping laptop) are dropped in seconds.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Scheduler, TimerHandle } from './scheduler';
import type { Socket } from './socket';

/** What the server wants done with an upgrade request, decided before any WebSocket exists. */
export type UpgradeDecision<Context> =
  | { readonly accept: true; readonly context: Context }
  | { readonly accept: false; readonly status: number; readonly message: string };

export interface SocketEvents {
  onFrame(frame: Uint8Array, isBinary: boolean): void;
  /** A transport-level failure the `ws` library detected (oversized frame, bad framing). */
  onTransportError(error: Error & { code?: string }): void;
  onPingTimeout(): void;
  onClose(code: number): void;
}

export interface TransportOptions<Context> {
  readonly maxPayload: number;
  readonly pingIntervalMs: number;
  readonly scheduler: Scheduler;
  decideUpgrade(request: IncomingMessage): UpgradeDecision<Context>;
  /** Called once per accepted socket; returns the handlers for its events. */
  accept(socket: Socket, context: Context): SocketEvents;
}

export class WebSocketTransport<Context> {
  private readonly wss: WebSocketServer;
  /** Per socket: its event handlers and whether it answered the last ping. */
  private readonly peers = new Map<WebSocket, { events: SocketEvents; alive: boolean }>();
  private readonly pingTimer: TimerHandle;

  constructor(
    private readonly httpServer: HttpServer,
    private readonly options: TransportOptions<Context>,
  ) {
    // Compression is off: Yjs updates are small binary deltas, and deflate costs CPU on every frame.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false });
    httpServer.on('upgrade', this.handleUpgrade);
    this.pingTimer = options.scheduler.setInterval(() => this.pingAll(), options.pingIntervalMs);
  }

  /** Stops accepting upgrades; existing sockets stay open. */
  stopAccepting(): void {
    this.httpServer.off('upgrade', this.handleUpgrade);
    this.httpServer.on('upgrade', rejectUpgrade);
  }

  /** Stops pinging and closes the WebSocket server (sockets must have been closed by their owners). */
  close(): void {
    this.pingTimer.cancel();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private readonly handleUpgrade = (request: IncomingMessage, tcp: Duplex, head: Buffer): void => {
    let decision: UpgradeDecision<Context>;
    try {
      decision = this.options.decideUpgrade(request);
    } catch {
      decision = { accept: false, status: 500, message: 'internal error' };
    }
    if (!decision.accept) {
      writeHttpError(tcp, decision.status, decision.message);
      return;
    }
    const { context } = decision;
    this.wss.handleUpgrade(request, tcp, head, (ws) => this.adopt(ws, tcp, context));
  };

  private adopt(ws: WebSocket, tcp: Duplex, context: Context): void {
    // Frames sent to one socket during a turn are held (corked) and leave in one write at its end.
    let corked = false;
    const uncork = () => {
      corked = false;
      tcp.uncork();
    };
    const socket: Socket = {
      send: (data, onWritten) => {
        if (!corked) {
          corked = true;
          tcp.cork();
          this.options.scheduler.atEndOfTurn(uncork);
        }
        ws.send(data, { binary: true }, onWritten === undefined ? undefined : () => onWritten());
      },
      close: (code, reason) => {
        ws.close(code, reason);
        // The close frame must not wait for the end of the turn: a shutdown may drop the socket first.
        if (corked) uncork();
      },
      terminate: () => ws.terminate(),
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    };
    const events = this.options.accept(socket, context);
    const peer = { events, alive: true };
    this.peers.set(ws, peer);
    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => events.onFrame(toUint8Array(data), isBinary));
    ws.on('error', (error: Error & { code?: string }) => events.onTransportError(error));
    ws.on('close', (code: number) => {
      this.peers.delete(ws);
      events.onClose(code);
    });
  }

  private pingAll(): void {
    for (const [ws, peer] of this.peers) {
      if (!peer.alive) {
        peer.events.onPingTimeout();
        ws.terminate();
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
  }
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
