// Runs scenarios (i) the big room and (j) the full node against each server, each size in a fresh
// server process, every run bounded: one that does not finish within deadlineMs is stopped (server
// and reader processes by PID) and reported as such, and that server skips the larger sizes.
import { ReaderPool, openFileLimit } from './readers-pool.mjs';
import { runNode } from './scenario-node.mjs';
import { runRoom } from './scenario-room.mjs';
import { ServerProcess, SERVERS } from './servers.mjs';
import { fmt, markdownTable, medianResult } from './stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bounded(promise, ms) {
  let timer;
  const t = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`stopped: did not finish within ${Math.round(ms / 1000)} s`)), ms)));
  try {
    return await Promise.race([promise, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function runOnce(def, name, size, rep, log) {
  const server = new ServerProcess(name);
  const pool = new ReaderPool(def.params.processes);
  const prefix = `bench-${def.key}-${size}-${rep}-${Date.now().toString(36)}`;
  try {
    await server.start();
    const run = def.kind === 'room' ? runRoom(server, pool, { ...def.params, people: size, prefix }, log) : runNode(server, pool, { ...def.params, connections: size, prefix }, log);
    run.catch(() => {}); // a run stopped at its deadline may still reject later
    return await bounded(run, process.env.BENCH_SCALE_DEADLINE_S ? Number(process.env.BENCH_SCALE_DEADLINE_S) * 1000 : def.params.deadlineMs);
  } finally {
    await pool.stop();
    await server.dispose();
    await sleep(1000);
  }
}

/** results[name][size] = median of the runs, or { error } / { skipped }. */
export async function runScaleScenario(def, { serverNames, runs, log }) {
  const sizes = def.kind === 'room' ? def.params.peopleSteps : def.params.connectionSteps;
  const results = Object.fromEntries(serverNames.map((n) => [n, {}]));
  const stoppedAt = {};
  let failed = false;
  for (const size of sizes) {
    const all = Object.fromEntries(serverNames.map((n) => [n, []]));
    for (let rep = 0; rep < runs; rep++) {
      for (const name of serverNames) {
        if (stoppedAt[name]) continue;
        log(`bench: ${def.title} — ${SERVERS[name].label}, ${size}${runs > 1 ? ` (run ${rep + 1}/${runs})` : ''}`);
        try {
          all[name].push(await runOnce(def, name, size, rep, log));
        } catch (error) {
          log(`bench: ${name} at ${size}: ${error.message}`);
          all[name].push({ error: String(error.message || error).slice(0, 160) });
          stoppedAt[name] = size;
        }
      }
    }
    for (const name of serverNames) {
      results[name][size] = all[name].length ? medianResult(all[name]) : { skipped: `not run: stopped at ${stoppedAt[name]}` };
      const r = results[name][size];
      if (r.missing > 0 || r.readerMissing > 0 || r.disconnected > 0 || r.notConnected > 0) failed = true;
    }
  }
  return { results, sizes, failed };
}

const loadGen = (r) => `${fmt(r.loadGenCpuPercent, 0)} % / ${fmt(r.loadGenLoopDelayP99Ms, 0)} ms; readers (${r.readerProcesses} procs) ${fmt(r.readersCpuPercent, 0)} % / ${fmt(r.readersLoopDelayP99Ms, 0)} ms`;
const lat = (l) => `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} / ${fmt(l.max)}`;

function rows(out, serverNames, fn) {
  const list = [];
  for (const size of out.sizes)
    for (const name of serverNames) {
      const r = out.results[name][size];
      const label = [SERVERS[name].label, size.toLocaleString('en-US')];
      list.push(r.error ? [...label, `n/a (${r.error})`] : r.skipped ? [...label, `n/a (${r.skipped})`] : [...label, ...fn(r)]);
    }
  return list;
}

export function roomTable(out, serverNames) {
  return markdownTable(
    ['server', 'people', 'edit p50 / p95 / p99 / max ms (stock readers)', 'p99 / max ms (all protocol readers)', 'missing (stock / readers)', 'disconnected', 'not connected', 'server CPU cores', 'peak RSS MB', 'presence frames per reader/s', 'readers connect s (server / readers cores meanwhile)', 'load-gen CPU % / loop p99 (main; reader processes)'],
    rows(out, serverNames, (r) => [lat(r.latencyMs), `${fmt(r.readerLatencyMs.p99)} / ${fmt(r.readerLatencyMs.max)}`, `${r.missing} / ${r.readerMissing}`, String(r.disconnected), String(r.notConnected), fmt(r.serverCores, 2), fmt(r.peakRssMb, 0), fmt(r.presencePerReaderPerSec, 1), `${fmt(r.connect.ms / 1000, 1)} (${fmt(r.connect.serverCores, 2)} / ${fmt(r.connect.readersCores, 2)})`, loadGen(r)]),
  );
}

/** Tandem's page in the room (room-browser.mjs), a row per size; null when no run had one. */
export function roomPageTable(out) {
  const rows = Object.entries(out.results.tandem ?? {}).filter(([, r]) => r?.page);
  if (rows.length === 0) return null;
  return markdownTable(
    ['people', 'page open to list ms', 'named / "+N"', 'carets shown', 'keystroke to screen p50 / p95 / max ms', 'keystrokes (stopped)', 'page errors'],
    rows.map(([size, { page }]) => [Number(size).toLocaleString('en-US'), fmt(page.openMs), `${page.named} / ${page.more ?? '–'}`, String(page.carets), `${fmt(page.keystrokeMs.p50)} / ${fmt(page.keystrokeMs.p95)} / ${fmt(page.keystrokeMs.max)}`, `${page.keystrokes}${page.stoppedAt ? ` (${page.stoppedAt})` : ''}`, String(page.pageErrors)]),
  );
}

export function nodeTable(out, serverNames) {
  return markdownTable(
    ['server', 'connections', 'connect s (failed; open while idle)', 'idle RSS MB → connected MB', 'KB per connection above idle (above the process after (a))', 'idle CPU % of a core (renewals only)', 'frames/s received while idle', 'edit p99 ms alone → under load (×)', 'edit p50 / max ms under load', 'missing', 'disconnected', 'peak RSS MB', 'load-gen CPU % / loop p99 (main; reader processes)'],
    rows(out, serverNames, (r) => [`${fmt(r.connect.ms / 1000, 1)} (${r.notConnected}; ${r.openWhileIdle ?? '–'})`, `${fmt(r.idleRssMb, 0)} → ${fmt(r.rssConnectedMb, 0)}`, `${fmt(r.kbPerConnection, 1)} (${fmt(r.kbPerConnectionAboveEditing, 1)})`, fmt(r.idleCpuPercent, 1), fmt(r.idleFramesPerSec, 0), `${fmt(r.before.latencyMs.p99)} → ${fmt(r.latencyMs.p99)} (×${fmt(r.p99Ratio, 2)})`, `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.max)}`, String(r.missing), String(r.disconnected), fmt(r.peakRssMb, 0), loadGen(r)]),
  );
}

/** The open-file limits (ulimit -n) each run saw, and whether the largest size would hit them. */
export function limitsLine(out, params) {
  const seen = Object.values(out.results).flatMap((bySize) => Object.values(bySize)).find((r) => r.limits);
  const largest = Math.max(...out.sizes);
  const perProc = Math.ceil(largest / params.processes);
  const server = seen?.limits.server;
  const gen = seen?.limits.loadGen ?? openFileLimit();
  const serverNeeds = largest + params.editing.docs * params.editing.clientsPerDoc + 200;
  const hit = (Number.isFinite(server) && serverNeeds > server) || perProc + 200 > gen;
  return `Open-file limit (ulimit -n): load generator ${gen} per process (${params.processes} reader processes, ${perProc.toLocaleString('en-US')} sockets each), server ${server ?? '–'} (needs ~${serverNeeds.toLocaleString('en-US')}: ${largest.toLocaleString('en-US')} readers + ${params.editing.docs * params.editing.clientsPerDoc} editing clients + ~200 files): ${hit ? 'THE LIMIT WOULD BE HIT' : 'within the limit'}.`;
}
