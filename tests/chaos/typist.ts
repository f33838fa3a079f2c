/**
 * A person typing into one document on one node: a stock y-websocket client (WebsocketProvider
 * with a Y.Doc, as tests/helpers/server-harness.ts connects them) that appends a unique marker at
 * the end of the text now and then, and asks for a save (the Tandem extension's save request, sent
 * on the provider's own socket) every few markers. A marker counts as acknowledged only when it
 * went out on the socket that later answered "saved" for a request sent after it: a marker typed
 * while offline travels in a later sync step 2, which no acknowledgement is matched against.
 */
import type WebSocket from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import { decodeMessage, encodeSaveRequest, MessageType } from '../../lib/protocol/messages';
import { connectClient, textOf } from '../helpers/server-harness';

const SAVE_EVERY_MARKERS = 4;

interface PendingSave {
  readonly socket: WebSocket;
  readonly markers: readonly string[];
}

export class Typist {
  readonly provider: WebsocketProvider;
  /** Every marker typed, in order. */
  readonly typed: string[] = [];
  /** Markers a "saved" answer covered. */
  readonly acknowledged: string[] = [];
  private readonly sentSinceRequest = new Map<WebSocket, string[]>();
  private readonly pending = new Map<number, PendingSave>();
  private listening: WebSocket | null = null;
  private nextRequest = 1;

  constructor(
    readonly name: string,
    readonly doc: string,
    url: string,
  ) {
    this.provider = connectClient(url, doc);
    // The answers arrive on the provider's socket too; it has no handler for them and would log
    // "Unable to compute message" for each. An empty handler writes no reply.
    this.provider.messageHandlers[MessageType.Tandem] = () => undefined;
    this.provider.on('status', () => this.listenToSocket());
  }

  get text(): string {
    return textOf(this.provider);
  }

  /** Appends the next marker, e.g. "[d2.n1.c0#17]". */
  type(): void {
    const marker = `[${this.name}#${this.typed.length}]`;
    const text = this.provider.doc.getText('t');
    text.insert(text.length, marker);
    this.typed.push(marker);
    const socket = this.openSocket();
    if (socket !== null) {
      const sent = this.sentSinceRequest.get(socket) ?? [];
      sent.push(marker);
      this.sentSinceRequest.set(socket, sent);
      if (sent.length >= SAVE_EVERY_MARKERS) this.requestSave(socket);
    }
  }

  destroy(): void {
    this.provider.destroy();
    this.pending.clear();
    this.sentSinceRequest.clear();
  }

  private requestSave(socket: WebSocket): void {
    const id = this.nextRequest++;
    this.pending.set(id, { socket, markers: this.sentSinceRequest.get(socket) ?? [] });
    this.sentSinceRequest.set(socket, []);
    socket.send(encodeSaveRequest(id));
  }

  /** The provider's socket while it is connected (what it sends updates on), else null. */
  private openSocket(): WebSocket | null {
    const socket = this.provider.ws as unknown as WebSocket | null;
    return this.provider.wsconnected && socket !== null ? socket : null;
  }

  private listenToSocket(): void {
    const socket = this.openSocket();
    if (socket === null || socket === this.listening) return;
    this.listening = socket;
    // What a closed socket still owed is never acknowledged: forget it.
    for (const [id, save] of this.pending) if (save.socket !== socket) this.pending.delete(id);
    for (const old of this.sentSinceRequest.keys()) if (old !== socket) this.sentSinceRequest.delete(old);
    socket.addEventListener('message', (event) => {
      const data = event.data;
      if (!(data instanceof ArrayBuffer) && !Buffer.isBuffer(data)) return;
      const bytes = new Uint8Array(data as ArrayBuffer);
      if (bytes[0] !== MessageType.Tandem) return;
      const message = decodeMessage(bytes);
      if (message.type !== 'saved') return;
      const save = this.pending.get(message.requestId);
      if (save === undefined || save.socket !== socket) return;
      this.pending.delete(message.requestId);
      this.acknowledged.push(...save.markers);
    });
  }
}
