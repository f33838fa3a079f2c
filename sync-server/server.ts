/**
 * A sync server instance, composed top to bottom:
 *   HTTP(S) server ── upgrade ──► transport (ws) ──► Connection ──► RoomRegistry ──► Room (Y.Doc)
 *                                                                      │
 *                                             PersistenceQueue ◄───────┘ ──► DocumentStore (LevelDB)
 * Everything is owned by the instance; several can run in one process (the tests do).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import * as Y from 'yjs';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '../lib/protocol/close-codes';
import { documentNameFromUrl } from '../lib/protocol/document-path';
import { encodePermissionDenied } from '../lib/protocol/messages';
import { AccessPolicy, type AccessDecision } from './auth/access-policy';
import { TokenSigner } from './auth/token-signer';
import type { ServerConfig } from './config';
import { Connection, type ConnectionDeps } from './connection/connection';
import { createHttpHandler, type HealthReport } from './edge/http-routes';
import type { Logger } from './logger';
import { ServerMetrics } from './metrics';
import { PersistenceQueue } from './document/persistence-queue';
import { KeyedRateLimiter } from './connection/rate-limiter';
import { RoomRegistry } from './room/room-registry';
import { createSystemScheduler, type Scheduler } from './scheduler';
import type { StreamRelay } from './cluster/stream-relay';
import { ClusterReplication } from './cluster/cluster-replication';
import { SINGLE_SERVER } from './room/room-replication';
import type { DocumentStore } from './storage/document-store';
import { ignoredSocketEvents, type Socket, type SocketEvents } from './connection/socket';
import { WebSocketTransport, type UpgradeDecision } from './edge/transport';
import { HttpFallbackTransport } from './edge/http-fallback';
import { sendJson } from './edge/http-routes';
import { describeCertificate, readTlsCredentials, type TlsCredentials } from './edge/tls';

/** One snapshot of stored parts, garbage-collected: decoded into a document and encoded again. */
function mergeStoredParts(parts: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const part of parts) Y.applyUpdate(doc, part);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * After a restart every client reconnects at once. With Node's default backlog (511) the kernel drops
 * the SYNs beyond it, and those clients wait a full second for the retransmit; the kernel still caps
 * this at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

export type SyncServerConfig = Omit<ServerConfig, 'dataDir' | 'databaseUrl' | 'databaseQueryTimeoutMs' | 'redisUrl' | 'logLevel' | 'storageSync'>;

export interface SyncServerDeps {
  readonly store: DocumentStore;
  /** Signs share links (see auth/secret.ts for where it comes from). */
  readonly secret: Uint8Array;
  readonly logger: Logger;
  readonly scheduler?: Scheduler;
  readonly metrics?: ServerMetrics;
  /** Cluster mode: the Redis relay to the other nodes (started by the caller). */
  readonly relay?: StreamRelay | null;
}

interface ConnectionContext {
  readonly docName: string;
  readonly access: AccessDecision;
}

export class SyncServer {
  readonly metrics: ServerMetrics;
  readonly access: AccessPolicy;
  /** https when TLS_CERT_FILE/TLS_KEY_FILE are set: WebSocket over TLS is the same upgrade on it. */
  private readonly httpServer: HttpServer | HttpsServer;
  /** The certificate being served, or null without TLS. */
  private tls: TlsCredentials | null;
  /** Why the last reload failed (the previous certificate is still served), or null. */
  private tlsReloadError: string | null = null;
  private readonly transport: WebSocketTransport<ConnectionContext>;
  private readonly fallback: HttpFallbackTransport<ConnectionContext> | null;
  /** The connections that came over the HTTP fallback (a subset of `connections`). */
  private readonly fallbackConnections = new Set<Connection>();
  private readonly persistence: PersistenceQueue;
  private readonly registry: RoomRegistry;
  private readonly connections = new Set<Connection>();
  private readonly scheduler: Scheduler;
  private readonly startedAt: number;
  private nextConnectionId = 1;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly config: SyncServerConfig,
    private readonly deps: SyncServerDeps,
  ) {
    this.scheduler = deps.scheduler ?? createSystemScheduler();
    this.metrics = deps.metrics ?? new ServerMetrics();
    this.startedAt = this.scheduler.now();
    const shared = { logger: deps.logger, metrics: this.metrics, scheduler: this.scheduler };
    const connectionDeps: ConnectionDeps = {
      ...shared,
      storageHealthy: () => this.persistence.health().ok,
      sharingHealthy: () => deps.relay?.health().connected ?? true,
      onSocketClosed: (connection) => {
        this.connections.delete(connection);
        this.fallbackConnections.delete(connection);
      },
    };
    this.persistence = new PersistenceQueue(
      deps.store,
      {
        compactAfterUpdates: config.compactAfterUpdates,
        compaction: deps.relay == null,
        compactStored: deps.relay ? this.leasedCompaction(deps.relay, deps.store) : undefined,
        retryMaxMs: config.storageRetryMaxMs,
        batchWindowMs: config.storageBatchWindowMs,
      },
      {
        ...shared,
        // Connected editors hear at once that their edits are kept but not saved, and when saving resumes.
        onHealthChange: (ok) => {
          for (const connection of this.connections) connection.notifyStorageState(ok);
        },
      },
    );
    this.registry = new RoomRegistry(
      this.persistence,
      {
        unloadGraceMs: config.documentUnloadGraceMs,
        maxConcurrentLoads: config.maxConcurrentLoads,
        maxAwarenessStateBytes: config.limits.maxAwarenessStateBytes,
        maxPresenceIdsPerConnection: config.limits.maxPresenceIdsPerConnection,
        history: config.history,
        presenceRelayMs: config.presenceRelayMs,
      },
      { ...shared, replication: deps.relay ? new ClusterReplication(deps.relay, shared) : SINGLE_SERVER },
    );
    this.metrics.storageBackend.set({ backend: deps.store.kind }, 1);
    if (deps.relay) {
      const relay = deps.relay;
      this.metrics.observeCluster(() => relay.health());
      // Cut off from Redis, a node keeps saving its clients' edits but the other nodes do not see
      // them until it reconnects: its editors are told, not left to wonder where the others went.
      deps.relay.onConnectedChange = (connected) => {
        for (const connection of this.connections) connection.notifySharingState(connected);
      };
    }
    this.access = new AccessPolicy(config.auth.mode, new TokenSigner(deps.secret), this.scheduler);
    const documentCreation = new KeyedRateLimiter(
      config.auth.documentsPerMinute / 60,
      config.auth.documentBurst,
      () => this.scheduler.now(),
    );
    const handler = createHttpHandler({
      metrics: this.metrics,
      access: this.access,
      documentCreation,
      trustProxy: config.trustProxy,
      documentApi: {
        access: this.access,
        registry: this.registry,
        logger: deps.logger,
        maxBodyBytes: config.limits.maxApiBodyBytes,
      },
      health: () => this.health(),
      fallback: (request, response, path) => this.fallback?.handle(request, response, path) ?? false,
    });
    // The files were checked by loadConfig; reading them again here fails only if they changed since.
    this.tls = config.tls === null ? null : readTlsCredentials(config.tls);
    this.httpServer = this.tls === null ? createServer(handler) : createHttpsServer({ cert: this.tls.cert, key: this.tls.key }, handler);
    if (this.tls !== null) this.metrics.setCertificateExpiry(this.tls.validTo);
    const accept = (socket: Socket, context: ConnectionContext, viaFallback: boolean): SocketEvents => {
      if (!context.access.granted) return this.deny(socket, context.docName, context.access);
      const connection = new Connection(this.nextConnectionId++, context.docName, context.access.permission, socket, config.limits, connectionDeps);
      this.connections.add(connection);
      if (viaFallback) this.fallbackConnections.add(connection);
      this.registry.connect(connection);
      return connection;
    };
    this.transport = new WebSocketTransport<ConnectionContext>(this.httpServer, {
      maxPayload: config.limits.maxMessageBytes,
      pingIntervalMs: config.pingIntervalMs,
      scheduler: this.scheduler,
      decideUpgrade: (request) => this.decideUpgrade(request.url ?? '/'),
      accept: (socket, context) => accept(socket, context, false),
    });
    this.fallback =
      config.httpFallback === null
        ? null
        : new HttpFallbackTransport<ConnectionContext>({
            scheduler: this.scheduler,
            logger: deps.logger,
            idleMs: config.httpFallback.idleMs,
            pollMs: config.httpFallback.pollMs,
            // Room for one frame as large as a WebSocket may carry, and its framing.
            maxBodyBytes: config.limits.maxMessageBytes + 64,
            maxFramesPerBatch: config.limits.messageBurst,
            maxBufferedBytes: 2 * config.limits.sendBufferLimitBytes,
            decide: (url) => this.decideUpgrade(url),
            accept: (socket, context) => accept(socket, context, true),
            sendJson,
          });
    this.metrics.connectionsByTransport = () => ({
      websocket: this.connections.size - this.fallbackConnections.size,
      http: this.fallbackConnections.size,
    });
  }

  /**
   * Cluster mode's compaction: only the node holding the document's lease compacts, from what is
   * stored (every node's appends), fenced by the lease's token.
   */
  private leasedCompaction(relay: StreamRelay, store: DocumentStore): ((docName: string, held: () => Uint8Array) => Promise<void>) | undefined {
    const compactFromStored = store.compactFromStored?.bind(store);
    if (compactFromStored === undefined) return undefined;
    return async (docName, held) => {
      const fence = await relay.compactionLease.acquire(docName);
      if (fence === null) return; // another node is compacting it
      try {
        // A CRDT join: the snapshot holds everything stored and everything this node holds.
        const outcome = await compactFromStored(docName, fence, (parts) => mergeStoredParts([...parts, held()]));
        this.deps.logger.debug({ doc: docName, fence, outcome }, 'cluster compaction');
      } finally {
        await relay.compactionLease.release(docName).catch(() => undefined);
      }
    };
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen({ port: this.config.port, host: this.config.host, backlog: LISTEN_BACKLOG }, () => {
        this.httpServer.off('error', reject);
        resolve(this.port);
      });
    });
  }

  /**
   * SIGHUP: reads TLS_CERT_FILE and TLS_KEY_FILE again and serves them to every new connection;
   * open connections keep the session they have. If either file is unreadable or wrong, the
   * previous certificate stays in use and the error is logged (and shown by /healthz).
   */
  reloadTls(): boolean {
    if (this.config.tls === null || this.tls === null) return false;
    let next: TlsCredentials;
    try {
      next = readTlsCredentials(this.config.tls);
      (this.httpServer as HttpsServer).setSecureContext({ cert: next.cert, key: next.key });
    } catch (error) {
      this.tlsReloadError = error instanceof Error ? error.message : String(error);
      this.metrics.tlsReloads.inc({ result: 'failed' });
      this.deps.logger.error(
        { error: this.tlsReloadError, serving: describeCertificate(this.tls) },
        'TLS reload failed; still serving the previous certificate',
      );
      return false;
    }
    this.tls = next;
    this.tlsReloadError = null;
    this.metrics.tlsReloads.inc({ result: 'ok' });
    this.metrics.setCertificateExpiry(next.validTo);
    const certificate = describeCertificate(next);
    if (certificate.expired) this.deps.logger.warn({ certificate }, 'TLS certificate reloaded, but it has expired');
    else this.deps.logger.info({ certificate }, 'TLS certificate reloaded');
    return true;
  }

  /** The certificate served to new connections, or null without TLS. */
  get certificate(): ReturnType<typeof describeCertificate> | null {
    return this.tls === null ? null : describeCertificate(this.tls);
  }

  get port(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  health(): HealthReport {
    const storage = this.persistence.health();
    const relay = this.deps.relay?.health() ?? null;
    const healthy = storage.ok && (relay === null || relay.connected);
    return {
      status: this.stopping !== null ? 'stopping' : healthy ? 'ok' : 'degraded',
      auth: this.access.mode,
      documentsLoaded: this.registry.loadedCount,
      connections: this.connections.size,
      storage: { ...storage, backend: this.deps.store.kind },
      ...(relay === null ? {} : { cluster: { node: this.deps.relay!.nodeId, redis: relay } }),
      ...(this.tls === null ? {} : { tls: { ...describeCertificate(this.tls), reloadError: this.tlsReloadError } }),
      uptimeSeconds: Math.round((this.scheduler.now() - this.startedAt) / 1000),
    };
  }

  /**
   * Graceful stop: refuse new connections, tell every client to come back soon (1012), write every
   * received update, then release storage. Rejects when updates could not be written within the
   * shutdown timeout (they are logged; the store is left open for the process to exit on).
   */
  close(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.transport.stopAccepting();
    this.fallback?.stopAccepting();
    const httpClosed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    for (const connection of this.connections) {
      connection.close(CloseCode.ServiceRestart, 'server restarting', 'shutdown');
    }
    this.connections.clear();
    const flushed = this.registry.close().then(() => true);
    const timedOut = new Promise<false>((resolve) => {
      const timer = this.scheduler.setTimeout(() => resolve(false), this.config.shutdownTimeoutMs);
      void flushed.then(() => timer.cancel());
    });
    const complete = await Promise.race([flushed, timedOut]);
    this.persistence.close();
    await this.deps.relay?.stop();
    this.transport.close();
    this.fallback?.close();
    this.httpServer.closeAllConnections();
    await httpClosed;
    if (!complete) {
      const { pendingUpdates, lastError } = this.persistence.health();
      this.deps.logger.error({ pendingUpdates, lastError }, 'shutdown timed out with unwritten updates');
      throw new Error(`${pendingUpdates} updates could not be written before shutdown`);
    }
    await this.deps.store.close();
  }

  private decideUpgrade(url: string): UpgradeDecision<ConnectionContext> {
    const docName = documentNameFromUrl(url);
    if (docName === null) return { accept: false, status: 400, message: 'document name missing or invalid' };
    const token = new URLSearchParams(url.slice(url.indexOf('?') + 1 || url.length)).get('token');
    return { accept: true, context: { docName, access: this.access.decide(docName, token) } };
  }

  /**
   * A refused connection is still upgraded, only to be told why: browsers hide the HTTP status of a
   * failed upgrade, so a 401 would look like a network error and the editor would retry forever.
   * The socket gets the y-protocols "permission denied" message, then a 44xx close, and not a
   * single byte of the document.
   */
  private deny(socket: Socket, docName: string, access: Extract<AccessDecision, { granted: false }>): SocketEvents {
    this.deps.logger.info({ doc: docName, code: access.closeCode, reason: access.reason }, 'connection refused');
    this.metrics.closes.inc({ reason: access.closeCode === CloseCode.Unauthorized ? 'unauthorized' : 'forbidden' });
    socket.send(encodePermissionDenied(access.reason));
    socket.close(access.closeCode, access.reason);
    return ignoredSocketEvents;
  }
}
