// Scenario (e): connection storm. N wire-level clients on D documents connect at once (connected =
// the server answered the client's sync step 1), then all drop at once and reconnect at once.
import { performance } from 'node:perf_hooks';
import { WireClient } from './wire-client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connectAll(clients) {
  const t0 = performance.now();
  const results = await Promise.allSettled(clients.map((c) => c.connect(60000)));
  return { ms: performance.now() - t0, failed: results.filter((r) => r.status === 'rejected').length };
}

export async function runStorm(server, { clients: n, docs, prefix }) {
  const clients = Array.from({ length: n }, (_, i) => new WireClient(server, `${prefix}-${i % docs}`, i));
  const cpu0 = server.cpu();
  const first = await connectAll(clients);
  // one edit each, so the reconnect has documents with content to serve
  for (const c of clients) c.edit();
  await sleep(1000);
  for (const c of clients) c.ws.terminate();
  await sleep(200);
  const again = await connectAll(clients);
  const cpu = server.cpu() - cpu0;
  const mem = server.memory();
  await Promise.all(clients.map((c) => c.close()));
  return { connectAllMs: first.ms, connectFailed: first.failed, reconnectAllMs: again.ms, reconnectFailed: again.failed, cpuSeconds: cpu, peakRssMb: mem.peakRssMb };
}
