/**
 * A local PostgreSQL (Debian's `postgresql` package): a cluster in a folder of ours (initdb on
 * first use), listening on 127.0.0.1 only, run in the foreground and stopped by PID. Shared by
 * `npm run cluster` and the tests.
 *
 * PostgreSQL refuses to run as root: then the data folder belongs to the `postgres` system user
 * (the package creates it) and initdb and postgres run as that user (spawn's uid/gid, which also
 * drops root's supplementary groups), so the postmaster is still our direct child and its PID is
 * the one to signal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { exitOf, isRunning, keepOutputTail, stopChild, waitUntil, type ExitStatus } from './child-exit';

const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
export const POSTGRES_SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const KEPT_LOG_CHARS = 64 * 1024;

/** The newest installed major version's bin folder (Debian installs each under /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const majors = existsSync(DEBIAN_POSTGRES_ROOT)
    ? readdirSync(DEBIAN_POSTGRES_ROOT)
        .filter((entry) => /^\d+$/.test(entry) && existsSync(path.join(DEBIAN_POSTGRES_ROOT, entry, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = majors[0];
  if (newest === undefined) {
    throw new Error(
      `No PostgreSQL server binaries under ${DEBIAN_POSTGRES_ROOT}/<version>/bin: install Debian's package with ` +
        '`apt-get install postgresql` (.ci/run does this when it is missing)',
    );
  }
  return path.join(DEBIAN_POSTGRES_ROOT, newest, 'bin');
}

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs the server: the `postgres` system user when we are root, ourselves otherwise. */
export function postgresServerUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const uid = spawnSync('id', ['-u', POSTGRES_SUPERUSER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', POSTGRES_SUPERUSER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`Running as root, PostgreSQL needs the "${POSTGRES_SUPERUSER}" system user, which Debian's postgresql package creates`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Folders the server user must own: the data folder and, when there is one, the socket folder. */
export async function prepareServerFolder(folder: string, runAs: RunAs | null): Promise<void> {
  await mkdir(folder, { recursive: true });
  if (runAs !== null) await chown(folder, runAs.uid, runAs.gid);
}

export interface InitOptions {
  readonly dataDir: string;
  /** Skip fsync while creating: for throwaway test clusters, not for data that should last. */
  readonly noSync?: boolean;
}

/** initdb into `dataDir` unless it already holds a cluster; true when it created one. */
export async function initPostgresCluster({ dataDir, noSync = false }: InitOptions): Promise<boolean> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return false;
  const runAs = postgresServerUser();
  await prepareServerFolder(dataDir, runAs);
  await runToCompletion(path.join(postgresBinDir(), 'initdb'), [
    '--pgdata', dataDir, '--username', POSTGRES_SUPERUSER, '--auth', 'trust',
    '--encoding', 'UTF8', '--locale', 'C', ...(noSync ? ['--no-sync'] : []),
  ], runAs);
  return true;
}

export interface LocalPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  /** Where the unix socket goes, or null for none (TCP on 127.0.0.1 only). */
  readonly socketDir: string | null;
  /** Its own process group, so a Ctrl+C to ours does not stop it before the nodes that use it. */
  readonly ownProcessGroup?: boolean;
}

export type PostgresStopMode = 'fast' | 'immediate';

export class LocalPostgres {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly exited: Promise<ExitStatus>,
    private readonly output: () => string,
  ) {}

  /** Starts on an existing cluster (see initPostgresCluster); resolves once it accepts connections. */
  static async start(options: LocalPostgresOptions): Promise<LocalPostgres> {
    const runAs = postgresServerUser();
    const socketDirectories = options.socketDir ?? '';
    const child = spawn(
      path.join(postgresBinDir(), 'postgres'),
      ['-D', options.dataDir, '-p', String(options.port), '-c', `unix_socket_directories=${socketDirectories}`, '-c', 'listen_addresses=127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false, ...(runAs ?? {}) },
    );
    const server = new LocalPostgres(child, options.port, exitOf(child), keepOutputTail(child, KEPT_LOG_CHARS));
    try {
      await waitUntil(
        async () => {
          await server.admin((client) => client.query('SELECT 1'));
          return true;
        },
        {
          timeoutMs: START_TIMEOUT_MS,
          what: `PostgreSQL to accept connections on 127.0.0.1:${options.port}`,
          giveUpIf: () => (isRunning(child) ? null : 'PostgreSQL exited while starting'),
        },
      );
    } catch (error) {
      await server.stop('immediate');
      throw new Error(`${(error as Error).message}\n${server.log}`, { cause: error });
    }
    return server;
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
   * A connection string for a database of this server, over TCP on 127.0.0.1; with `schema`, its
   * connections look up and create tables in that schema first (search_path).
   */
  connectionString(database = POSTGRES_SUPERUSER, schema?: string): string {
    const url = `postgresql://${POSTGRES_SUPERUSER}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
    return schema === undefined ? url : `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  /** Runs SQL as the superuser on a connection of its own. */
  async admin<T>(work: (client: pg.Client) => Promise<T>, connectionString = this.connectionString()): Promise<T> {
    const client = new pg.Client({ connectionString });
    client.on('error', () => undefined); // a server stopped under an idle admin connection is expected
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Creates database `name` (a plain identifier) unless it exists; true when it created it. */
  async ensureDatabase(name: string): Promise<boolean> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    return this.admin(async (client) => {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount !== 0) return false;
      await client.query(`CREATE DATABASE ${name}`);
      return true;
    });
  }

  /**
   * Stops by PID, keeping the data: `fast` (SIGINT) rolls back open transactions and shuts down
   * cleanly; `immediate` (SIGQUIT) is a crash, recovered from the write-ahead log on the next start.
   */
  stop(mode: PostgresStopMode = 'fast'): Promise<ExitStatus> {
    return stopChild(this.child, mode === 'fast' ? 'SIGINT' : 'SIGQUIT', STOP_TIMEOUT_MS);
  }
}

async function runToCompletion(command: string, args: readonly string[], runAs: RunAs | null): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
  const output = keepOutputTail(child, KEPT_LOG_CHARS);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(command)} took longer than ${START_TIMEOUT_MS} ms:\n${output()}`));
    }, START_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`${path.basename(command)} failed (exit ${code}):\n${output()}`);
}
