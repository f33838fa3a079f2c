/**
 * A real Redis (Debian's `redis-server`) for the tests: on a free port of 127.0.0.1, its files in a
 * temp folder, in the foreground, stopped by PID. It can be stopped and started again on the same
 * port, with its data (AOF) or without (a Redis that lost everything).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalRedis } from '../../sync-server/launchers/cluster/local-redis';
import { freePort } from './free-port';

export class RedisServer {
  private server: LocalRedis | null = null;
  private earlierOutput = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly persistent: boolean,
  ) {}

  /** `persistent`: an append-only file, so a restart keeps the data. */
  static async start(options: { persistent?: boolean } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'tandem-redis-')), options.persistent ?? false);
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return (this.earlierOutput + (this.server?.log ?? '')).slice(-20_000);
  }

  /** Starts (again) on the same port and folder. */
  async resume(): Promise<void> {
    this.server = await LocalRedis.start({ port: this.port, dir: this.dir, persistent: this.persistent });
  }

  /** Stops by PID: SIGTERM (Redis writes its AOF), or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await server.stop(signal);
    this.earlierOutput += server.log;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
