/**
 * A real PostgreSQL (Debian's `postgresql` package) for the tests: a fresh cluster in a temp folder,
 * listening on a free port of 127.0.0.1 with its unix socket in the same folder, run in the
 * foreground and stopped by PID (sync-server/launchers/cluster/local-postgres.ts, which also says how it runs
 * as root). It can be stopped and started again on the same data and port, to test what a store
 * does while its server is away.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import {
  initPostgresCluster,
  LocalPostgres,
  POSTGRES_SUPERUSER,
  postgresServerUser,
  prepareServerFolder,
  type PostgresStopMode,
} from '../../sync-server/launchers/cluster/local-postgres';
import { freePort } from './free-port';

export { postgresBinDir } from '../../sync-server/launchers/cluster/local-postgres';

export type StopMode = PostgresStopMode;

export interface Database {
  readonly name: string;
  readonly connectionString: string;
}

export interface Schema extends Database {
  readonly database: string;
}

export class PostgresServer {
  private server: LocalPostgres | null = null;
  private earlierOutput = '';
  private names = 0;
  /** Should the test process die without stopping us, the server must not outlive it. */
  private readonly killOnExit = (): void => {
    try {
      if (this.server !== null) process.kill(this.server.pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
  };

  private constructor(
    readonly port: number,
    private readonly folder: string,
  ) {}

  /** initdb in a fresh temp folder, then start; resolves once the server accepts connections. */
  static async start(): Promise<PostgresServer> {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-postgres-'));
    const server = new PostgresServer(await freePort(), folder);
    try {
      const runAs = postgresServerUser();
      await prepareServerFolder(folder, runAs);
      await prepareServerFolder(server.socketDir, runAs);
      // noSync: a test cluster need not survive power loss while it is being created.
      await initPostgresCluster({ dataDir: server.dataDir, noSync: true });
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
    return (this.earlierOutput + (this.server?.log ?? '')).slice(-64 * 1024);
  }

  /**
   * A connection string for a database of this server, over TCP on 127.0.0.1; with `schema`, its
   * connections look up and create tables in that schema first (search_path).
   */
  connectionString(database = POSTGRES_SUPERUSER, schema?: string): string {
    const url = `postgresql://${POSTGRES_SUPERUSER}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
    return schema === undefined ? url : `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  /** Runs SQL as the superuser on its own connection (for setup and for reaching into a test). */
  async admin<T>(work: (client: pg.Client) => Promise<T>, connectionString = this.connectionString()): Promise<T> {
    if (this.server === null) throw new Error('PostgreSQL is not running');
    return this.server.admin(work, connectionString);
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
    if (this.server !== null) throw new Error('PostgreSQL is already running');
    this.server = await LocalPostgres.start({ dataDir: this.dataDir, port: this.port, socketDir: this.socketDir });
    process.on('exit', this.killOnExit);
  }

  /**
   * Stops the server by PID, keeping its data: `fast` (SIGINT) rolls back open transactions and
   * shuts down cleanly; `immediate` (SIGQUIT) is a crash, recovered from the write-ahead log on the
   * next start.
   */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    const server = this.server;
    if (server === null) return;
    await server.stop(mode);
    this.earlierOutput += server.log;
    process.off('exit', this.killOnExit);
    this.server = null;
  }

  /**
   * Freezes the server and every backend (SIGSTOP): connections stay open and nothing answers, as
   * a server that hangs or a network that drops packets without a reset. `thaw` lets it go on.
   */
  freeze(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGCONT');
  }

  /** The postmaster and its descendants (backends, background workers). */
  private processes(): number[] {
    if (this.server === null) throw new Error('PostgreSQL is not running');
    const parents = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The command name is in parentheses and may hold spaces: the fields after it are fixed.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(Number(entry), parent);
      } catch {
        // Gone meanwhile.
      }
    }
    const found = [this.server.pid];
    for (let i = 0; i < found.length; i++) {
      for (const [pid, parent] of parents) if (parent === found[i]) found.push(pid);
    }
    return found;
  }

  /** Stops the server and removes its folder. */
  async destroy(): Promise<void> {
    try {
      await this.stop('fast');
    } finally {
      await rm(this.folder, { recursive: true, force: true });
    }
  }
}
