/**
 * Plain HTTP on the sync server's port: operations endpoints for load balancers and Prometheus.
 * Anything else is a 404; WebSocket upgrades never reach this handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMetrics } from './metrics';
import type { StorageHealth } from './persistence-queue';

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'stopping';
  readonly documentsLoaded: number;
  readonly connections: number;
  readonly storage: StorageHealth;
  readonly uptimeSeconds: number;
}

export function createHttpHandler(deps: { metrics: ServerMetrics; health: () => HealthReport }) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'method not allowed' });
      return;
    }
    switch (path) {
      case '/healthz': {
        const report = deps.health();
        // 503 when storage is failing: a load balancer should stop sending new users here.
        sendJson(response, report.status === 'ok' ? 200 : 503, report);
        return;
      }
      case '/metrics':
        deps.metrics.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType });
            response.end(text);
          },
          () => sendJson(response, 500, { error: 'metrics unavailable' }),
        );
        return;
      default:
        sendJson(response, 404, { error: 'not found' });
    }
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
