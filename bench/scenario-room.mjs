// Scenario (i): a big room. One document, N people: a few stock clients type with carets, ~30 stock
// clients read (their latency is the figure), everyone else is a protocol-only reader in a child
// process (reader-worker.mjs) that keeps its presence alive every 15 s, as y-protocols does.
import { performance } from 'node:perf_hooks';
import { pageInRoom } from './room-browser.mjs';
import { runEditing } from './scenario-editing.mjs';

/**
 * pool: a ReaderPool (readers-pool.mjs) the caller stops. Returns the stock clients' latency and the
 * readers' (from their histograms), missing and disconnected of both, server CPU in cores over the
 * measured window, peak RSS, presence frames per reader per second and the load generator's cost.
 */
export async function runRoom(server, pool, { people, editors, stockReaders, rate, renewMs, durationMs, warmupMs, connectPerSec, prefix, browser = false }, log = () => {}) {
  const docName = `${prefix}-0`; // runEditing names its documents <prefix>-<n>
  const wireReaders = Math.max(0, people - editors - stockReaders);
  const connectCpu0 = server.cpu();
  const connect = await pool.connect(server, Array.from({ length: wireReaders }, (_, index) => ({ docName, index })), { perSec: connectPerSec, renewMs });
  // Where the joins' time goes: the server's and the reader processes' CPU (cores) while they joined.
  connect.serverCores = (server.cpu() - connectCpu0) / (connect.ms / 1000);
  connect.readersCores = connect.cpuSeconds / (connect.ms / 1000);
  log(`bench:   ${connect.ok} readers connected in ${(connect.ms / 1000).toFixed(1)} s (${connect.failed} failed ${JSON.stringify(connect.failures)}, ${connect.pending} pending), server ${connect.serverCores.toFixed(2)} cores, readers ${connect.readersCores.toFixed(2)} cores`);
  const win = {};
  const measure = {
    start: async () => {
      log('bench:   stock clients connected and warmed up; measuring');
      await pool.startWindow();
      win.cpu0 = server.cpu();
      win.t0 = performance.now();
    },
    end: async () => {
      win.cpu1 = server.cpu();
      win.t1 = performance.now();
      win.readers = await pool.readWindow();
    },
  };
  const edit = await runEditing(server, { docs: 1, clientsPerDoc: editors + stockReaders, editorsPerDoc: editors, rate, durationMs, warmupMs, prefix, echoFree: true }, { measure });
  // Every connected reader should hold every measured edit; late ones get 10 s more (bounded).
  const expected = edit.edits * connect.ok;
  let readers = win.readers;
  for (let i = 0; i < 20 && readers.markers < expected; i++) {
    await new Promise((r) => setTimeout(r, 500));
    readers = await pool.readWindow();
  }
  const seconds = (win.t1 - win.t0) / 1000;
  // After the window, with everyone still in the room: Tandem's own page (the others have none).
  let page = null;
  if (browser && server.name === 'tandem') {
    log('bench:   Chromium opens the room and types');
    page = await pageInRoom(server, docName);
  }
  return {
    page,
    people,
    wireReaders,
    connect,
    latencyMs: edit.latencyMs,
    readerLatencyMs: readers.latencyMs,
    edits: edit.edits,
    missing: edit.missing,
    readerMissing: Math.max(0, expected - readers.markers),
    disconnected: edit.disconnected + readers.closed,
    notConnected: connect.failed + connect.pending,
    serverCores: (win.cpu1 - win.cpu0) / seconds,
    peakRssMb: edit.peakRssMb,
    presencePerReaderPerSec: connect.ok ? win.readers.awarenessFrames / connect.ok / win.readers.wallSeconds : NaN,
    loadGenCpuPercent: edit.loadGenCpuPercent,
    loadGenLoopDelayP99Ms: edit.loadGenLoopDelayP99Ms,
    readerProcesses: pool.children.length,
    readersCpuPercent: (win.readers.cpuSeconds / win.readers.wallSeconds) * 100,
    readersLoopDelayP99Ms: win.readers.loopP99Ms,
  };
}
