/**
 * A local nginx (Debian's) with a configuration of ours, in the foreground (no daemon), its prefix,
 * temp files and logs in a folder of ours, stopped by PID. Shared by `npm run cluster` and the
 * tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { exitOf, isRunning, keepOutputTail, stopChild, waitUntil, type ExitStatus } from './child-exit';

export const NGINX = '/usr/sbin/nginx';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * The whole nginx.conf around `httpBlocks` (the server and upstream blocks), everything under
 * `prefix`. Without a master process nginx is a single PID that even SIGKILL stops entirely, but
 * it cannot reload its configuration (SIGHUP); with one, the workers are the master's children.
 */
export function nginxConfig(prefix: string, httpBlocks: string, masterProcess: boolean): string {
  return `daemon off;
master_process ${masterProcess ? 'on' : 'off'};
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${httpBlocks}
}
`;
}

export interface LocalNginxOptions {
  /** Holds nginx.conf, the pid file, the error log and the temp folders. */
  readonly prefix: string;
  /** The port the configuration listens on, to know when nginx is up. */
  readonly port: number;
  readonly httpBlocks: string;
  /** A master process, so that a SIGHUP reloads the configuration (see nginxConfig). */
  readonly masterProcess?: boolean;
  /** Its own process group, so a Ctrl+C to ours does not stop it before the nodes behind it. */
  readonly ownProcessGroup?: boolean;
}

export class LocalNginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly configFile: string,
    readonly exited: Promise<ExitStatus>,
    private readonly output: () => string,
  ) {}

  static async start(options: LocalNginxOptions): Promise<LocalNginx> {
    if (!existsSync(NGINX)) {
      throw new Error(`no ${NGINX}: install Debian's package with \`apt-get install nginx\` (.ci/run does this when it is missing)`);
    }
    await mkdir(options.prefix, { recursive: true });
    const configFile = path.join(options.prefix, 'nginx.conf');
    const errorLog = path.join(options.prefix, 'error.log');
    await writeFile(configFile, nginxConfig(options.prefix, options.httpBlocks, options.masterProcess ?? false));
    const child = spawn(NGINX, ['-p', options.prefix, '-c', configFile, '-e', errorLog], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.ownProcessGroup ?? false,
    });
    const nginx = new LocalNginx(child, options.port, configFile, exitOf(child), keepOutputTail(child, 20_000));
    try {
      await waitUntil(() => accepts(options.port), {
        timeoutMs: START_TIMEOUT_MS,
        what: `nginx to listen on 127.0.0.1:${options.port}`,
        giveUpIf: () => (isRunning(child) ? null : 'nginx exited'),
      });
    } catch (error) {
      await nginx.stop('SIGKILL');
      throw new Error(`${(error as Error).message}\n${nginx.log}`, { cause: error });
    }
    return nginx;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  get log(): string {
    return this.output();
  }

  /**
   * Writes a new configuration and has nginx load it (SIGHUP; needs `masterProcess`): new connections
   * get it, open ones finish on the old workers. Resolves once a request sees the new workers.
   */
  async reload(httpBlocks: string, prefix: string, masterProcess = true): Promise<void> {
    await writeFile(this.configFile, nginxConfig(prefix, httpBlocks, masterProcess));
    process.kill(this.pid, 'SIGHUP');
  }

  /** SIGTERM: nginx (and its workers) close their connections and exit; SIGKILL: a crash. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    return stopChild(this.child, signal, STOP_TIMEOUT_MS);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      resolve(true);
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      resolve(false);
      socket.destroy();
    });
  });
}
