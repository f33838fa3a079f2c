/**
 * In-memory WebSockets for the client's transport: a scripted one that a test plays the server
 * for, and a pair that connects the real client stack to a real room (createRoomHarness). No
 * network and no timers; frames between client and room cross in microtasks, as over a socket
 * they cross in separate events, so a test settles them with `settle()`.
 */
import { documentNameFromUrl } from '../../lib/protocol/document-path';
import { decodeMessage, type Message } from '../../lib/protocol/messages';
import type { WebSocketConstructor, WebSocketLike } from '../../lib/client/transport/websocket-transport';
import type { Connection } from '../../sync-server/connection/connection';
import type { Permission } from '../../sync-server/room/permissions';
import type { Socket } from '../../sync-server/connection/socket';

type Listeners = {
  open: Array<() => void>;
  error: Array<() => void>;
  message: Array<(event: { readonly data: unknown }) => void>;
  close: Array<(event: { readonly code: number; readonly reason?: string }) => void>;
};

/** The client's end. The test (or a RoomLink) plays the server through open/receive/serverClose. */
export class MemoryWebSocket implements WebSocketLike {
  binaryType: BinaryType = 'blob';
  readyState: 'connecting' | 'open' | 'closed' = 'connecting';
  /** Frames the client sent, decoded. */
  readonly sent: Message[] = [];
  /** How the client closed it, if it did. */
  closedByClient: { code: number | undefined; reason: string | undefined } | null = null;
  /** Called for every frame the client sends (a RoomLink hands them to the server). */
  onClientFrame: ((frame: Uint8Array) => void) | null = null;
  onClientClose: ((code: number) => void) | null = null;
  private readonly listeners: Listeners = { open: [], error: [], message: [], close: [] };

  constructor(readonly url: string) {}

  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason?: string }) => void): void;
  addEventListener(type: keyof Listeners, listener: never): void {
    (this.listeners[type] as unknown[]).push(listener);
  }

  send(data: Uint8Array): void {
    // As in a browser: sending before open throws, sending after close is silently dropped.
    if (this.readyState === 'connecting') throw new Error('InvalidStateError: still connecting');
    if (this.readyState === 'closed') return;
    this.sent.push(decodeMessage(data));
    this.onClientFrame?.(data.slice());
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.closedByClient = { code, reason };
    this.onClientClose?.(code ?? 1005);
    // A browser reports the end of a socket it closed itself too, later.
    queueMicrotask(() => this.fire('close', { code: code ?? 1005 }));
  }

  // The server's side of the script.
  open(): void {
    this.readyState = 'open';
    this.fire('open');
  }

  receive(frame: Uint8Array): void {
    if (this.readyState !== 'open') return;
    this.fire('message', { data: frame.slice().buffer });
  }

  serverClose(code: number, reason = ''): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.fire('close', { code, reason });
  }

  sentOfType<T extends Message['type']>(type: T): Extract<Message, { type: T }>[] {
    return this.sent.filter((message): message is Extract<Message, { type: T }> => message.type === type);
  }

  private fire(type: 'open' | 'error'): void;
  private fire(type: 'message', event: { readonly data: unknown }): void;
  private fire(type: 'close', event: { readonly code: number; readonly reason?: string }): void;
  private fire(type: keyof Listeners, event?: unknown): void {
    for (const listener of [...this.listeners[type]]) (listener as (event: unknown) => void)(event);
  }
}

/** A WebSocket class for the transport that records every socket it makes, newest last. */
export function scriptedWebSockets(): { WebSocket: WebSocketConstructor; sockets: MemoryWebSocket[]; latest(): MemoryWebSocket } {
  const sockets: MemoryWebSocket[] = [];
  class Scripted extends MemoryWebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket: Scripted,
    sockets,
    latest() {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}

/** The server's end of a RoomLink, as sync-server/connection/socket.ts describes it. */
class RoomSideSocket implements Socket {
  bufferedAmount = 0;
  gone = false;

  constructor(private readonly link: RoomLink) {}

  send(data: Uint8Array, onWritten?: () => void): void {
    if (!this.gone) this.link.toClient(data.slice());
    onWritten?.();
  }

  close(code: number): void {
    this.link.end(code);
  }

  terminate(): void {
    this.link.end(1006);
  }
}

/** One client socket connected to a room. `silence()` turns it into a black hole, as a dead network does. */
export class RoomLink {
  readonly client: MemoryWebSocket;
  readonly connection: Connection;
  private readonly server: RoomSideSocket;
  private silent = false;

  constructor(url: string, accept: (docName: string, socket: Socket) => Connection) {
    this.client = new MemoryWebSocket(url);
    this.server = new RoomSideSocket(this);
    const docName = documentNameFromUrl(new URL(url).pathname);
    if (docName === null) throw new Error(`no document name in ${url}`);
    // The upgrade completes (open) before anything the server sends can arrive.
    queueMicrotask(() => this.client.readyState === 'connecting' && this.client.open());
    this.connection = accept(docName, this.server);
    this.client.onClientFrame = (frame) => {
      if (!this.silent) queueMicrotask(() => this.connection.receive(frame, true));
    };
    this.client.onClientClose = (code) => {
      this.server.gone = true;
      queueMicrotask(() => this.connection.handleSocketClosed(code));
    };
  }

  silence(): void {
    this.silent = true;
  }

  toClient(frame: Uint8Array): void {
    if (!this.silent) queueMicrotask(() => this.client.receive(frame));
  }

  end(code: number): void {
    if (this.server.gone) return;
    this.server.gone = true;
    queueMicrotask(() => {
      this.client.serverClose(code);
      this.connection.handleSocketClosed(code);
    });
  }
}

/** A WebSocket class whose sockets connect to `harness`'s rooms, with the permission a token would give. */
export function roomWebSockets(
  harness: { accept(docName: string, socket: Socket, permission?: Permission): Connection },
  permission: Permission = 'write',
): { WebSocket: WebSocketConstructor; links: RoomLink[] } {
  const links: RoomLink[] = [];
  class ToRoom implements WebSocketLike {
    private readonly link: RoomLink;
    constructor(url: string) {
      this.link = new RoomLink(url, (docName, socket) => harness.accept(docName, socket, permission));
      links.push(this.link);
    }
    get binaryType(): BinaryType {
      return this.link.client.binaryType;
    }
    set binaryType(value: BinaryType) {
      this.link.client.binaryType = value;
    }
    addEventListener(type: 'open' | 'error', listener: () => void): void;
    addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
    addEventListener(type: 'close', listener: (event: { readonly code: number }) => void): void;
    addEventListener(type: 'open' | 'error' | 'message' | 'close', listener: never): void {
      this.link.client.addEventListener(type as 'open', listener);
    }
    send(data: Uint8Array): void {
      this.link.client.send(data);
    }
    close(code?: number, reason?: string): void {
      this.link.client.close(code, reason);
    }
  }
  return { WebSocket: ToRoom, links };
}

/** Lets every queued frame, storage promise and end-of-turn relay or write run (each turn is a check phase); bounded. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
