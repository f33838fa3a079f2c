/**
 * The provider's connection lifecycle against a scripted fake WebSocket and fake timers: what it
 * sends, when it retries and when it gives up. The real server and browser are in tests/browser.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  decodeMessage,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  type Message,
} from '../../lib/protocol/messages';
import { SyncProvider } from '../../lib/client/sync-provider';

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];

  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  readonly sent: Message[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(frame: Uint8Array): void {
    this.sent.push(decodeMessage(frame));
  }

  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }

  // The server's side of the script.
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(frame: Uint8Array): void {
    const copy = frame.slice();
    this.onmessage?.({ data: copy.buffer });
  }

  serverClose(code: number): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code });
  }

  /** Accepts the connection the way the sync server does: its step 1, then its step 2 answer. */
  accept(serverDoc = new Y.Doc()): void {
    this.open();
    this.receive(encodeSyncStep1(Y.encodeStateVector(serverDoc)));
    this.receive(encodeSyncStep2(Y.encodeStateAsUpdate(serverDoc)));
  }
}

const windowEvents = new EventTarget();
let online = true;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  online = true;
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('window', windowEvents);
  vi.stubGlobal('navigator', {
    get onLine() {
      return online;
    },
  });
});

const providers: SyncProvider[] = [];

afterEach(() => {
  // A failed test must not leave listeners on the shared window for the next one.
  for (const provider of providers.splice(0)) provider.destroy();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function latest(): FakeSocket {
  const socket = FakeSocket.all.at(-1);
  if (!socket) throw new Error('no socket was opened');
  return socket;
}

function makeProvider(params: Record<string, string> = {}) {
  const provider = new SyncProvider({ baseUrl: 'ws://sync.test:1234', docName: 'doc/1', doc: new Y.Doc(), params, saveDelayMs: 10 });
  providers.push(provider);
  return provider;
}

describe('SyncProvider', () => {
  it('opens the document URL with its parameters and is connected only once the server accepts', () => {
    const provider = makeProvider({ token: 'abc' });
    expect(latest().url).toBe('ws://sync.test:1234/doc%2F1?token=abc');
    expect(provider.getSnapshot().connection).toBe('connecting');
    latest().open();
    expect(provider.getSnapshot().connection).toBe('connecting');
    latest().accept();
    expect(provider.getSnapshot().connection).toBe('connected');
  });

  it('confirms saves only for the latest request and after local edits are sent', () => {
    const provider = makeProvider();
    const socket = latest();
    socket.accept();
    vi.advanceTimersByTime(0);
    const first = socket.sent.find((m) => m.type === 'save-request');
    expect(first).toBeDefined();
    expect(provider.getSnapshot().save).toBe('saving');
    provider.doc.getText('t').insert(0, 'hi');
    expect(socket.sent.some((m) => m.type === 'sync-update')).toBe(true);
    if (first?.type === 'save-request') socket.receive(encodeSaved(first.requestId));
    expect(provider.getSnapshot().save).toBe('saving');
    vi.advanceTimersByTime(10);
    const requests = socket.sent.filter((m) => m.type === 'save-request');
    const last = requests.at(-1);
    if (last?.type === 'save-request') socket.receive(encodeSaved(last.requestId));
    expect(provider.getSnapshot().save).toBe('saved');
  });

  it('never retries after a permanent close code, and explains why', () => {
    const provider = makeProvider();
    latest().open();
    latest().serverClose(4401);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(provider.getSnapshot()).toMatchObject({ connection: 'offline', problem: { kind: 'forbidden', code: 4401 } });
  });

  it('retries with growing, capped, jittered delays and at once after a restart (1012)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.9999);
    const provider = makeProvider();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.all.length;
      latest().serverClose(1006);
      let waited = 0;
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    latest().accept();
    latest().serverClose(1012);
    vi.advanceTimersByTime(300);
    expect(latest().readyState).toBe(FakeSocket.CONNECTING);
    expect(FakeSocket.all).toHaveLength(9);
  });

  it('goes offline on the browser offline event and reconnects at once when back online', () => {
    const provider = makeProvider();
    latest().accept();
    online = false;
    windowEvents.dispatchEvent(new Event('offline'));
    expect(provider.getSnapshot().connection).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    online = true;
    windowEvents.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(2);
    latest().accept();
    expect(provider.getSnapshot().connection).toBe('connected');
  });

  it('declares a silent socket dead within 3 s by probing it with a save request', () => {
    const provider = makeProvider();
    const socket = latest();
    socket.accept();
    const acceptedAt = Date.now();
    while (provider.getSnapshot().connection === 'connected') vi.advanceTimersByTime(50);
    expect(Date.now() - acceptedAt).toBeLessThanOrEqual(3_000);
    expect(socket.sent.filter((m) => m.type === 'save-request').length).toBeGreaterThanOrEqual(1);
  });

  it('keeps a socket that answers its probes', () => {
    const provider = makeProvider();
    const socket = latest();
    socket.accept();
    for (let t = 0; t < 20_000; t += 100) {
      vi.advanceTimersByTime(100);
      const probe = socket.sent.at(-1);
      if (probe?.type === 'save-request') socket.receive(encodeSaved(probe.requestId));
    }
    expect(provider.getSnapshot().connection).toBe('connected');
    expect(FakeSocket.all).toHaveLength(1);
  });
});
