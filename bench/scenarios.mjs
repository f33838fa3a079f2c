// Scenario definitions and the run loop: for each scenario, each server in a fresh process and data
// dir (servers interleaved so machine noise spreads evenly); tables with ratios to the reference.
import { ServerProcess, SERVERS } from './servers.mjs';
import { runCapacity } from './scenario-capacity.mjs';
import { runColdLoad } from './scenario-coldload.mjs';
import { COMMENT_PERIOD_MS, loadCommentModel } from './comment-load.mjs';
import { runEditing } from './scenario-editing.mjs';
import { runStorm } from './scenario-storm.mjs';
import { fmt, markdownTable, median, medianResult, withRatio } from './stats.mjs';

/** A comma-separated list of positive integers (--people=1000,3000,5000), or the default. */
function steps(value, fallback) {
  if (value === undefined) return fallback;
  const list = String(value).split(',').map(Number);
  if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`expected sizes like 1000,3000,5000, not ${value}`);
  return list;
}

export function scenarioDefs(quick, scale = {}) {
  const s = quick ? Number(process.env.BENCH_QUICK_MS || 2000) : 20000;
  // (a)–(c) run their load for this long before the measured window (--warmup=<s>, 0 = none).
  const w = process.env.BENCH_WARMUP_MS !== undefined ? Number(process.env.BENCH_WARMUP_MS) : quick ? 0 : 5000;
  return {
    a: { title: '(a) 20 docs × 10 clients × 2 edits/s + awareness', kind: 'editing', params: { docs: 20, clientsPerDoc: 10, rate: 2, durationMs: s, warmupMs: w } },
    b: { title: '(b) 100 docs × 5 clients × 1 edit/s + awareness', kind: 'editing', params: { docs: 100, clientsPerDoc: 5, rate: 1, durationMs: s, warmupMs: w } },
    c: { title: '(c) 1 doc × 50 clients × 5 edits/s + awareness (fan-out)', kind: 'editing', params: { docs: 1, clientsPerDoc: 50, rate: 5, durationMs: s, warmupMs: w } },
    d: { title: '(d) cold load of a ~1 MB document (20,000 inserts/deletes) after a restart', kind: 'coldload', params: { ops: quick ? 4000 : 20000 } },
    e: { title: quick ? '(e) connection storm: 200 clients on 20 docs (quick)' : '(e) connection storm: 1,000 clients on 100 docs', kind: 'storm', params: quick ? { clients: 200, docs: 20 } : { clients: 1000, docs: 100 } },
    f: {
      title: '(f) capacity: highest deliveries/s with p99 < 50 ms (20 docs × 10 wire clients)',
      kind: 'capacity',
      params: quick ? { docs: 20, clientsPerDoc: 10, rates: [2, 10], stepMs: 1000, warmupMs: 300 } : { docs: 20, clientsPerDoc: 10, rates: [1, 2.5, 5, 10, 20, 30, 45, 65, 90, 120, 160, 220, 300], stepMs: 4000 },
    },
    // Not run by default: ~5 minutes (3 configurations × `--runs` editing runs, then a capacity each).
    g: {
      title: '(g) cluster: (a)\'s load, 1 node vs 3 nodes behind nginx (Redis + PostgreSQL)',
      kind: 'cluster',
      params: {
        editing: { docs: 20, clientsPerDoc: 10, rate: 2, durationMs: s },
        capacity: quick ? { docs: 20, clientsPerDoc: 10, rates: [2, 10], stepMs: 1000, warmupMs: 300 } : { docs: 20, clientsPerDoc: 10, rates: [1, 2.5, 5, 10, 20, 30, 45, 65, 90, 120, 160, 220, 300], stepMs: 4000 },
      },
    },
    // Not run by default: ~3 minutes (3 shares × `--runs` editing runs).
    h: {
      // Half of (a)'s documents: 200 polling clients in one load generator would saturate its core.
      title: "(h) HTTP fallback: 10 docs × 10 of Tandem's own clients × 2 edits/s, 0 % / 50 % / 100 % on the fallback",
      kind: 'fallback',
      params: { editing: { docs: 10, clientsPerDoc: 10, rate: 2, durationMs: s }, shares: [0, 0.5, 1] },
    },
    // Not run by default: ~4 minutes (the book is built, sent to every server, loaded `--runs` times; Tandem's in Chromium).
    k: {
      title: '(k) a book: 20,000 paragraphs, ~1 M characters, 200,000 edits; cold load, Chromium, version history',
      kind: 'book',
      params: {
        book: quick ? { paragraphs: 2000, editsPerParagraph: 10, perUpdate: 100 } : { paragraphs: 20000, editsPerParagraph: 10, perUpdate: 100 },
        browser: process.env.BENCH_BOOK_BROWSER !== 'off',
        keystrokesAlone: quick ? 10 : 40,
        keystrokes: quick ? 20 : 120,
        ownParagraph: 1,
        typistParagraph: 4,
        typistRate: 5,
      },
    },
    // Not run by default (scale, issue 22): each size ~1 minute per server, a run stopped after deadlineMs.
    i: {
      title: '(i) big room: 1 doc, N people, 10 typing 5 keystrokes/s with carets, everyone else reading with presence (renewed every 15 s)',
      kind: 'room',
      params: {
        peopleSteps: steps(scale.people, quick ? [300] : [5000]),
        editors: 10,
        stockReaders: 30,
        rate: 5,
        renewMs: 15000,
        durationMs: s,
        warmupMs: w,
        connectPerSec: 500,
        processes: scale.readerProcesses ?? 2,
        deadlineMs: 150000,
        browser: process.env.BENCH_ROOM_BROWSER !== 'off',
      },
    },
    j: {
      title: "(j) full node: N protocol-only connections, 5 per document, presence renewed every 15 s, plus (a)'s editing load",
      kind: 'node',
      params: {
        connectionSteps: steps(scale.connections, quick ? [1000] : [18000]),
        perDoc: 5,
        renewMs: 15000,
        idleMs: quick ? 3000 : 10000,
        connectPerSec: 1000,
        processes: scale.readerProcesses ?? 3,
        editing: { docs: 20, clientsPerDoc: 10, rate: 2, durationMs: s, warmupMs: w },
        deadlineMs: 240000,
      },
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runOne(def, name, { runs, profile, resultsDir, stamp, commentModel }) {
  const nodeArgs = profile && name === 'tandem' ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`, `--cpu-prof-name=tandem-${def.key}-${stamp}.cpuprofile`] : [];
  const server = new ServerProcess(name, { nodeArgs });
  const prefix = `bench-${def.key}-${Date.now().toString(36)}`;
  try {
    if (def.kind === 'coldload') {
      if (!SERVERS[name].persistent) return { skipped: 'no persistence' };
      return await runColdLoad(server, { ...def.params, runs, prefix });
    }
    await server.start();
    if (def.kind === 'editing') return await runEditing(server, { ...def.params, prefix }, name === 'tandem' && commentModel ? { commentModel } : {});
    if (def.kind === 'storm') return await runStorm(server, { ...def.params, prefix });
    if (def.kind === 'capacity') return await runCapacity(server, { ...def.params, prefix });
    throw new Error(`unknown kind ${def.kind}`);
  } finally {
    await server.dispose();
    await sleep(300);
  }
}

function table(def, results, names) {
  const ref = results.reference;
  const label = (n) => SERVERS[n].label;
  const rowsFor = (fn) => names.filter((n) => results[n]).map((n) => (results[n].error ? [label(n), `error: ${results[n].error}`] : results[n].skipped ? [label(n), `n/a (${results[n].skipped})`] : [label(n), ...fn(results[n])]));
  if (def.kind === 'editing') {
    return markdownTable(
      ['server', 'p50 ms', 'p95 ms', 'p99 ms (×ref)', 'max ms', 'deliveries/s', 'missing', 'converged', 'server CPU s (×ref)', 'peak RSS MB (×ref)', 'connect-all ms', 'load-gen CPU % / loop p99 ms'],
      rowsFor((r) => [fmt(r.latencyMs.p50), fmt(r.latencyMs.p95), withRatio(r.latencyMs.p99, ref?.latencyMs?.p99), fmt(r.latencyMs.max), fmt(r.deliveriesPerSec, 0), String(r.missing), r.converged ? 'yes' : 'NO', withRatio(r.cpuSeconds, ref?.cpuSeconds, 2), withRatio(r.peakRssMb, ref?.peakRssMb), fmt(r.connectAllMs, 0), `${fmt(r.loadGenCpuPercent, 0)} / ${fmt(r.loadGenLoopDelayP99Ms, 0)}`]),
    );
  }
  if (def.kind === 'coldload') {
    const m = (r) => median(r.coldLoadMs ?? []);
    return markdownTable(
      ['server', 'cold load ms, median (×ref)', 'runs ms', 'peak RSS MB', 'document'],
      rowsFor((r) => [withRatio(m(r), ref ? m(ref) : NaN, 0), r.coldLoadMs.map((x) => x.toFixed(0)).join(', '), fmt(r.peakRssMb), `${r.documentChars} chars, ${(r.encodedBytes / 1e6).toFixed(2)} MB encoded, sent as ${r.updatesSent} updates`]),
    );
  }
  if (def.kind === 'storm') {
    return markdownTable(
      ['server', 'connect-all ms (×ref)', 'reconnect-all ms (×ref)', 'failed', 'server CPU s', 'peak RSS MB (×ref)'],
      rowsFor((r) => [withRatio(r.connectAllMs, ref?.connectAllMs, 0), withRatio(r.reconnectAllMs, ref?.reconnectAllMs, 0), String(r.connectFailed + r.reconnectFailed), fmt(r.cpuSeconds, 2), withRatio(r.peakRssMb, ref?.peakRssMb)]),
    );
  }
  const main = markdownTable(
    ['server', 'capacity deliveries/s (×ref)', 'steps (offered/s → delivered/s, p99 ms, server CPU %, load-gen CPU %)', 'peak RSS MB'],
    rowsFor((r) => [withRatio(r.capacityDeliveriesPerSec, ref?.capacityDeliveriesPerSec, 0), r.steps.map((s) => `${s.offeredDeliveriesPerSec}→${fmt(s.deliveriesPerSec, 0)} ${fmt(s.latencyMs.p99)}ms ${fmt(s.serverCpuPercent, 0)}% ${fmt(s.loadGenCpuPercent, 0)}%${s.pass ? '' : s.missing ? ` ✗ ${s.missing} missing` : ' ✗'}`).join('; '), fmt(r.peakRssMb)]),
  );
  return main;
}

/**
 * The editing scenarios run once per client mode: `stock` (y-websocket as shipped: it sends every
 * presence change it sees, other clients' too, back to the server) and `echo-free` (only its own,
 * as Tandem's provider and Hocuspocus's do). Each mode is its own table, keyed a, a-echo-free, ….
 */
function expand(only, defs, clientModes) {
  const out = [];
  for (const key of only) {
    if (!defs[key]) throw new Error(`unknown scenario ${key}`);
    if (defs[key].kind !== 'editing') {
      out.push({ ...defs[key], key });
      continue;
    }
    for (const mode of clientModes) {
      const echoFree = mode === 'echo-free';
      out.push({ ...defs[key], key: echoFree ? `${key}-echo-free` : key, title: `${defs[key].title}, ${mode} clients`, params: { ...defs[key].params, echoFree } });
    }
  }
  return out;
}

export async function runScenarios({ only, serverNames, quick, runs, profile, cluster = {}, scale = {}, clientModes = ['stock', 'echo-free'], comments = false, resultsDir, stamp, log, print }) {
  const defs = scenarioDefs(quick, scale);
  // --comments: Tandem's clients in (a)–(c) also hold their document's comments open and post (comment-load.mjs).
  const commentModel = comments ? await loadCommentModel() : null;
  const report = { scenarios: {}, failed: false };
  for (const def of expand(only, defs, clientModes)) {
    const key = def.key;
    if (def.kind === 'cluster') {
      // Its own configurations rather than --servers: Tandem's nodes, Redis, PostgreSQL, nginx.
      // Imported here: it loads the cluster launcher's TypeScript modules (through tsx).
      const { clusterCapacityTable, clusterTable, runClusterScenario } = await import('./scenario-cluster.mjs');
      const params = { ...def.params, ...(cluster.capacity === false ? { capacity: null } : {}), ...(cluster.configs ? { configs: cluster.configs } : {}) };
      if (cluster.docs) params.editing = { ...params.editing, docs: cluster.docs };
      const out = await runClusterScenario(params, { runs, profile, resultsDir, stamp, log });
      report.scenarios[key] = { title: def.title, params: def.params, repetitions: runs, ...out };
      if (out.failed) report.failed = true;
      print(`\n## ${def.title}${runs > 1 ? ` — median of ${runs} runs` : ''}\n`);
      print(clusterTable(out));
      const steps = clusterCapacityTable(out);
      if (steps) print(`\nCapacity steps (one run; CPU is every process of the configuration):\n\n${steps}`);
      continue;
    }
    if (def.kind === 'room' || def.kind === 'node') {
      const { limitsLine, nodeTable, roomPageTable, roomTable, runScaleScenario } = await import('./scenario-scale.mjs');
      if (def.kind === 'room' && def.params.browser && serverNames.includes('tandem')) {
        const { buildWebAppIfStale } = await import('./web-app.mjs');
        await buildWebAppIfStale(log);
      }
      const names = serverNames.filter((n) => n !== 'relay'); // no CRDT, no sync replies: not a server here
      const scaleRuns = scale.runs ?? 1;
      const out = await runScaleScenario({ ...def }, { serverNames: names, runs: scaleRuns, log });
      report.scenarios[key] = { title: def.title, params: def.params, repetitions: scaleRuns, ...out };
      if (out.failed) report.failed = true;
      print(`\n## ${def.title}${scaleRuns > 1 ? ` — median of ${scaleRuns} runs` : ' — one run'}\n`);
      if (def.kind === 'node') print(`${limitsLine(out, def.params)}\n`);
      print(def.kind === 'room' ? roomTable(out, names) : nodeTable(out, names));
      const pageTable = def.kind === 'room' ? roomPageTable(out) : null;
      if (pageTable) print(`\nTandem's page in the room (Chromium, production web app, after the measured window with everyone still there; keystroke: keydown to the frame that shows it):\n\n${pageTable}`);
      continue;
    }
    if (def.kind === 'fallback') {
      const { fallbackTable, runFallbackScenario } = await import('./scenario-fallback.mjs');
      const out = await runFallbackScenario(def.params, { runs, log });
      report.scenarios[key] = { title: def.title, params: def.params, repetitions: runs, ...out };
      for (const list of Object.values(out.results)) if (list.some((r) => r.missing > 0 || !r.converged)) report.failed = true;
      print(`\n## ${def.title}${runs > 1 ? ` — median of ${runs} runs` : ''}\n`);
      print(fallbackTable(out));
      continue;
    }
    if (def.kind === 'book') {
      const { runBookScenario } = await import('./scenario-book.mjs');
      const { bookFailed, bookTables } = await import('./book-tables.mjs');
      const out = await runBookScenario(def.params, { serverNames, runs, profile, resultsDir, stamp, log });
      report.scenarios[key] = { title: def.title, params: def.params, repetitions: runs, ...out };
      if (bookFailed(out)) report.failed = true;
      print(`\n## ${def.title}${runs > 1 ? ` — cold load: median of ${runs} restarts` : ''}\n`);
      print(bookTables(out, serverNames));
      continue;
    }
    const results = {};
    // editing scenarios are repeated when runs > 1 and reported as medians of the figures
    const reps = def.kind === 'editing' || def.kind === 'storm' ? runs : 1;
    const all = Object.fromEntries(serverNames.map((n) => [n, []]));
    for (let rep = 0; rep < reps; rep++) {
      for (const name of serverNames) {
        log(`bench: ${def.title} — ${SERVERS[name].label}${reps > 1 ? ` (run ${rep + 1}/${reps})` : ''}`);
        try {
          all[name].push(await runOne(def, name, { runs, profile: profile && rep === 0, resultsDir, stamp, commentModel }));
        } catch (error) {
          log(`bench: ${name} failed: ${error.stack || error}`);
          all[name].push({ error: String(error.message || error).slice(0, 200) });
          report.failed = true;
        }
      }
    }
    for (const name of serverNames) results[name] = medianResult(all[name]);
    report.scenarios[key] = { title: def.title, params: def.params, repetitions: reps, results, runs: all };
    print(`\n## ${def.title}${reps > 1 ? ` — median of ${reps} runs` : ''}\n`);
    print(table(def, results, serverNames));
    const withComments = results.tandem?.comments;
    if (withComments) {
      print(`\nWith comments on (Tandem): every client also held its document's comments open and posted one every ${COMMENT_PERIOD_MS / 1000} s, ${fmt(withComments.posted, 0)} in all (warm-up included); every client's comments agree: ${withComments.converged ? 'yes' : 'NO'}.`);
      if (!withComments.converged) report.failed = true;
    }
    if (def.kind === 'editing' || def.kind === 'storm') {
      for (const n of serverNames) if (results[n]?.missing > 0 || results[n]?.converged === false) report.failed = true;
    }
  }
  return report;
}
