// Scenarios (a)–(c): stock clients editing and moving their cursors at a fixed rate. Latency is read
// from the marker each insert carries (its send time), as every other client's Y.Text observes it.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { COMMENT_PERIOD_MS, commentingClient, commentsConverged } from './comment-load.mjs';
import { stockClient } from './stock.mjs';
import { latencySummary } from './stats.mjs';
import { marker } from './wire.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => performance.now() * 1000;
const MARKER_RE = /~(\d{13}):(\d{5}):(\d{7});/g;

async function bounded(promise, ms, what) {
  let timer;
  const t = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (at most 10 s) until the server uses under 10 % CPU over 250 ms: connect floods are over. */
async function settle(server) {
  await sleep(300);
  for (let i = 0; i < 40; i++) {
    const c0 = server.cpu();
    await sleep(250);
    if (server.cpu() - c0 < 0.025) return;
  }
}

/**
 * Optional hooks (the cluster and fallback scenarios): clientOptions(index) for stockClient;
 * createClient(index, docName) instead of a stock client (same shape: doc, text, awareness, ready, destroy); latencyClass(sender,
 * receiver) names the class a delivery's latency is also counted in (e.g. same-node, cross-node);
 * measure.start() runs just before the measured window, measure.end() just after it (its result is
 * returned as `measured`). commentModel (--comments, comment-load.mjs): every client also holds its
 * document's comments open and posts a comment every COMMENT_PERIOD_MS.
 */
export async function runEditing(server, { docs, clientsPerDoc, rate, durationMs, warmupMs = 0, prefix, echoFree = false, editorsPerDoc = clientsPerDoc }, { clientOptions, createClient, latencyClass, measure, commentModel } = {}) {
  const clients = [];
  const latencies = [];
  let destroyed = false;
  const byClass = {};
  // Deliveries of edits sent before this (the warm-up's) are not measured.
  let measuredFromUs = Infinity;
  let measuredDeliveries = 0;
  for (let d = 0; d < docs; d++) {
    for (let c = 0; c < clientsPerDoc; c++) {
      const index = clients.length;
      const client = createClient ? createClient(index, `${prefix}-${d}`) : stockClient(server, `${prefix}-${d}`, { echoFree, ...clientOptions?.(index) });
      // Only the first editorsPerDoc of a document type and move carets; the others read (the big room, i).
      const state = { index, doc: d, editor: c < editorsPerDoc, client, sent: 0, received: new Map(), disconnects: 0 };
      client.provider?.on('status', ({ status }) => status === 'disconnected' && !destroyed && state.disconnects++);
      if (commentModel) state.comments = commentingClient(server, commentModel, `${prefix}-${d}`, index, client);
      client.text.observe((event) => {
        if (event.transaction.local) return;
        const now = nowUs();
        for (const op of event.delta) {
          if (typeof op.insert !== 'string') continue;
          for (const m of op.insert.matchAll(MARKER_RE)) {
            const sender = Number(m[2]);
            if (sender === index) continue;
            const seq = Number(m[3]);
            let set = state.received.get(sender);
            if (!set) state.received.set(sender, (set = new Set()));
            if (set.has(seq)) continue;
            set.add(seq);
            if (Number(m[1]) < measuredFromUs) continue;
            measuredDeliveries++;
            const ms = (now - Number(m[1])) / 1000;
            latencies.push(ms);
            if (latencyClass) (byClass[latencyClass(sender, index, ms)] ??= []).push(ms);
          }
        }
      });
      clients.push(state);
    }
  }
  const connectStart = performance.now();
  await bounded(Promise.all(clients.flatMap((s) => [s.client.ready, ...(s.comments ? [s.comments.ready] : [])])), 60000, 'connect');
  const connectMs = performance.now() - connectStart;
  await settle(server);

  const period = 1000 / rate;
  let cursorMoves = 0;
  /** Every client edits and moves its cursor `rate` times a second for `ms`. */
  const load = async (ms) => {
    const start = performance.now();
    const timers = [];
    for (const s of clients) {
      if (!s.editor) continue;
      const phase = Math.random() * period;
      timers.push(
        setTimeout(() => {
          const edit = () => {
            if (performance.now() - start >= ms) return;
            s.client.text.insert(s.client.text.length, marker(nowUs(), s.index, s.sent++));
          };
          edit();
          timers.push(setInterval(edit, period));
        }, phase),
        setTimeout(() => {
          const move = () => {
            if (performance.now() - start >= ms) return;
            const n = ++cursorMoves;
            s.client.awareness.setLocalStateField('cursor', { anchor: n, head: n, name: `bench-${s.index}` });
          };
          move();
          timers.push(setInterval(move, period));
        }, (phase + period / 2) % period),
      );
      if (s.comments) {
        const post = () => performance.now() - start < ms && s.comments.post();
        timers.push(setTimeout(() => (post(), timers.push(setInterval(post, COMMENT_PERIOD_MS))), Math.random() * COMMENT_PERIOD_MS));
      }
    }
    await sleep(ms);
    for (const t of timers) clearTimeout(t), clearInterval(t);
  };
  // The same load first, unmeasured: the measured window shows a server that has compiled its hot
  // code, as one that runs for days, not one still warming up.
  if (warmupMs > 0) {
    await load(warmupMs);
    await sleep(500);
  }

  await measure?.start();
  const cpu0 = server.cpu();
  const gen0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  measuredFromUs = nowUs();
  const sentBefore = clients.reduce((n, s) => n + s.sent, 0);
  await load(durationMs);
  const editEnd = performance.now();

  // Drain: wait (bounded) until every client has every other client's inserts.
  const expectedFor = (s) => clients.filter((o) => o.doc === s.doc && o !== s).reduce((n, o) => n + o.sent, 0);
  const receivedBy = (s) => [...s.received.values()].reduce((n, set) => n + set.size, 0);
  const drainDeadline = performance.now() + 10000;
  let missing = 0;
  while (performance.now() < drainDeadline) {
    missing = clients.reduce((n, s) => n + Math.max(0, expectedFor(s) - receivedBy(s)), 0);
    if (missing === 0) break;
    await sleep(100);
  }
  let commentsAgree = null;
  if (commentModel) {
    const commentsDeadline = performance.now() + 5000;
    while (!(commentsAgree = commentsConverged(clients)) && performance.now() < commentsDeadline) await sleep(100);
  }
  const cpu1 = server.cpu();
  const mem = server.memory();
  loop.disable();
  const gen = process.cpuUsage(gen0);
  const wallS = (performance.now() - t0) / 1000;
  const measured = await measure?.end();

  // Convergence: every client of a document holds the same text.
  let converged = true;
  for (let d = 0; d < docs; d++) {
    const texts = clients.filter((s) => s.doc === d).map((s) => s.client.text.toString());
    if (texts.some((t) => t !== texts[0])) converged = false;
  }
  const sent = clients.reduce((n, s) => n + s.sent, 0) - sentBefore;
  const delivered = measuredDeliveries;
  const commentsPosted = clients.reduce((n, s) => n + (s.comments?.posted ?? 0), 0);
  const disconnected = clients.filter((s) => s.disconnects > 0).length;
  destroyed = true;
  for (const s of clients) s.client.destroy(), s.comments?.destroy();
  await sleep(500);
  return {
    clients: clients.length,
    edits: sent,
    deliveries: delivered,
    deliveriesPerSec: delivered / ((editEnd - t0) / 1000),
    missing,
    disconnected,
    converged,
    latencyMs: latencySummary(latencies),
    connectAllMs: connectMs,
    cpuSeconds: cpu1 - cpu0,
    loadGenCpuPercent: ((gen.user + gen.system) / 1e6 / wallS) * 100,
    loadGenLoopDelayP99Ms: loop.percentile(99) / 1e6,
    peakRssMb: mem.peakRssMb,
    ...(latencyClass ? { latencyByClassMs: Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, latencySummary(v)])) } : {}),
    ...(measure ? { measured } : {}),
    ...(commentModel ? { comments: { posted: commentsPosted, converged: commentsAgree } } : {}),
  };
}
