// Scenario (h): the HTTP fallback under (a)'s load. Every client is Tandem's own (a SyncSession,
// echo-free, asking for saves as the editor does); a share of them carries its frames over the
// HTTP fallback transport (long-poll GET, batched POST) instead of a WebSocket. Run at 0 %, 50 %
// and 100 % on the fallback against the same server build, so the extra server CPU per fallback
// client and the latency of each path (sender → receiver transport) can be read side by side.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { importProjectModules } from './project-bundle.mjs';
import { runEditing } from './scenario-editing.mjs';
import { ServerProcess } from './servers.mjs';
import { fmt, markdownTable, median } from './stats.mjs';

/** The client's session and transports, bundled for this process. */
function loadClient() {
  return importProjectModules('fallback-client', [
    "export { SyncSession } from './lib/client/sync/sync-session.ts';",
    "export { HttpTransport } from './lib/client/transport/http-transport.ts';",
    "export { WebSocketTransport } from './lib/client/transport/websocket-transport.ts';",
  ]);
}

/**
 * fetch over node:http with one keep-alive pool: undici's fetch costs the load generator several
 * times more CPU per request, which then shows up as latency that is not the server's.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
function lightFetch(url, init = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method ?? 'GET', agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: response.statusCode,
          json: async () => JSON.parse(body.toString()),
          arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
        });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    init.signal?.addEventListener('abort', () => request.destroy(new Error('aborted')));
    if (init.body) request.end(Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength));
    else request.end();
  });
}

/** A page environment that is always online and never fires events. */
const quietEnvironment = () => ({ events: new EventTarget(), isOnline: () => true });

async function clientFactory() {
  const { SyncSession, HttpTransport, WebSocketTransport } = await loadClient();
  return (server, docName, carrier) => {
    const doc = new Y.Doc();
    const environment = quietEnvironment();
    const transport =
      carrier === 'http'
        ? new HttpTransport({ baseUrl: `http://127.0.0.1:${server.port}`, docName, environment, fetch: lightFetch })
        : new WebSocketTransport({ url: `${server.url}/${encodeURIComponent(docName)}`, WebSocket, environment });
    const session = new SyncSession({ doc, transport, pageEvents: environment.events });
    const ready = new Promise((resolve) => {
      const check = () => session.view.phase === 'synced' && resolve();
      session.subscribe(check);
      check();
    });
    transport.open();
    return {
      doc,
      text: doc.getText('t'),
      awareness: session.awareness,
      ready,
      destroy() {
        session.destroy();
        transport.close();
        doc.destroy();
      },
    };
  };
}

export async function runFallbackScenario({ editing, shares }, { runs, log }) {
  const create = await clientFactory();
  const results = Object.fromEntries(shares.map((share) => [share, []]));
  for (let run = 0; run < runs; run++) {
    for (const share of shares) {
      log(`bench: (h) ${Math.round(share * 100)} % of the clients on the HTTP fallback (run ${run + 1}/${runs})`);
      const server = new ServerProcess('tandem');
      await server.start();
      try {
        // Every other client (by index) is on the fallback at 50 %: each document gets both kinds.
        const onFallback = (index) => share === 1 || (share > 0 && index % Math.round(1 / share) === 0);
        const started = performance.now();
        const result = await runEditing(server, { ...editing, prefix: `bench-h-${Date.now().toString(36)}` }, {
          createClient: (index, docName) => create(server, docName, onFallback(index) ? 'http' : 'websocket'),
          latencyClass: (sender, receiver) => `${onFallback(sender) ? 'http' : 'socket'}→${onFallback(receiver) ? 'http' : 'socket'}`,
        });
        const clients = result.clients;
        const fallbackClients = Array.from({ length: clients }, (_, i) => i).filter(onFallback).length;
        results[share].push({ ...result, fallbackClients, wallMs: performance.now() - started });
      } finally {
        await server.dispose();
      }
    }
  }
  return { shares, results, durationMs: editing.durationMs };
}

export function fallbackTable({ shares, results, durationMs }) {
  const seconds = durationMs / 1000;
  const med = (list, pick) => median(list.map(pick).filter((x) => Number.isFinite(x)));
  const base = results[0] ?? results[shares[0]];
  const baseCpu = med(base, (r) => r.cpuSeconds);
  const rows = shares.map((share) => {
    const list = results[share];
    const cpu = med(list, (r) => r.cpuSeconds);
    const n = list[0]?.clients ?? 0;
    const f = list[0]?.fallbackClients ?? 0;
    const classes = [...new Set(list.flatMap((r) => Object.keys(r.latencyByClassMs ?? {})))].sort();
    const byClass = classes.map((c) => `${c} ${fmt(med(list, (r) => r.latencyByClassMs?.[c]?.p50))} / ${fmt(med(list, (r) => r.latencyByClassMs?.[c]?.p99))}`).join('; ');
    // cpu = (n - f) × perSocket + f × perFallback, perSocket from the run without the fallback.
    const perSocket = baseCpu / n;
    const perFallback = f > 0 ? (cpu - (n - f) * perSocket) / f : NaN;
    return [
      `${Math.round(share * 100)} % (${f} of ${n})`,
      `${fmt(med(list, (r) => r.latencyMs.p50))} / ${fmt(med(list, (r) => r.latencyMs.p99))}`,
      byClass,
      fmt(cpu, 2),
      `${fmt((perSocket * 1000) / seconds, 2)} / ${f > 0 ? fmt((perFallback * 1000) / seconds, 2) : '–'}`,
      f > 0 ? `×${fmt(perFallback / perSocket, 2)}` : '–',
      String(med(list, (r) => r.missing)),
      list.every((r) => r.converged) ? 'yes' : 'NO',
      fmt(med(list, (r) => r.loadGenCpuPercent), 0),
    ];
  });
  return markdownTable(
    ['on the fallback', 'p50 / p99 ms', 'p50 / p99 ms by path (sender→receiver)', 'server CPU s', 'server CPU ms per client-second: socket / fallback', 'fallback client vs socket client', 'missing', 'converged', 'load-gen CPU %'],
    rows,
  );
}
