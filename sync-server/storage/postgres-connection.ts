/**
 * The PostgreSQL store's way to its database: a pool of connections, transactions, and one error
 * shape for every operation. Every write is one transaction, so a resolved promise means committed
 * in PostgreSQL (and as durable as the server's synchronous_commit makes it), and a failed one left
 * nothing behind: a connection that fails in a transaction is destroyed, never returned to the
 * pool, and the server rolls back whatever the transaction had done.
 */
import pg from 'pg';
import { StorageError } from './document-store';
import { createSchema, isStorableName } from './postgres-schema';
import { ShareLinkRejected } from './share-link-store';
import { VersionsFencedOut } from './shared-document-store';

export interface PostgresStoreOptions {
  /** libpq-style URL, e.g. `postgresql://tandem@127.0.0.1:5432/tandem`. */
  readonly connectionString: string;
  /** Connections kept open. An append holds one until it commits, a read for one query. Defaults to 4. */
  readonly poolSize?: number;
  /** How long to wait for a new connection before the operation fails. Defaults to 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may go unanswered before the operation fails (and is retried by the
   * persistence queue). Without it a server that hangs, or a network that drops packets without a
   * reset, would hold the write for ever and health would stay "ok". Defaults to 30 s.
   */
  readonly queryTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 4;
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Rows per INSERT: three parameters each, well under PostgreSQL's 65,535 parameters per statement. */
export const ROWS_PER_INSERT = 1_000;

/** node-postgres hands out Buffers, small ones slices of a shared pool; callers get arrays that own their bytes. */
export function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function parseCounter(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new StorageError(`Malformed ${what} ${JSON.stringify(value)}`);
  return parsed;
}

function describeDocuments(docNames: readonly string[]): string {
  if (docNames.length === 1) return `document ${JSON.stringify(docNames[0])}`;
  return `documents ${docNames.map((name) => JSON.stringify(name)).join(', ')}`;
}

/** `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `columns` parameters. */
export function valuesList(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, row) => {
    const placeholders = Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`);
    return `(${placeholders.join(', ')})`;
  }).join(', ');
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export class PostgresConnection {
  private closing: Promise<void> | null = null;

  private constructor(readonly pool: pg.Pool) {}

  /** Connects, checks the database can hold every document name, and creates the missing tables. */
  static async open(options: PostgresStoreOptions): Promise<PostgresConnection> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'tandem-sync-server',
    });
    // An idle connection whose server went away: the pool drops it and the next operation makes a
    // new one (or fails with a StorageError). Without a listener the event would end the process.
    pool.on('error', () => undefined);
    const connection = new PostgresConnection(pool);
    try {
      await connection.withConnection(async (client) => {
        const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
        if (rows[0]?.server_encoding !== 'UTF8') {
          throw new Error(`the database's encoding is ${rows[0]?.server_encoding ?? 'unknown'}, not UTF8, so it cannot hold every document name`);
        }
        await client.query('BEGIN');
        await createSchema(client);
        await client.query('COMMIT');
      });
    } catch (cause) {
      await pool.end().catch(() => undefined);
      const reason = cause instanceof Error ? `: ${cause.message}` : '';
      throw new StorageError(`Opening the PostgreSQL store failed${reason}`, { cause });
    }
    return connection;
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end().catch((cause: unknown) => {
      throw new StorageError('Closing the PostgreSQL store failed', { cause });
    });
    return this.closing;
  }

  /** Runs one store operation, reporting any failure as a StorageError that names it and its documents. */
  async run<T>(operation: string, docNames: readonly string[], work: () => Promise<T>): Promise<T> {
    const subject = docNames.length === 0 ? '' : ` of ${describeDocuments(docNames)}`;
    if (this.closing !== null) throw new StorageError(`PostgreSQL ${operation}${subject} failed: the store is closed`);
    const unstorable = docNames.filter((name) => !isStorableName(name));
    if (unstorable.length > 0) {
      throw new StorageError(
        `PostgreSQL ${operation}${subject} failed: a document name containing U+0000 cannot be stored (${describeDocuments(unstorable)})`,
      );
    }
    try {
      return await work();
    } catch (cause) {
      // Answers, not failures of the store.
      if (cause instanceof VersionsFencedOut || cause instanceof ShareLinkRejected) throw cause;
      const reason = cause instanceof Error ? `: ${cause.message}` : '';
      throw new StorageError(`PostgreSQL ${operation}${subject} failed${reason}`, { cause });
    }
  }

  /**
   * A connection of the pool for `work`. One that failed is destroyed rather than returned: it may be
   * dead, or inside a transaction that must not be committed by whoever uses it next.
   */
  async withConnection<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that dies while checked out also fails its pending query, which reports it; the
    // event itself must be listened to, or it would end the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failure: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection that failed is ended by the pool, and the server's own goodbye (57P01 when
      // PostgreSQL stops) can still arrive as an event while it closes: it keeps its listener.
      if (failure === undefined) client.off('error', ignore);
      client.release(failure);
    }
  }

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withConnection(async (client) => {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    });
  }
}
