// A child process of the load generator that holds protocol-only readers (scenarios i and j): each
// speaks the sync and awareness protocol without running Yjs, announces its presence once and renews
// it every `renewMs` as y-protocols does (clock + 1, same state), and counts what it receives. Many
// thousands of sockets in one process would make the load generator, not the server, the bottleneck,
// so readers-pool.mjs splits them over several of these. Driven over IPC; exits with its parent.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { awarenessUpdate, framer, scanMarkers } from './wire.mjs';

const HIST_MS = 60000; // latency histogram: 1 ms buckets up to 60 s, the last holds everything above

const readers = [];
let stopping = false;
let closed = 0; // sockets the server closed (or that failed) after they were connected
const closedWhy = {}; // close code of those → count
const failures = {}; // why a reader never synced: error code or close code → count
let parentOriginMs = performance.timeOrigin;
let window = null;

function newWindow(fromUs) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  return { fromUs, frames: 0, awarenessFrames: 0, markers: 0, hist: new Uint32Array(HIST_MS + 1), cpu0: process.cpuUsage(), t0: performance.now(), loop };
}

/** The parent's performance.now() in µs, from this process's clock. */
const parentNowUs = () => (performance.timeOrigin + performance.now() - parentOriginMs) * 1000;

function startReader({ url, wire, persistent, docName, index, renewMs }, onReady) {
  const frame = framer(wire, docName);
  const yClient = 200000 + index;
  const state = { name: `reader-${index}` };
  const reader = { ws: null, clock: 0, renew: null, ready: false, why: null };
  const ws = new WebSocket(`${url}/${encodeURIComponent(docName)}`, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  reader.ws = ws;
  const h = frame.headerLength;
  const ready = (ok) => {
    if (reader.ready) return;
    reader.ready = true;
    onReady(ok);
  };
  ws.on('open', () => {
    const auth = frame.auth();
    if (auth) ws.send(auth);
    ws.send(frame.syncStep1());
    ws.send(frame.awareness(awarenessUpdate(yClient, reader.clock++, state)));
    // Renewals start at a random phase, as people arrive at random times.
    const renew = () => ws.readyState === WebSocket.OPEN && ws.send(frame.awareness(awarenessUpdate(yClient, reader.clock++, state)));
    reader.renew = setTimeout(() => {
      renew();
      reader.renew = setInterval(renew, renewMs);
    }, Math.random() * renewMs);
    if (!persistent) ready(true);
  });
  ws.on('message', (buf) => {
    const type = buf[h];
    if (type === 0 || type === 4) {
      if (buf[h + 1] === 1) ready(true);
      if (!window) return;
      window.frames++;
      const w = window;
      scanMarkers(buf, (t) => {
        if (t < w.fromUs) return;
        w.markers++;
        w.hist[Math.min(HIST_MS, Math.floor((parentNowUs() - t) / 1000))]++;
      }, h + 2);
    } else if (window) {
      window.frames++;
      if (type === 1) window.awarenessFrames++;
    }
  });
  ws.on('unexpected-response', (_req, res) => {
    reader.why = `HTTP ${res.statusCode}`;
    ws.terminate();
  });
  ws.on('error', (e) => (reader.why ??= e.code ?? e.message));
  ws.on('close', (code) => {
    if (!reader.ready) failures[reader.why ?? `close ${code}`] = (failures[reader.why ?? `close ${code}`] ?? 0) + 1;
    clearTimeout(reader.renew);
    clearInterval(reader.renew);
    if (reader.ready && !stopping) closed++, (closedWhy[`close ${code}`] = (closedWhy[`close ${code}`] ?? 0) + 1);
    ready(false);
  });
  readers.push(reader);
}

/** Opens the readers at `perSec`, resolves when each has synced or failed (at most timeoutMs). */
function connectAll({ clients, perSec, timeoutMs, ...common }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let ok = 0;
    let failed = 0;
    let next = 0;
    const done = () => {
      clearInterval(pacer);
      clearTimeout(deadline);
      const cpu = process.cpuUsage(cpu0);
      resolve({ ok, failed, pending: clients.length - ok - failed, ms: performance.now() - t0, failures, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    };
    const onReady = (good) => {
      good ? ok++ : failed++;
      if (ok + failed === clients.length) done();
    };
    // Opens a batch every 10 ms so the connect storm is spread, not measured.
    const pacer = setInterval(() => {
      const due = Math.min(clients.length, Math.ceil(((performance.now() - t0) / 1000) * perSec));
      for (; next < due; next++) startReader({ ...common, ...clients[next] }, onReady);
      if (next >= clients.length) clearInterval(pacer);
    }, 10);
    const deadline = setTimeout(done, timeoutMs);
    if (clients.length === 0) done();
  });
}

function windowReport() {
  const w = window;
  const cpu = process.cpuUsage(w.cpu0);
  const hist = [];
  for (let i = 0; i <= HIST_MS; i++) if (w.hist[i]) hist.push([i, w.hist[i]]);
  return {
    frames: w.frames,
    awarenessFrames: w.awarenessFrames,
    markers: w.markers,
    hist,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - w.t0) / 1000,
    loopP99Ms: w.loop.percentile(99) / 1e6,
  };
}

const open = () => readers.filter((r) => r.ws.readyState === WebSocket.OPEN).length;

process.on('message', async (msg) => {
  if (msg.type === 'connect') {
    parentOriginMs = msg.parentOriginMs;
    process.send({ type: 'connected', ...(await connectAll(msg)) });
  } else if (msg.type === 'window-start') {
    window?.loop.disable();
    window = newWindow(msg.fromUs);
    process.send({ type: 'window-started' });
  } else if (msg.type === 'window-read') {
    process.send({ type: 'window', ...windowReport(), open: open(), closed, closedWhy });
  } else if (msg.type === 'stop') {
    stopping = true;
    for (const r of readers) clearTimeout(r.renew), clearInterval(r.renew), r.ws.terminate();
    process.send({ type: 'stopped' });
    setTimeout(() => process.exit(0), 100);
  }
});
process.on('disconnect', () => process.exit(0));
