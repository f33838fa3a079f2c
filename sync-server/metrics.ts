/**
 * Prometheus metrics for one server instance. A registry per instance (not prom-client's global
 * one) so several servers in one test process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Counts taken on every frame. They are plain numbers, copied into their counters when the metrics
 * are read: a prom-client increment per frame cost more than the rest of the bookkeeping together.
 */
export class TrafficCounts {
  messagesSent = 0;
  bytesSent = 0;
  bytesReceived = 0;
  readonly messagesReceived = new Map<string, number>();

  countReceived(type: string): void {
    this.messagesReceived.set(type, (this.messagesReceived.get(type) ?? 0) + 1);
  }
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly traffic = new TrafficCounts();

  readonly connections = new Gauge({
    name: 'tandem_connections',
    help: 'Open client connections (WebSocket and HTTP fallback)',
    registers: [this.registry],
  });
  /** Set by the server: how many of the connections came over each transport. */
  connectionsByTransport: () => { readonly websocket: number; readonly http: number } = () => ({ websocket: 0, http: 0 });
  readonly connectionsPerTransport = new Gauge({
    name: 'tandem_connections_by_transport',
    help: 'Open connections by transport: websocket, or http (the HTTP fallback)',
    labelNames: ['transport'] as const,
    registers: [this.registry],
    collect: () => {
      const counts = this.connectionsByTransport();
      this.connectionsPerTransport.set({ transport: 'websocket' }, counts.websocket);
      this.connectionsPerTransport.set({ transport: 'http' }, counts.http);
    },
  });
  /** Set by the server: how many of the connections are to text documents, and how many to their comments. */
  connectionsByDocument: () => { readonly text: number; readonly comments: number } = () => ({ text: 0, comments: 0 });
  readonly connectionsPerDocument = new Gauge({
    name: 'tandem_connections_by_document',
    help: "Open connections by what they are to: text (a document), or comments (a document's comments, <id>/comments)",
    labelNames: ['document'] as const,
    registers: [this.registry],
    collect: () => {
      const counts = this.connectionsByDocument();
      this.connectionsPerDocument.set({ document: 'text' }, counts.text);
      this.connectionsPerDocument.set({ document: 'comments' }, counts.comments);
    },
  });
  readonly documentsLoaded = new Gauge({
    name: 'tandem_documents_loaded',
    help: 'Documents held in memory',
    registers: [this.registry],
  });
  readonly messagesReceived = new Counter({
    name: 'tandem_messages_received_total',
    help: 'Messages received from clients, by message type',
    labelNames: ['type'] as const,
    registers: [this.registry],
    collect: () => {
      this.messagesReceived.reset();
      for (const [type, count] of this.traffic.messagesReceived) this.messagesReceived.inc({ type }, count);
    },
  });
  readonly messagesSent = trafficCounter(this, 'tandem_messages_sent_total', 'Messages sent to clients', 'messagesSent');
  readonly bytesReceived = trafficCounter(this, 'tandem_bytes_received_total', 'Bytes received from clients', 'bytesReceived');
  readonly bytesSent = trafficCounter(this, 'tandem_bytes_sent_total', 'Bytes sent to clients', 'bytesSent');
  readonly updateApplySeconds = new Histogram({
    name: 'tandem_update_apply_seconds',
    help: 'Time to validate and apply one received document update',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly storageWriteSeconds = new Histogram({
    name: 'tandem_storage_write_seconds',
    help: 'Time of one storage write (a batch of appended updates, or a compaction)',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly documentLoadSeconds = new Histogram({
    name: 'tandem_document_load_seconds',
    help: 'Time to load a document from storage into memory',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });
  readonly storagePendingUpdates = new Gauge({
    name: 'tandem_storage_pending_updates',
    help: 'Received updates not yet written to storage',
    registers: [this.registry],
  });
  readonly storageHealthy = new Gauge({
    name: 'tandem_storage_healthy',
    help: '1 when the last storage operation succeeded, 0 while writes are failing and being retried',
    registers: [this.registry],
  });
  readonly storageBackend = new Gauge({
    name: 'tandem_storage_backend_info',
    help: 'The store in use (label backend: leveldb, postgresql or memory), always 1',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tandem_errors_total',
    help: 'Errors by kind (protocol, storage, internal)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly refusedUpdates = new Counter({
    name: 'tandem_refused_updates_total',
    help: 'Edits refused from read-only connections (a view link, or a comment link on the text), by role',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'tandem_connection_closes_total',
    help: 'Connections closed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tlsReloads = new Counter({
    name: 'tandem_tls_reloads_total',
    help: 'Certificate reloads on SIGHUP, by result (ok, failed: the previous certificate is kept)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  /** Registered only with TLS: a server without a certificate reports no expiry rather than 0. */
  private certificateExpiry: Gauge | null = null;

  setCertificateExpiry(validTo: Date): void {
    this.certificateExpiry ??= new Gauge({
      name: 'tandem_tls_certificate_expiry_timestamp_seconds',
      help: 'When the certificate served to new connections expires (Unix time)',
      registers: [this.registry],
    });
    this.certificateExpiry.set(Math.floor(validTo.getTime() / 1000));
  }

  /**
   * Cluster mode: the node's link to Redis and its cross-node traffic, read from the relay when
   * scraped (registered only then, so a single server reports none of them).
   */
  observeCluster(health: () => ClusterMetricsSource): void {
    const gauge = (name: string, help: string, read: (source: ClusterMetricsSource) => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() {
        this.set(read(health()));
      } });
    gauge('tandem_cluster_redis_connected', '1 while the node reaches Redis (both its connections), 0 while it is cut off', (h) => (h.connected ? 1 : 0));
    gauge('tandem_cluster_documents', 'Documents this node relays through Redis', (h) => h.documents);
    gauge('tandem_cluster_entries_sent', 'Stream entries this node has added (updates, presence, state vectors, stored positions)', (h) => h.entriesSent);
    gauge('tandem_cluster_entries_received', 'Stream entries of other nodes this node has read', (h) => h.entriesReceived);
    gauge('tandem_cluster_unconfirmed_updates', 'Relayed updates held until their node says it stored them', (h) => h.unconfirmedUpdates);
    gauge('tandem_cluster_orphans_stored', 'Relayed updates this node stored itself because their node never confirmed them', (h) => h.orphansStored);
    gauge('tandem_cluster_gaps_detected', 'Times this node found it had missed stream entries (numbers jumped, or the stream was trimmed past it)', (h) => h.gapsDetected);
    gauge('tandem_cluster_digest_mismatches', "Times another node's digest showed this node lacked content", (h) => h.digestMismatches);
    gauge('tandem_cluster_catch_ups', 'State vectors this node sent to catch up after a gap or a digest mismatch', (h) => h.catchUps);
  }

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    this.storageHealthy.set(1);
    if (options.collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

function trafficCounter(
  metrics: ServerMetrics,
  name: string,
  help: string,
  count: 'messagesSent' | 'bytesSent' | 'bytesReceived',
): Counter {
  const counter: Counter = new Counter({
    name,
    help,
    registers: [metrics.registry],
    collect: () => {
      counter.reset();
      counter.inc(metrics.traffic[count]);
    },
  });
  return counter;
}

/** What the cluster metrics read (cluster/stream-relay.ts RelayHealth). */
export interface ClusterMetricsSource {
  readonly connected: boolean;
  readonly documents: number;
  readonly entriesSent: number;
  readonly entriesReceived: number;
  readonly unconfirmedUpdates: number;
  readonly orphansStored: number;
  readonly gapsDetected: number;
  readonly digestMismatches: number;
  readonly catchUps: number;
}
