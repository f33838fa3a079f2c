// Scenario (j): a full node. (a)'s editing load alone first, then N protocol-only connections over
// N/5 documents (each renewing its presence every 15 s) join at a bounded pace, the node idles with
// only those renewals for ~10 s, and (a)'s load runs again on top. Memory per connection is RSS
// above the idle process (measured right after start), divided by the connections.
import { performance } from 'node:perf_hooks';
import { openFileLimit } from './readers-pool.mjs';
import { runEditing } from './scenario-editing.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Tandem's longest event-loop stall (s) since the last call: prom-client resets its loop-delay
 * histogram at every scrape of /metrics. Null for the other servers.
 */
async function loopLagMaxS(server) {
  if (server.name !== 'tandem') return null;
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds '));
    return line === undefined ? null : Number(line.split(' ')[1]);
  } catch {
    return null;
  }
}

/** Files a process needs beyond its sockets (LevelDB, stdio, the listening socket, …): a margin. */
const FILE_MARGIN = 200;

export async function runNode(server, pool, { connections, perDoc, renewMs, idleMs, connectPerSec, editing, prefix }, log = () => {}) {
  await sleep(1000);
  const idleRssMb = server.memory().rssMb;
  const editingClients = editing.docs * editing.clientsPerDoc;
  const limits = { loadGen: openFileLimit(), server: openFileLimit(server.pid), perReaderProcess: Math.ceil(connections / pool.children.length) };
  const serverNeeds = connections + editingClients + FILE_MARGIN;
  const limitHit = serverNeeds > limits.server || limits.perReaderProcess + FILE_MARGIN > limits.loadGen || editingClients + FILE_MARGIN > limits.loadGen;

  const before = await runEditing(server, { ...editing, prefix: `${prefix}-alone`, echoFree: true });
  log(`bench:   (a)'s load alone: p99 ${before.latencyMs.p99.toFixed(1)} ms`);
  const rssBeforeMb = server.memory().rssMb;
  await loopLagMaxS(server);
  const readers = Array.from({ length: connections }, (_, index) => ({ docName: `${prefix}-idle-${Math.floor(index / perDoc)}`, index }));
  const connect = await pool.connect(server, readers, { perSec: connectPerSec, renewMs });
  log(`bench:   ${connect.ok} connections in ${(connect.ms / 1000).toFixed(1)} s (${connect.failed} failed ${JSON.stringify(connect.failures)}, ${connect.pending} pending)`);
  await sleep(3000); // the last joins' replies and first renewals
  const joinLagS = await loopLagMaxS(server);

  // Idle: only the presence renewals.
  await pool.startWindow();
  const cpu0 = server.cpu();
  const t0 = performance.now();
  await sleep(idleMs);
  const idleCpuPercent = ((server.cpu() - cpu0) / ((performance.now() - t0) / 1000)) * 100;
  const idleWindow = await pool.readWindow();
  log(`bench:   idle: ${idleCpuPercent.toFixed(1)} % of a core; readers closed so far: ${idleWindow.closed} ${JSON.stringify(idleWindow.closedWhy)}`);
  const rssConnectedMb = server.memory().rssMb;
  const idleLagS = await loopLagMaxS(server);
  if (joinLagS !== null) log(`bench:   server's longest event-loop stall: ${(joinLagS * 1000).toFixed(0)} ms while they joined, ${(idleLagS * 1000).toFixed(0)} ms while idle`);

  const under = await runEditing(server, { ...editing, prefix: `${prefix}-loaded`, echoFree: true });
  const end = await pool.readWindow();
  const loadedLagS = await loopLagMaxS(server);
  if (loadedLagS !== null) log(`bench:   server's longest event-loop stall under (a)'s load: ${(loadedLagS * 1000).toFixed(0)} ms`);
  log(`bench:   why the server closed connections (its log's labels): ${JSON.stringify(server.closeLabels)}`);
  log(`bench:   under load: p99 ${under.latencyMs.p99.toFixed(1)} ms; readers closed by the server: ${end.closed} ${JSON.stringify(end.closedWhy)}`);
  return {
    connections,
    connect,
    limits: { ...limits, serverNeeds, hit: limitHit },
    idleRssMb,
    rssConnectedMb,
    // Divided by the connections still open when the RSS was read (a server may have dropped some).
    openWhileIdle: idleWindow.open,
    kbPerConnection: ((rssConnectedMb - idleRssMb) * 1024) / idleWindow.open,
    kbPerConnectionAboveEditing: ((rssConnectedMb - rssBeforeMb) * 1024) / idleWindow.open,
    idleCpuPercent,
    idleFramesPerSec: idleWindow.frames / idleWindow.wallSeconds,
    before: { latencyMs: before.latencyMs, missing: before.missing, disconnected: before.disconnected },
    latencyMs: under.latencyMs,
    p99Ratio: under.latencyMs.p99 / before.latencyMs.p99,
    missing: before.missing + under.missing,
    disconnected: before.disconnected + under.disconnected + end.closed,
    closeLabels: server.closeLabels,
    serverLoopLagMaxMs: joinLagS === null ? null : { join: joinLagS * 1000, idle: idleLagS * 1000, loaded: loadedLagS * 1000 },
    notConnected: connect.failed + connect.pending,
    peakRssMb: server.memory().peakRssMb,
    loadGenCpuPercent: under.loadGenCpuPercent,
    loadGenLoopDelayP99Ms: under.loadGenLoopDelayP99Ms,
    readerProcesses: pool.children.length,
    readersCpuPercent: (end.cpuSeconds / end.wallSeconds) * 100,
    readersLoopDelayP99Ms: end.loopP99Ms,
  };
}
