/**
 * The reconnecting transport against scripted sockets and a manual clock: when it connects, how
 * it notices a dead link, when it retries and when it gives up. Nothing here knows Yjs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodePong, encodeSaved, encodeSyncStep1 } from '../../lib/protocol/messages';
import type { LinkLoss, TransportState } from '../../lib/client/transport/transport';
import { WebSocketTransport, type WebSocketTransportOptions } from '../../lib/client/transport/websocket-transport';
import { FakePageEnvironment } from '../helpers/fake-page-environment';
import { ManualScheduler } from '../helpers/manual-scheduler';
import { scriptedWebSockets } from '../helpers/memory-websocket';

const transports: WebSocketTransport[] = [];

afterEach(() => {
  for (const transport of transports.splice(0)) transport.close();
});

function setUp(options: Partial<WebSocketTransportOptions> = {}) {
  const clock = new ManualScheduler();
  const environment = new FakePageEnvironment();
  const sockets = scriptedWebSockets();
  const transport = new WebSocketTransport({
    url: 'ws://sync.test:1234/doc?token=abc',
    clock,
    environment,
    WebSocket: sockets.WebSocket,
    random: () => 0.9999,
    ...options,
  });
  transports.push(transport);
  const events = { opened: 0, frames: [] as Uint8Array[], losses: [] as LinkLoss[], states: [] as TransportState['kind'][] };
  transport.listen({
    onOpen: () => events.opened++,
    onFrame: (frame) => events.frames.push(frame),
    onLinkLost: (loss) => events.losses.push(loss),
    onStateChange: (state) => events.states.push(state.kind),
  });
  return { clock, environment, sockets, transport, events };
}

/** Advances in small steps until `done()`, returning the time it took; bounded by `limitMs`. */
function advanceUntil(clock: ManualScheduler, done: () => boolean, limitMs: number, stepMs = 10): number {
  let waited = 0;
  while (!done() && waited < limitMs) {
    clock.advance(stepMs);
    waited += stepMs;
  }
  return waited;
}

describe('WebSocketTransport', () => {
  it('connects to its URL, reports open and hands on frames but not pongs', () => {
    const { sockets, transport, events } = setUp();
    transport.open();
    expect(sockets.latest().url).toBe('ws://sync.test:1234/doc?token=abc');
    expect(sockets.latest().binaryType).toBe('arraybuffer');
    expect(transport.state.kind).toBe('connecting');
    expect(transport.send(Uint8Array.of(1))).toBe(false);
    sockets.latest().open();
    expect(transport.state.kind).toBe('open');
    expect(events.opened).toBe(1);
    sockets.latest().receive(encodeSyncStep1(Uint8Array.of(0)));
    sockets.latest().receive(encodePong(7));
    expect(events.frames).toEqual([encodeSyncStep1(Uint8Array.of(0))]);
    expect(transport.send(encodeSaved(1))).toBe(true);
  });

  it('probes a quiet link with pings, never with save requests, and keeps one that answers', () => {
    const { clock, sockets, transport } = setUp();
    transport.open();
    const socket = sockets.latest();
    socket.open();
    let answered = 0;
    for (let t = 0; t < 20_000; t += 100) {
      clock.advance(100);
      for (const ping of socket.sentOfType('ping').slice(answered)) socket.receive(encodePong(ping.id));
      answered = socket.sentOfType('ping').length;
    }
    expect(transport.state.kind).toBe('open');
    expect(sockets.sockets).toHaveLength(1);
    expect(socket.sentOfType('ping').length).toBeGreaterThan(10);
    expect(socket.sentOfType('save-request')).toHaveLength(0);
  });

  it('any frame from the server counts as a sign of life', () => {
    const { clock, sockets, transport } = setUp();
    transport.open();
    sockets.latest().open();
    for (let t = 0; t < 10_000; t += 500) {
      clock.advance(500);
      sockets.latest().receive(encodeSaved(1));
    }
    expect(transport.state.kind).toBe('open');
    // Only the ping every link starts with: the frames kept it from ever looking quiet.
    expect(sockets.latest().sentOfType('ping')).toHaveLength(1);
  });

  it('declares a silent link dead within 3 s, closes it and retries', () => {
    const { clock, sockets, transport, events } = setUp();
    transport.open();
    const socket = sockets.latest();
    socket.open();
    const [firstPing] = socket.sentOfType('ping');
    socket.receive(encodePong(firstPing!.id));
    const waited = advanceUntil(clock, () => transport.state.kind !== 'open', 10_000);
    expect(waited).toBeLessThanOrEqual(3_000);
    expect(events.losses).toEqual([{ cause: 'unresponsive', code: null }]);
    expect(socket.closedByClient).not.toBeNull();
    expect(transport.state.kind).toBe('waiting');
    advanceUntil(clock, () => sockets.sockets.length === 2, 1_000);
    expect(sockets.sockets).toHaveLength(2);
  });

  it('abandons a socket that never opens after the connect timeout', () => {
    const { clock, sockets, transport, events } = setUp({ connectTimeoutMs: 5_000 });
    transport.open();
    const waited = advanceUntil(clock, () => events.losses.length > 0, 20_000, 100);
    expect(waited).toBeGreaterThan(5_000);
    expect(waited).toBeLessThanOrEqual(5_300);
    expect(events.losses[0]?.cause).toBe('connect-failed');
    expect(sockets.sockets[0]?.closedByClient).not.toBeNull();
  });

  it('pings as soon as the link opens, and gives a server that has not answered yet the connect timeout', () => {
    const { clock, sockets, transport, events } = setUp({ connectTimeoutMs: 6_000 });
    transport.open();
    sockets.latest().open();
    expect(sockets.latest().sentOfType('ping')).toHaveLength(1);
    const waited = advanceUntil(clock, () => events.losses.length > 0, 20_000, 100);
    expect(waited).toBeGreaterThan(6_000);
    expect(waited).toBeLessThanOrEqual(6_300);
    expect(events.losses).toEqual([{ cause: 'unresponsive', code: null }]);
  });

  it('retries with growing, capped, jittered delays; a confirmed link starts the backoff over; 1012 retries at once', () => {
    const { clock, sockets, transport } = setUp();
    transport.open();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = sockets.sockets.length;
      sockets.latest().serverClose(1006);
      delays.push(advanceUntil(clock, () => sockets.sockets.length > before, 60_000));
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);

    sockets.latest().open();
    transport.markEstablished();
    sockets.latest().serverClose(1006);
    expect(transport.state).toEqual({ kind: 'waiting', retryInMs: 499 });

    advanceUntil(clock, () => transport.state.kind === 'connecting', 1_000);
    sockets.latest().open();
    const before = sockets.sockets.length;
    sockets.latest().serverClose(1012);
    expect(advanceUntil(clock, () => sockets.sockets.length > before, 1_000)).toBeLessThanOrEqual(300);
  });

  it('never retries after a permanent close code (4401, 4403)', () => {
    for (const code of [4401, 4403]) {
      const { clock, sockets, transport, events } = setUp();
      transport.open();
      sockets.latest().open();
      sockets.latest().serverClose(code);
      clock.advance(120_000);
      expect(sockets.sockets).toHaveLength(1);
      expect(transport.state).toEqual({ kind: 'refused', code });
      expect(events.losses).toEqual([{ cause: 'server-closed', code }]);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('keeps the reason of a refusal, which tells a revoked link from an expired one', () => {
    for (const reason of ['this link was revoked', 'this link has expired']) {
      const { clock, sockets, transport, events } = setUp();
      transport.open();
      sockets.latest().open();
      sockets.latest().serverClose(4403, reason);
      clock.advance(120_000);
      expect(sockets.sockets).toHaveLength(1);
      expect(transport.state).toEqual({ kind: 'refused', code: 4403, reason });
      expect(events.losses).toEqual([{ cause: 'server-closed', code: 4403, reason }]);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('goes offline on the offline event, waits without retrying, and connects at once when back online', () => {
    const { clock, environment, sockets, transport, events } = setUp();
    transport.open();
    sockets.latest().open();
    environment.goOffline();
    expect(transport.state.kind).toBe('offline');
    expect(events.losses).toEqual([{ cause: 'device-offline', code: null }]);
    expect(sockets.latest().closedByClient).not.toBeNull();
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
    environment.goOnline();
    expect(sockets.sockets).toHaveLength(2);
    expect(transport.state.kind).toBe('connecting');
  });

  it('cancels a scheduled retry when the device goes offline, and starts offline when it is', () => {
    const first = setUp();
    first.transport.open();
    first.sockets.latest().serverClose(1006);
    expect(first.transport.state.kind).toBe('waiting');
    first.environment.goOffline();
    first.clock.advance(60_000);
    expect(first.sockets.sockets).toHaveLength(1);
    expect(first.transport.state.kind).toBe('offline');

    const second = setUp();
    second.environment.online = false;
    second.transport.open();
    expect(second.transport.state.kind).toBe('offline');
    expect(second.sockets.sockets).toHaveLength(0);
    second.environment.goOnline();
    expect(second.sockets.sockets).toHaveLength(1);
  });

  it('close() ends the link and every timer for good', () => {
    const { clock, environment, sockets, transport } = setUp();
    transport.open();
    sockets.latest().open();
    transport.close();
    expect(transport.state.kind).toBe('closed');
    expect(sockets.latest().closedByClient?.code).toBe(1000);
    expect(clock.pendingTimers).toBe(0);
    environment.goOffline();
    environment.goOnline();
    expect(sockets.sockets).toHaveLength(1);
  });
});
