/**
 * A TCP proxy that can go silent without closing anything: the way a dead Wi-Fi link or a stuck
 * NAT looks to a browser. The socket stays "open"; only a heartbeat can notice.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class FreezeProxy {
  private frozen = false;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<FreezeProxy> {
    let proxy: FreezeProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy = new FreezeProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
    return proxy;
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    // Bytes are dropped, not buffered, while frozen: a black hole rather than a slow link.
    client.on('data', (chunk) => this.frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => this.frozen || client.write(chunk));
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Ends the black hole: the silent connections are cut (as a NAT would) and new ones flow. */
  thaw(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.frozen = false;
  }

  async close(): Promise<void> {
    this.thaw();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
