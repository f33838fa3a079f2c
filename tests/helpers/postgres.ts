/**
 * A real PostgreSQL (Debian's `postgresql` package) for the tests: a fresh cluster in a temp folder,
 * listening on a free port of 127.0.0.1 with its unix socket in the same folder, run in the
 * foreground and stopped by PID. It can be stopped and started again on the same data and port, to
 * test what a store does while its server is away.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the folder belongs to the `postgres`
 * system user (the package creates it) and initdb and postgres run as that user (spawn's uid/gid,
 * which also drops root's supplementary groups), so the postmaster is our direct child and its PID is
 * the one to signal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';
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

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs the server: the `postgres` system user when we are root, ourselves otherwise. */
function serverUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const uid = spawnSync('id', ['-u', SUPERUSER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SUPERUSER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`Running as root, PostgreSQL needs the "${SUPERUSER}" system user, which Debian's postgresql package creates`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export type StopMode = 'fast' | 'immediate';

export interface Database {
  readonly name: string;
  readonly connectionString: string;
}

export interface Schema extends Database {
  readonly database: string;
}

export class PostgresServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private names = 0;
  /** Should the test process die without stopping us, the server must not outlive it. */
  private readonly killOnExit = (): void => {
    try {
      if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
  };

  private constructor(
    readonly port: number,
    private readonly folder: string,
    private readonly binDir: string,
    private readonly runAs: RunAs | null,
  ) {}

  /** initdb in a fresh temp folder, then start; resolves once the server accepts connections. */
  static async start(): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const runAs = serverUser();
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-postgres-'));
    const server = new PostgresServer(await freePort(), folder, binDir, runAs);
    try {
      await mkdir(server.socketDir);
      if (runAs !== null) {
        await chown(folder, runAs.uid, runAs.gid);
        await chown(server.socketDir, runAs.uid, runAs.gid);
      }
      // --no-sync: a test cluster need not survive power loss while it is being created.
      await server.runToCompletion(path.join(binDir, 'initdb'), [
        '--pgdata', server.dataDir, '--username', SUPERUSER, '--auth', 'trust',
        '--encoding', 'UTF8', '--locale', 'C', '--no-sync',
      ]);
      await server.resume();
      return server;
    } catch (error) {
      await server.destroy();
      throw error;
    }
  }

  private get dataDir(): string {
    return path.join(this.folder, 'data');
  }

  private get socketDir(): string {
    return path.join(this.folder, 'socket');
  }

  get log(): string {
    return this.output;
  }

  /**
   * A connection string for a database of this server, over TCP on 127.0.0.1; with `schema`, its
   * connections look up and create tables in that schema first (search_path).
   */
  connectionString(database = SUPERUSER, schema?: string): string {
    const url = `postgresql://${SUPERUSER}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
    return schema === undefined ? url : `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  /** Runs SQL as the superuser on its own connection (for setup and for reaching into a test). */
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

  /** A new, empty database. */
  async createDatabase(): Promise<Database> {
    const name = this.freshName('tandem_db');
    await this.admin((client) => client.query(`CREATE DATABASE ${name}`));
    return { name, connectionString: this.connectionString(name) };
  }

  async dropDatabase(name: string): Promise<void> {
    await this.admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }

  /**
   * A new, empty schema in `database`, with a connection string whose tables live there: as good as
   * a fresh database for a store that names its tables unqualified, at a few milliseconds instead of
   * the few hundred that CREATE DATABASE takes.
   */
  async createSchema(database: string): Promise<Schema> {
    const name = this.freshName('tandem_schema');
    await this.admin((client) => client.query(`CREATE SCHEMA ${name}`), this.connectionString(database));
    return { name, database, connectionString: this.connectionString(database, name) };
  }

  async dropSchema(schema: Schema): Promise<void> {
    await this.admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schema.name} CASCADE`), this.connectionString(schema.database));
  }

  private freshName(prefix: string): string {
    this.names += 1;
    return `${prefix}_${this.names}`;
  }

  /** Starts the server on the existing data folder and port (after `stop`). */
  async resume(): Promise<void> {
    if (this.child !== null) throw new Error('PostgreSQL is already running');
    const child = spawn(
      path.join(this.binDir, 'postgres'),
      ['-D', this.dataDir, '-p', String(this.port), '-k', this.socketDir, '-c', 'listen_addresses=127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(this.runAs ?? {}) },
    );
    child.stdout?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
    process.on('exit', this.killOnExit);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`PostgreSQL exited while starting:\n${this.output}`);
      }
      try {
        await this.admin((client) => client.query('SELECT 1'));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`PostgreSQL did not accept connections on 127.0.0.1:${this.port} within ${START_TIMEOUT_MS} ms:\n${this.output}`, { cause: error });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Stops the server by PID, keeping its data: `fast` (SIGINT) rolls back open transactions and
   * shuts down cleanly; `immediate` (SIGQUIT) is a crash, recovered from the write-ahead log on the
   * next start.
   */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)));
      const outcome = await Promise.race([this.exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    process.off('exit', this.killOnExit);
    this.child = null;
  }

  /** Stops the server and removes its folder. */
  async destroy(): Promise<void> {
    try {
      await this.stop('fast');
    } finally {
      await rm(this.folder, { recursive: true, force: true });
    }
  }

  /** The server's log, for failure messages; only the tail is kept. */
  private keepOutput(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-KEPT_LOG_CHARS);
  }

  private async runToCompletion(command: string, args: readonly string[]): Promise<void> {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(this.runAs ?? {}) });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${path.basename(command)} took longer than ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      child.once('error', reject);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) throw new Error(`${path.basename(command)} failed (exit ${code}):\n${output}`);
  }
}
