/**
 * A local Redis (Debian's `redis-server`) on 127.0.0.1, in the foreground, its files in a folder
 * of ours, stopped by PID. Shared by `npm run cluster` and the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { exitOf, isRunning, keepOutputTail, stopChild, waitUntil, type ExitStatus } from './child-exit';

export const REDIS_SERVER = '/usr/bin/redis-server';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;

export interface LocalRedisOptions {
  readonly port: number;
  /** Where the append-only file goes. */
  readonly dir: string;
  /** An append-only file (fsync on every write), so a restart keeps the data. */
  readonly persistent: boolean;
  /** Its own process group, so a Ctrl+C to ours does not stop it before the nodes that use it. */
  readonly ownProcessGroup?: boolean;
}

export class LocalRedis {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly exited: Promise<ExitStatus>,
    private readonly output: () => string,
  ) {}

  static async start(options: LocalRedisOptions): Promise<LocalRedis> {
    if (!existsSync(REDIS_SERVER)) {
      throw new Error(`no ${REDIS_SERVER}: install Debian's package with \`apt-get install redis-server\` (.ci/run does this when it is missing)`);
    }
    const args = [
      '--port', String(options.port),
      '--bind', '127.0.0.1',
      '--dir', options.dir,
      '--save', '',
      '--appendonly', options.persistent ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
    const redis = new LocalRedis(child, options.port, exitOf(child), keepOutputTail(child, 20_000));
    try {
      await waitUntil(() => pingRedis(options.port), {
        timeoutMs: START_TIMEOUT_MS,
        what: `redis-server on 127.0.0.1:${options.port}`,
        giveUpIf: () => (isRunning(child) ? null : 'redis-server exited'),
      });
    } catch (error) {
      await redis.stop('SIGKILL');
      throw new Error(`${(error as Error).message}\n${redis.log}`, { cause: error });
    }
    return redis;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output();
  }

  /** SIGTERM: Redis writes its append-only file and exits; SIGKILL: a crash. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    return stopChild(this.child, signal, STOP_TIMEOUT_MS);
  }
}

function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
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
