/**
 * A sync server instance, composed top to bottom:
 *   HTTP(S) server ── upgrade ──► transport (ws) ──► Connection ──► RoomRegistry ──► Room (Y.Doc)
 *                                                                      │
 *                                             PersistenceQueue ◄───────┘ ──► DocumentStore (LevelDB)
 * The document core (the queue and the registry) is wired in document-core.ts; cluster mode, when
 * there is one, is a ClusterMode given by the caller (cluster-mode.ts). Everything is owned by the
 * instance; several can run in one process (the tests do).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { commentedDocumentOf } from '../lib/comments/comments-document';
import { CloseCode } from '../lib/protocol/close-codes';
import { AccessPolicy } from './auth/access-policy';
import { LinkRecords } from './auth/link-records';
import { LinkWatch } from './auth/link-watch';
import { TokenSigner } from './auth/token-signer';
import type { ClusterMode } from './cluster-mode';
import type { ServerConfig } from './config';
import { Connection, type ConnectionDeps } from './connection/connection';
import { KeyedRateLimiter } from './connection/rate-limiter';
import type { Socket, SocketEvents } from './connection/socket';
import { createDocumentCore } from './document-core';
import { localCompaction } from './document/compaction-policy';
import type { PersistenceQueue } from './document/persistence-queue';
import { healthReport } from './edge/health-report';
import { HttpFallbackTransport } from './edge/http-fallback-routes';
import { createHttpHandler, sendJson, type HealthReport } from './edge/http-routes';
import { ServedCertificate, type CertificateDescription } from './edge/served-certificate';
import { WebSocketTransport } from './edge/transport';
import { decideUpgrade, refuseConnection, type ConnectionContext } from './edge/upgrade-decision';
import type { Logger } from './logger';
import { ServerMetrics } from './metrics';
import type { RoomRegistry } from './room/room-registry';
import { SINGLE_SERVER } from './room/room-replication';
import { createSystemScheduler, type Scheduler } from './scheduler';
import type { DocumentStore } from './storage/document-store';
import { isShareLinkStore } from './storage/share-link-store';

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
  /** Cluster mode: the link to the other nodes (started by the caller; stopped with the server). */
  readonly cluster?: ClusterMode | null;
}

export class SyncServer {
  readonly metrics: ServerMetrics;
  readonly access: AccessPolicy;
  /** https when TLS_CERT_FILE/TLS_KEY_FILE are set: WebSocket over TLS is the same upgrade on it. */
  private readonly httpServer: HttpServer | HttpsServer;
  /** The certificate being served, or null without TLS. */
  private readonly tls: ServedCertificate | null;
  private readonly transport: WebSocketTransport<ConnectionContext>;
  private readonly fallback: HttpFallbackTransport<ConnectionContext> | null;
  /** The connections that came over the HTTP fallback (a subset of `connections`). */
  private readonly fallbackConnections = new Set<Connection>();
  private readonly persistence: PersistenceQueue;
  private readonly registry: RoomRegistry;
  private readonly cluster: ClusterMode | null;
  /** The open connections of each share link, closed when it is revoked or expires (null without records). */
  private readonly linkWatch: LinkWatch | null;
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
    this.cluster = deps.cluster ?? null;
    const shared = { logger: deps.logger, metrics: this.metrics, scheduler: this.scheduler };
    ({ persistence: this.persistence, registry: this.registry } = createDocumentCore(config, {
      ...shared,
      // A single node writes its store as it is, compacts locally and keeps no copies elsewhere.
      store: this.cluster?.store ?? deps.store,
      compaction: this.cluster?.compaction(config.compactAfterUpdates) ?? localCompaction(config.compactAfterUpdates, config.compactAfterBytes),
      replication: this.cluster?.replication(shared) ?? SINGLE_SERVER,
      // Connected editors hear at once that their edits are kept but not saved, and when saving resumes.
      onStorageHealthChange: (ok) => {
        for (const connection of this.connections) connection.notifyStorageState(ok);
      },
    }));
    this.metrics.storageBackend.set({ backend: deps.store.kind }, 1);
    if (this.cluster !== null) {
      const cluster = this.cluster;
      this.metrics.observeCluster(() => cluster.health());
      // Cut off from Redis, a node keeps saving its clients' edits but the other nodes do not see
      // them until it reconnects: its editors are told, not left to wonder where the others went.
      cluster.onConnectedChange((connected) => {
        for (const connection of this.connections) connection.notifySharingState(connected);
      });
    }
    // The same store the documents use: in cluster mode the shared one, so every node sees every link.
    const documentStore = this.cluster?.store ?? deps.store;
    const linkRecords = isShareLinkStore(documentStore) ? new LinkRecords(documentStore, this.scheduler) : null;
    this.access = new AccessPolicy(config.auth.mode, new TokenSigner(deps.secret), this.scheduler, linkRecords);
    this.linkWatch = linkRecords === null ? null : new LinkWatch({ scheduler: this.scheduler, logger: deps.logger, records: linkRecords });
    // Another node revoked a link: this node's connections of it end as if it had been revoked here.
    this.cluster?.onLinkRevoked((docName, linkId) => this.linkWatch?.revoked(docName, linkId));

    const handler = createHttpHandler({
      metrics: this.metrics,
      access: this.access,
      documentCreation: new KeyedRateLimiter(config.auth.documentsPerMinute / 60, config.auth.documentBurst, () => this.scheduler.now()),
      trustProxy: config.trustProxy,
      documentApi: { access: this.access, registry: this.registry, logger: deps.logger, maxBodyBytes: config.limits.maxApiBodyBytes },
      links: {
        logger: deps.logger,
        now: () => this.scheduler.now(),
        onRevoked: (docName, linkId) => {
          this.linkWatch?.revoked(docName, linkId);
          this.cluster?.announceLinkRevoked(docName, linkId);
        },
      },
      health: () => this.health(),
      fallback: (request, response, path) => this.fallback?.handle(request, response, path) ?? false,
    });
    this.tls = config.tls === null ? null : new ServedCertificate(config.tls, shared);
    this.httpServer = this.tls === null ? createServer(handler) : createHttpsServer(this.tls.keyPair, handler);

    const connectionDeps: ConnectionDeps = {
      ...shared,
      storageHealthy: () => this.persistence.health().ok,
      sharingHealthy: () => this.cluster?.health().connected ?? true,
      onSocketClosed: (connection) => {
        this.connections.delete(connection);
        this.fallbackConnections.delete(connection);
        this.linkWatch?.untrack(connection);
      },
    };
    const accept = (socket: Socket, context: ConnectionContext, viaFallback: boolean): SocketEvents => {
      if (!context.access.granted) return refuseConnection(socket, context.docName, context.access, shared);
      const { permission, grant } = context.access;
      // Only a read-only connection's refused edit names its link (room/permissions.ts): a writer keeps no grant.
      const connection = new Connection(this.nextConnectionId++, context.docName, permission, socket, config.limits, connectionDeps, permission === 'read' ? grant : null);
      this.connections.add(connection);
      if (viaFallback) this.fallbackConnections.add(connection);
      this.linkWatch?.track(connection, context.docName, context.access.grant);
      this.registry.connect(connection);
      return connection;
    };
    this.transport = new WebSocketTransport<ConnectionContext>(this.httpServer, {
      maxPayload: config.limits.maxMessageBytes,
      pingIntervalMs: config.pingIntervalMs,
      scheduler: this.scheduler,
      decideUpgrade: (request) => decideUpgrade(request.url ?? '/', this.access),
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
            decide: (url) => decideUpgrade(url, this.access),
            accept: (socket, context) => accept(socket, context, true),
            sendJson,
          });
    this.metrics.connectionsByTransport = () => ({
      websocket: this.connections.size - this.fallbackConnections.size,
      http: this.fallbackConnections.size,
    });
    // Counted when scraped, not kept up to date per connection: a scrape is rare, a connection is not.
    this.metrics.connectionsByDocument = () => {
      let comments = 0;
      for (const connection of this.connections) if (commentedDocumentOf(connection.docName) !== null) comments++;
      return { text: this.connections.size - comments, comments };
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
   * SIGHUP: reads TLS_CERT_FILE and TLS_KEY_FILE again and serves them to every new connection
   * (edge/served-certificate.ts). False without TLS, or when the files were refused.
   */
  reloadTls(): boolean {
    return this.tls?.reload(this.httpServer as HttpsServer) ?? false;
  }

  /** The certificate served to new connections, or null without TLS. */
  get certificate(): CertificateDescription | null {
    return this.tls?.describe() ?? null;
  }

  get port(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  health(): HealthReport {
    return healthReport({
      stopping: this.stopping !== null,
      auth: this.access.mode,
      documentsLoaded: this.registry.loadedCount,
      connections: this.connections.size,
      storage: this.persistence.health(),
      backend: this.deps.store.kind,
      cluster: this.cluster === null ? null : { node: this.cluster.nodeId, health: this.cluster.health() },
      tls: this.tls?.health() ?? null,
      uptimeSeconds: Math.round((this.scheduler.now() - this.startedAt) / 1000),
    });
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
    this.linkWatch?.stop();
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
    await this.cluster?.stop();
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
}
