/**
 * What GET /healthz answers: "ok" while storage writes succeed and, in cluster mode, the node
 * reaches the others; "degraded" (HTTP 503) otherwise; "stopping" once a graceful stop began.
 */
import type { ClusterHealth } from '../cluster-mode';
import type { StorageHealth } from '../document/persistence-queue';
import type { DocumentStore } from '../storage/document-store';
import type { HealthReport } from './http-routes';

export interface HealthParts {
  readonly stopping: boolean;
  readonly auth: HealthReport['auth'];
  readonly documentsLoaded: number;
  readonly connections: number;
  readonly storage: StorageHealth;
  readonly backend: DocumentStore['kind'];
  readonly cluster: { readonly node: string; readonly health: ClusterHealth } | null;
  readonly tls: HealthReport['tls'] | null;
  readonly uptimeSeconds: number;
}

export function healthReport(parts: HealthParts): HealthReport {
  const healthy = parts.storage.ok && (parts.cluster === null || parts.cluster.health.connected);
  return {
    status: parts.stopping ? 'stopping' : healthy ? 'ok' : 'degraded',
    auth: parts.auth,
    documentsLoaded: parts.documentsLoaded,
    connections: parts.connections,
    storage: { ...parts.storage, backend: parts.backend },
    ...(parts.cluster === null ? {} : { cluster: { node: parts.cluster.node, redis: parts.cluster.health } }),
    ...(parts.tls === null ? {} : { tls: parts.tls }),
    uptimeSeconds: parts.uptimeSeconds,
  };
}
