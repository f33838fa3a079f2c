/**
 * A TCP proxy on 127.0.0.1 between one sync node and Redis, which the chaos run can break:
 * `cut` resets every connection and every new one (a link that is down), `stall` stops moving
 * bytes while the connections stay open (a link that drops packets without a reset: the node
 * sees nothing wrong, its commands just get no answer), `restore` makes it a plain link again.
 * When either side closes, so does the other, so a Redis restart reaches the node as it would.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type LinkState = 'open' | 'cut' | 'stalled';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class TcpProxy {
  private state: LinkState = 'open';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  /** Listens on `port` (0: any free one) and forwards to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, port = 0): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => {
      if (proxy === null) client.destroy();
      else proxy.accept(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    proxy = new TcpProxy(server, address.port, targetPort);
    return proxy;
  }

  get link(): LinkState {
    return this.state;
  }

  get connections(): number {
    return this.pairs.size;
  }

  cut(): void {
    this.state = 'cut';
    for (const pair of this.pairs) this.drop(pair, true);
  }

  stall(): void {
    this.state = 'stalled';
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    this.state = 'open';
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair, true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // A connection made while the link is stalled is held too: it gets no further than the SYN-ACK.
    if (this.state === 'stalled') {
      client.pause();
      upstream.pause();
    }
    // Forwarded by hand, not with pipe(): pipe resumes a paused source on 'drain', which would end
    // a stall. Redis traffic is small, so writing without waiting for 'drain' costs little memory.
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => this.drop(pair, false);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  /** `reset`: a RST to the client, as a broken link gives; otherwise a normal close. */
  private drop(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    if (reset) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.upstream.destroy();
  }
}
