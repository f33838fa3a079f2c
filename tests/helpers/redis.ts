/**
 * A real Redis (Debian's `redis-server`) for the tests: on a free port of 127.0.0.1, its files in a
 * temp folder, in the foreground, stopped by PID. It can be stopped and started again on the same
 * port, with its data (AOF) or without (a Redis that lost everything).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './poll';

const REDIS_SERVER = '/usr/bin/redis-server';

export class RedisServer {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly persistent: boolean,
  ) {}

  /** `persistent`: an append-only file, so a restart keeps the data. */
  static async start(options: { persistent?: boolean } = {}): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER)) {
      throw new Error(`no ${REDIS_SERVER}: install Debian's package with \`apt-get install redis-server\` (.ci/run does this when it is missing)`);
    }
    const server = new RedisServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'tandem-redis-')), options.persistent ?? false);
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  /** Starts (again) on the same port and folder. */
  async resume(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', this.persistent ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(() => this.ping(), { timeoutMs: 15_000, what: `redis-server on port ${this.port}` });
  }

  /** Stops by PID: SIGTERM (Redis writes its AOF), or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.setTimeout(1_000);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        resolve(false);
        socket.destroy();
      });
    });
  }
}
