/**
 * Process entry point: configuration from the environment, LevelDB in DATA_DIR, signal handling.
 * A first SIGTERM/SIGINT stops gracefully (every received update written); a repeated SIGTERM is the
 * same stop, and only a second Ctrl+C (SIGINT) a second later exits now (see stop-signals.ts).
 * With TLS, SIGHUP reloads the certificate and key and nothing else (see SyncServer.reloadTls).
 */
import { mkdir } from 'node:fs/promises';
import { loadOrCreateSecret } from './auth/secret';
import { ConfigError, loadConfig, type ServerConfig } from './config';
import { createLogger } from './logger';
import { ServerMetrics } from './metrics';
import { SyncServer } from './server';
import type { DocumentStore } from './storage/document-store';
import { LevelDbDocumentStore } from './storage/leveldb-store';
import { LOW_OPEN_FILE_LIMIT, readOpenFileLimit } from './launchers/open-file-limit';
import { onStopSignals } from './launchers/stop-signals';

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tandem sync server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let server: SyncServer | null = null;
  if (config.tls !== null) {
    // Installed at once, so that a reload asked for while the server starts does not end the
    // process. Without TLS there is nothing to reload, and SIGHUP stops the server as SIGTERM does.
    process.on('SIGHUP', () => server?.reloadTls());
  }
  await mkdir(config.dataDir, { recursive: true });
  const { secret, source } = await loadOrCreateSecret(config.dataDir, config.auth.secret);
  const store = await openStore(config);
  const metrics = new ServerMetrics({ collectProcessMetrics: true });
  server = new SyncServer(config, {
    store,
    secret,
    logger,
    metrics,
    // Cluster mode (REDIS_URL), loaded only then: a single server never loads cluster/ or ioredis.
    cluster: config.redisUrl === null ? null : await (await import('./cluster/cluster-node')).startClusterNode(config.redisUrl, store, logger),
  });
  const port = await server.listen();
  const certificate = server.certificate;
  const openFileLimit = await readOpenFileLimit();
  logger.info(
    {
      host: config.host,
      openFileLimit,
      port,
      dataDir: config.dataDir,
      storage: storageName(config),
      auth: config.auth.mode,
      secretSource: source,
      tls: certificate ?? false,
    },
    config.auth.mode === 'on'
      ? 'sync server listening; share-link tokens required'
      : 'sync server listening in OPEN mode (AUTH=off): anyone can read and edit any document',
  );

  if (openFileLimit !== null && openFileLimit < LOW_OPEN_FILE_LIMIT) {
    logger.warn(
      { openFileLimit },
      `the open-file limit (ulimit -n ${openFileLimit}) caps this server at fewer than ${openFileLimit} connections: raise it for more (docs/operations.md, Capacity)`,
    );
  }
  if (certificate?.expired) logger.warn({ certificate }, 'the TLS certificate has expired: clients will refuse it');
  onStopSignals((decision, signal) => {
    if (decision === 'ignore') return; // the same stop, arriving a second way (group + forwarded)
    if (decision === 'force') {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down: flushing every received update');
    server.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }, { hangup: config.tls === null });
  process.on('uncaughtException', (error) => {
    // Connection handlers catch their own errors; reaching here is a bug. Log it and stay up: the
    // rooms and the persistence queue are still consistent, and exiting would drop every client.
    logger.fatal({ err: error }, 'uncaught exception');
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
  });
}

/** LevelDB in DATA_DIR by default; PostgreSQL when DATABASE_URL is set (the cluster store). */
async function openStore(config: ServerConfig): Promise<DocumentStore> {
  if (config.databaseUrl !== null) {
    // Imported only then: the default single-machine server never loads the PostgreSQL driver.
    const { PostgresDocumentStore } = await import('./storage/postgres-store');
    return PostgresDocumentStore.open({ connectionString: config.databaseUrl, queryTimeoutMs: config.databaseQueryTimeoutMs });
  }
  return LevelDbDocumentStore.open(`${config.dataDir}/documents`, { sync: config.storageSync });
}

function storageName(config: ServerConfig): 'postgresql' | 'leveldb' {
  return config.databaseUrl === null ? 'leveldb' : 'postgresql';
}

void main();
