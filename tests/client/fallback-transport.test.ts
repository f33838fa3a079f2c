/** When the client falls back to HTTP and when it comes back to the socket, on the manual clock. */
import { describe, expect, it } from 'vitest';
import { FallbackTransport, type ClosableTransport } from '../../lib/client/transport/fallback-transport';
import { TestFallbackMemory } from '../helpers/fallback-memory';
import type { LinkLoss } from '../../lib/client/transport/transport';
import { encodeSyncStep1 } from '../../lib/protocol/messages';
import { FakeTransport } from '../helpers/fake-transport';
import { ManualScheduler } from '../helpers/manual-scheduler';

class FakeHttp extends FakeTransport implements ClosableTransport {
  forgotten = false;
  private release: (() => void) | null = null;
  closeAndForget(): Promise<void> {
    this.close();
    return new Promise((resolve) => (this.release = () => ((this.forgotten = true), resolve())));
  }
  /** The server answers the session's DELETE. */
  letGo(): void {
    this.release?.();
  }
}


function setup(memory = new TestFallbackMemory()) {
  const clock = new ManualScheduler();
  const sockets: FakeTransport[] = [];
  const https: FakeHttp[] = [];
  const events: string[] = [];
  const transport = new FallbackTransport({
    clock,
    memory,
    createSocket: () => {
      const socket = new FakeTransport();
      sockets.push(socket);
      return socket;
    },
    createHttp: () => {
      const http = new FakeHttp();
      https.push(http);
      return http;
    },
  });
  transport.listen({
    onOpen: () => events.push(`open:${transport.carrier}`),
    onLinkLost: (loss: LinkLoss) => events.push(`lost:${loss.cause}`),
    onFrame: (frame) => events.push(`frame:${frame.length}`),
  });
  transport.open();
  return { clock, sockets, https, events, transport, memory };
}

const lose = (socket: FakeTransport, loss: LinkLoss = { cause: 'connect-failed', code: null }) => socket.linkDown(loss);

describe('fallback transport', () => {
  it('falls back when the first socket has not opened within a couple of seconds, and remembers once HTTP works', () => {
    const { clock, sockets, https, events, transport, memory } = setup();
    expect(sockets).toHaveLength(1);
    clock.advance(2_499);
    expect(https).toHaveLength(0);
    clock.advance(1);
    expect(https).toHaveLength(1);
    expect(sockets[0]!.state.kind).toBe('closed');
    expect(memory.until).toBe(0); // not before the fallback has worked
    https[0]!.linkUp();
    expect(events).toEqual(['open:http']);
    expect(transport.carrier).toBe('http');
    expect(memory.until).toBeGreaterThan(clock.now());
  });

  it('falls back after two sockets fail in a row without ever opening, or die within seconds of opening', () => {
    const first = setup();
    lose(first.sockets[0]!);
    expect(first.https).toHaveLength(0);
    lose(first.sockets[0]!);
    expect(first.https).toHaveLength(1);

    const second = setup();
    second.sockets[0]!.linkUp();
    for (let i = 0; i < 2; i++) {
      second.clock.advance(1_000);
      lose(second.sockets[0]!, { cause: 'server-closed', code: 1006 });
      second.sockets[0]!.linkUp();
    }
    expect(second.https).toHaveLength(1);
  });

  it('stays on a socket that worked: failing to reconnect to a server that restarts is an outage', () => {
    const { clock, sockets, https } = setup();
    sockets[0]!.linkUp();
    clock.advance(60_000);
    lose(sockets[0]!, { cause: 'server-closed', code: 1012 });
    for (let i = 0; i < 10; i++) {
      clock.advance(3_000);
      lose(sockets[0]!);
    }
    expect(https).toHaveLength(0);
  });

  it('starts on HTTP where the page remembers it was needed', () => {
    const memory = new TestFallbackMemory();
    memory.until = Date.now() * 2;
    const { sockets, https } = setup(memory);
    expect(sockets).toHaveLength(0);
    expect(https).toHaveLength(1);
  });

  it('tries the socket now and then, and moves to it once it opens: HTTP session ended first, frames kept', async () => {
    const { clock, sockets, https, events, transport, memory } = setup();
    clock.advance(2_500);
    https[0]!.linkUp();
    clock.advance(4_999);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2); // the first probe
    lose(sockets[1]!); // still blocked
    clock.advance(9_999);
    expect(sockets).toHaveLength(2);
    clock.advance(1);
    expect(sockets).toHaveLength(3); // the next, twice as late

    sockets[2]!.linkUp();
    sockets[2]!.deliver(encodeSyncStep1(new Uint8Array([0]))); // the server's greeting, before the switch
    await clock.settle();
    expect(events).toEqual(['open:http']); // nothing yet: the HTTP session is still being ended
    https[0]!.letGo();
    await clock.settle();
    expect(events).toEqual(['open:http', 'lost:transport-switch', 'open:websocket', 'frame:4']);
    expect(https[0]!.forgotten).toBe(true);
    expect(transport.carrier).toBe('websocket');
    expect(memory.until).toBe(0);
  });
});
