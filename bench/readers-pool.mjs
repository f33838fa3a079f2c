// Protocol-only readers spread over child processes (reader-worker.mjs), for scenarios i and j: the
// pool opens them at a bounded pace, opens and reads measurement windows, and stops every child by
// its PID. Also the open-file limits the scenarios print (from /proc/<pid>/limits).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { latencySummary } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Soft "Max open files" of a process (self when pid is omitted). */
export function openFileLimit(pid = 'self') {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    return Number(line.trim().split(/\s{2,}/)[1]);
  } catch {
    return NaN;
  }
}

function request(child, msg, reply, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`reader process ${child.pid}: no ${reply} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m) => {
      if (m.type !== reply) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

export class ReaderPool {
  /** processes: how many child processes hold the readers. */
  constructor(processes) {
    this.children = Array.from({ length: processes }, () => fork(path.join(here, 'reader-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.count = 0;
  }

  /**
   * Opens readers ({ docName, index }[]) at `perSec` in all (each child an equal share), renewing
   * presence every renewMs. Resolves with { ok, failed, pending, ms } summed over the children.
   */
  async connect(server, clients, { perSec, renewMs = 15000, timeoutMs = 120000 }) {
    const n = this.children.length;
    this.count += clients.length;
    const common = { url: server.url, wire: server.def.wire, persistent: server.def.persistent, renewMs, perSec: perSec / n, timeoutMs, parentOriginMs: performance.timeOrigin };
    const parts = await Promise.all(this.children.map((child, i) => request(child, { type: 'connect', ...common, clients: clients.filter((_, k) => k % n === i) }, 'connected', timeoutMs + 10000)));
    return { ok: sum(parts, 'ok'), failed: sum(parts, 'failed'), pending: sum(parts, 'pending'), ms: Math.max(...parts.map((p) => p.ms)), cpuSeconds: sum(parts, 'cpuSeconds'), failures: mergeCounts(parts.map((p) => p.failures)) };
  }

  /** Starts a window: counters reset; only markers sent at or after fromUs (this clock) count. */
  async startWindow(fromUs = performance.now() * 1000) {
    await Promise.all(this.children.map((c) => request(c, { type: 'window-start', fromUs }, 'window-started', 10000)));
  }

  /** The window so far, summed over the children (latency merged from their histograms). */
  async readWindow() {
    const parts = await Promise.all(this.children.map((c) => request(c, { type: 'window-read' }, 'window', 10000)));
    const hist = new Map();
    for (const p of parts) for (const [ms, n] of p.hist) hist.set(ms, (hist.get(ms) ?? 0) + n);
    return {
      frames: sum(parts, 'frames'),
      awarenessFrames: sum(parts, 'awarenessFrames'),
      markers: sum(parts, 'markers'),
      latencyMs: histSummary(hist),
      cpuSeconds: sum(parts, 'cpuSeconds'),
      wallSeconds: Math.max(...parts.map((p) => p.wallSeconds)),
      loopP99Ms: Math.max(...parts.map((p) => p.loopP99Ms)),
      open: sum(parts, 'open'),
      closed: sum(parts, 'closed'),
      closedWhy: mergeCounts(parts.map((p) => p.closedWhy)),
    };
  }

  /** Closes every reader, then stops each child by its PID (SIGKILL if it does not exit in 3 s). */
  async stop() {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        try {
          await request(child, { type: 'stop' }, 'stopped', 5000);
        } catch {}
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

function mergeCounts(list) {
  const out = {};
  for (const counts of list) for (const [k, n] of Object.entries(counts)) out[k] = (out[k] ?? 0) + n;
  return out;
}

const sum = (parts, key) => parts.reduce((n, p) => n + p[key], 0);

/** p50/p95/p99/max of a 1 ms histogram (Map ms → count), upper edge of the bucket. */
function histSummary(hist) {
  const keys = [...hist.keys()].sort((a, b) => a - b);
  const count = keys.reduce((n, k) => n + hist.get(k), 0);
  if (count === 0) return latencySummary([]);
  const at = (p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    let seen = 0;
    for (const k of keys) if ((seen += hist.get(k)) >= rank) return k + 1;
    return keys[keys.length - 1] + 1;
  };
  return { count, p50: at(50), p95: at(95), p99: at(99), max: keys[keys.length - 1] + 1 };
}
