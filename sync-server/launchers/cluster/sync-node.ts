/**
 * One sync server of the cluster: the production bundle (what `npm run sync-server` runs) as a
 * child process on 127.0.0.1, in cluster mode, behind the proxy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SYNC_SERVER_NODE_FLAGS } from '../node-flags';
import { exitOf, isRunning, stopChild, waitUntil, type ExitStatus } from './child-exit';

const START_TIMEOUT_MS = 30_000;
/** Longer than the node's own SHUTDOWN_TIMEOUT_MS (10 s), after which it gives up by itself. */
const STOP_TIMEOUT_MS = 30_000;

export interface SyncNodeOptions {
  /** 1-based, for people. */
  readonly number: number;
  readonly port: number;
  /** The node's DATA_DIR: nothing is stored there in cluster mode, but the server wants one. */
  readonly dataDir: string;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly authSecret: string;
}

export class SyncNode {
  readonly exited: Promise<ExitStatus>;

  private constructor(
    readonly number: number,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = exitOf(child);
  }

  /** Spawns the node; `ready` resolves once it answers /healthz. */
  static spawn(options: SyncNodeOptions): SyncNode {
    // nginx speaks plain HTTP to the nodes on 127.0.0.1: a certificate meant for people would make
    // every node refuse it (and the launcher's health checks), so the nodes never get one.
    const { TLS_CERT_FILE: _cert, TLS_KEY_FILE: _key, ...inherited } = process.env;
    const child = spawn(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', path.join('sync-server', 'dist', 'main.js')], {
      stdio: 'inherit',
      env: {
        ...inherited,
        // Nodes are quiet unless asked: the launcher reports what people need to know.
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        SYNC_HOST: '127.0.0.1',
        SYNC_PORT: String(options.port),
        DATA_DIR: options.dataDir,
        REDIS_URL: options.redisUrl,
        DATABASE_URL: options.databaseUrl,
        AUTH_SECRET: options.authSecret,
        // Every request arrives through nginx on 127.0.0.1, which names the client in X-Forwarded-For.
        TRUST_PROXY: '127.0.0.1',
      },
    });
    return new SyncNode(options.number, options.port, child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Resolves once the node answers /healthz; fails if it exits first or `abandoned()` turns true. */
  async ready(abandoned: () => boolean): Promise<void> {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${this.port}/healthz`)).ok, {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 100,
      what: `sync node ${this.number} to answer /healthz on 127.0.0.1:${this.port}`,
      giveUpIf: () => (!this.running ? 'it exited' : abandoned() ? 'stop requested' : null),
    });
  }

  /** SIGTERM: the node writes every update it received to PostgreSQL, then exits. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    return stopChild(this.child, signal, STOP_TIMEOUT_MS);
  }

  /** A forced stop (a second Ctrl+C) passed on: the node exits now. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}
