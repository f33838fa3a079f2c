// Scenario (g): cluster mode on this machine. The load of (a) (stock clients, edits and cursor
// moves) against three configurations, each behind nginx with the proxy configuration
// `npm run cluster` writes (sync-server/launchers/cluster/proxy-config.ts):
//
//   leveldb   one node, the single-node default (LevelDB): what the cluster configurations cost
//   one       one node in cluster mode (REDIS_URL + DATABASE_URL)
//   three     three nodes in cluster mode; nginx's round-robin spreads each document's clients
//
// The real parts are the ones `npm run cluster` starts: Debian's PostgreSQL (its own temp cluster,
// default durability), Redis (append-only file, fsync always) and nginx, from the launcher's own
// modules, on free ports of 127.0.0.1, stopped by PID. nginx adds one header to each upgrade
// response, the node it chose ($upstream_addr), so every delivery is known to be same-node (sender
// and receiver on one node) or cross-node (through a Redis stream).
//
// Measured over the window (edits start → every client has every edit): CPU of the nodes (summed),
// Redis, PostgreSQL (postmaster and every backend) and nginx from /proc; Redis commands and bytes
// (INFO commandstats / stats, before and after); PostgreSQL transactions that wrote (the
// transaction id counter), log rows appended (the documents' next_seq) and WAL bytes, all exact at
// the moment they are read (pg_stat_database lags up to 10 s behind its backends, so it is not
// used). Then, once per configuration, the capacity of (f) (wire clients, stepped rate) through
// the same proxy.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { runCapacity } from './scenario-capacity.mjs';
import { runEditing } from './scenario-editing.mjs';
import { cpuSeconds, freePort, ServerProcess, SERVERS } from './servers.mjs';
import { fmt, markdownTable, medianResult } from './stats.mjs';

const cluster = (file) => tsImport(`../sync-server/launchers/cluster/${file}`, import.meta.url);
const [{ LocalRedis }, { LocalNginx }, { clusterProxyBlocks }, postgres] = await Promise.all([
  cluster('local-redis.ts'),
  cluster('local-nginx.ts'),
  cluster('proxy-config.ts'),
  cluster('local-postgres.ts'),
]);

export const CLUSTER_CONFIGS = {
  leveldb: { label: '1 node, LevelDB (single-node default)', nodes: 1, cluster: false },
  one: { label: '1 node, cluster mode (Redis + PostgreSQL)', nodes: 1, cluster: true },
  three: { label: '3 nodes, cluster mode (Redis + PostgreSQL)', nodes: 3, cluster: true },
  // Not run by default (--configs=…,three-everysec): Redis fsyncs its append-only file once a second
  // instead of before every reply, to see what the fsync adds to cross-node deliveries.
  'three-everysec': { label: '3 nodes, cluster mode, Redis appendfsync everysec', nodes: 3, cluster: true, appendfsync: 'everysec' },
};
export const DEFAULT_CLUSTER_CONFIGS = ['leveldb', 'one', 'three'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

/** CPU seconds of a process and every child it has (PostgreSQL: the postmaster and its backends). */
function treeCpuSeconds(pid) {
  let total = 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // utime, stime and the children that have exited (cutime, cstime)
    total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  } catch {
    return NaN;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) total += cpuSeconds(Number(entry));
    } catch {}
  }
  return total;
}

/** Busy and steal seconds of the whole machine (every CPU), from /proc/stat. */
function machineSeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq) / CLK_TCK, steal: steal / CLK_TCK };
}

/** --nice: the parts `npm run cluster` starts get the priority the servers get. */
function renice(pid) {
  if (!process.env.BENCH_NICE) return;
  try {
    os.setPriority(pid, Number(process.env.BENCH_NICE));
  } catch {}
}

function parseInfo(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i < 0 || line.startsWith('#')) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1);
    if (key.startsWith('cmdstat_')) {
      out[key.slice(8)] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
      out[`${key.slice(8)}_usec`] = Number(/usec=(\d+)/.exec(value)?.[1] ?? 0);
    }
    else if (/^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** PostgreSQL and Redis for the whole scenario; each configuration run gets its own database. */
export class Infrastructure {
  static async start() {
    const self = new Infrastructure();
    const runAs = postgres.postgresServerUser();
    self.pgFolder = mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-postgres-'));
    await postgres.prepareServerFolder(self.pgFolder, runAs);
    const dataDir = path.join(self.pgFolder, 'data');
    await postgres.initPostgresCluster({ dataDir, noSync: true });
    self.postgres = await postgres.LocalPostgres.start({ dataDir, port: await freePort(), socketDir: null });
    renice(self.postgres.pid); // its backends, forked later, inherit it
    self.redisDir = mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-redis-'));
    // As `npm run cluster` runs it: an append-only file, fsync always.
    self.redis = await LocalRedis.start({ port: await freePort(), dir: self.redisDir, persistent: true });
    renice(self.redis.pid);
    self.redisClient = new Redis(self.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await self.redisClient.connect();
    self.databases = 0;
    return self;
  }

  async stop() {
    this.redisClient?.disconnect();
    await this.redis?.stop();
    await this.postgres?.stop('fast');
    for (const dir of [this.pgFolder, this.redisDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** One configuration, started: nodes (fresh data dirs, a fresh database) behind a fresh nginx. */
export async function startConfig(infra, config, nodeArgs = []) {
  let databaseUrl = null;
  if (config.cluster) {
    const name = `bench_${++infra.databases}`;
    await infra.postgres.ensureDatabase(name);
    databaseUrl = infra.postgres.connectionString(name);
    await infra.redisClient.flushall();
    await infra.redisClient.config('SET', 'appendfsync', config.appendfsync ?? 'always');
  }
  const env = config.cluster ? { REDIS_URL: infra.redis.url, DATABASE_URL: databaseUrl, TRUST_PROXY: '127.0.0.1' } : {};
  const nodes = Array.from({ length: config.nodes }, () => new ServerProcess('tandem', { env, nodeArgs }));
  await Promise.all(nodes.map((n) => n.start()));
  const proxyPort = await freePort();
  const proxyPrefix = mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-nginx-'));
  const blocks = clusterProxyBlocks(proxyPort, nodes.map((n) => n.port));
  const withNodeHeader = blocks.replace('proxy_pass http://tandem_sync;', 'proxy_pass http://tandem_sync;\n      add_header X-Bench-Node $upstream_addr always;');
  if (withNodeHeader === blocks) throw new Error('proxy-config.ts changed: no proxy_pass line to add the node header after');
  const nginx = await LocalNginx.start({ prefix: proxyPrefix, port: proxyPort, httpBlocks: withNodeHeader });
  renice(nginx.pid);
  const db = databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : null;
  if (db) await db.connect();
  const nodeCpu = () => nodes.reduce((s, n) => s + n.cpu(), 0);
  const extraCpu = () => ({
    machine: machineSeconds(),
    loadGenerator: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage()),
    nodes: nodeCpu(),
    redis: config.cluster ? cpuSeconds(infra.redis.pid) : 0,
    postgres: config.cluster ? treeCpuSeconds(infra.postgres.pid) : 0,
    nginx: cpuSeconds(nginx.pid),
  });
  return {
    nodes,
    nginx,
    db,
    url: `ws://127.0.0.1:${proxyPort}`,
    /** What the editing and capacity scenarios see as "the server": the nodes, through nginx. */
    server: {
      url: `ws://127.0.0.1:${proxyPort}`,
      def: SERVERS.tandem,
      cpu: nodeCpu,
      memory: () => {
        const m = nodes.map((n) => n.memory().peakRssMb);
        return { peakRssMb: Math.max(...m), totalPeakRssMb: m.reduce((a, b) => a + b, 0) };
      },
    },
    /** Every process of the cluster: nodes, Redis, PostgreSQL, nginx. */
    allCpu: () => {
      const x = extraCpu();
      return nodeCpu() + x.redis + x.postgres + x.nginx;
    },
    extraCpu,
    async counters() {
      const cpu = extraCpu();
      const at = performance.now();
      if (!config.cluster) return { cpu, at };
      const [stats, commands] = await Promise.all([infra.redisClient.info('stats'), infra.redisClient.info('commandstats')]);
      const { rows } = await db.query(
        `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid, pg_current_wal_lsn()::text AS lsn,
                (SELECT coalesce(sum(next_seq), 0) FROM tandem_documents)::text AS log_rows`,
      );
      return { cpu, at, redis: parseInfo(stats), commands: parseInfo(commands), pg: rows[0] };
    },
    async stop() {
      await db?.end().catch(() => undefined);
      await nginx.stop();
      await Promise.all(nodes.map((n) => n.dispose()));
      rmSync(proxyPrefix, { recursive: true, force: true });
    },
  };
}

async function deltas(started, before, after, edits) {
  const d = {
    machineBusySeconds: after.cpu.machine.busy - before.cpu.machine.busy,
    machineStealSeconds: after.cpu.machine.steal - before.cpu.machine.steal,
    windowSeconds: (after.at - before.at) / 1000,
    redisCpuSeconds: after.cpu.redis - before.cpu.redis,
    postgresCpuSeconds: after.cpu.postgres - before.cpu.postgres,
    nginxCpuSeconds: after.cpu.nginx - before.cpu.nginx,
  };
  const ours = ['loadGenerator', 'nodes', 'redis', 'postgres', 'nginx'].reduce((sum, k) => sum + after.cpu[k] - before.cpu[k], 0);
  // What the rest of the machine used meanwhile: other people's work on a shared machine.
  d.otherProcessesCpuSeconds = d.machineBusySeconds - ours;
  if (!before.redis) return d;
  const cmd = (name) => (after.commands[name] ?? 0) - (before.commands[name] ?? 0);
  const allCommands = after.redis.total_commands_processed - before.redis.total_commands_processed;
  const wal = await started.db.query('SELECT pg_wal_lsn_diff($1, $2)::float8 AS bytes', [after.pg.lsn, before.pg.lsn]);
  const per = (x) => x / edits;
  return {
    ...d,
    redis: {
      commands: allCommands,
      xadd: cmd('xadd'),
      xread: cmd('xread'),
      // CPU time Redis spent inside the commands (INFO commandstats usec), per call
      xaddUsecPerCall: cmd('xadd_usec') / cmd('xadd'),
      xreadUsecPerCall: cmd('xread_usec') / cmd('xread'),
      usecInCommands: Object.keys(after.commands).filter((k) => k.endsWith('_usec')).reduce((sum, k) => sum + cmd(k), 0),
      // read events: one per socket read, however many commands it carried
      readsProcessed: after.redis.total_reads_processed - before.redis.total_reads_processed,
      inputBytes: after.redis.total_net_input_bytes - before.redis.total_net_input_bytes,
      outputBytes: after.redis.total_net_output_bytes - before.redis.total_net_output_bytes,
    },
    postgres: {
      writeTransactions: Number(after.pg.xid) - Number(before.pg.xid),
      logRows: Number(after.pg.log_rows) - Number(before.pg.log_rows),
      walBytes: wal.rows[0].bytes,
    },
    perEdit: {
      redisCommands: per(allCommands),
      redisXadd: per(cmd('xadd')),
      redisXread: per(cmd('xread')),
      redisReadsProcessed: per(after.redis.total_reads_processed - before.redis.total_reads_processed),
      redisInputBytes: per(after.redis.total_net_input_bytes - before.redis.total_net_input_bytes),
      redisOutputBytes: per(after.redis.total_net_output_bytes - before.redis.total_net_output_bytes),
      postgresWriteTransactions: per(Number(after.pg.xid) - Number(before.pg.xid)),
      postgresLogRows: per(Number(after.pg.log_rows) - Number(before.pg.log_rows)),
      postgresWalBytes: per(wal.rows[0].bytes),
    },
  };
}

async function editingRun(infra, config, params, prefix, nodeArgs) {
  const started = await startConfig(infra, config, nodeArgs);
  try {
    const nodeOf = new Map();
    const trace = process.env.BENCH_CLUSTER_TRACE ? [] : null;
    let before;
    const result = await runEditing(started.server, { ...params, prefix }, {
      clientOptions: (index) => ({ onUpgrade: (res) => nodeOf.set(index, res.headers['x-bench-node']) }),
      latencyClass: (sender, receiver, ms) => {
        trace?.push([Math.round(performance.now()), Math.round(ms * 10) / 10, nodeOf.get(sender), nodeOf.get(receiver)]);
        return nodeOf.get(sender) === nodeOf.get(receiver) ? 'sameNode' : 'crossNode';
      },
      measure: {
        start: async () => {
          before = await started.counters();
        },
        end: async () => started.counters(),
      },
    });
    if (trace) writeFileSync(process.env.BENCH_CLUSTER_TRACE, JSON.stringify(trace));
    const after = result.measured;
    delete result.measured;
    // How the proxy spread the clients: per document, the clients on its most crowded node.
    const perDoc = [];
    for (let d = 0; d < params.docs; d++) {
      const counts = new Map();
      for (let c = 0; c < params.clientsPerDoc; c++) {
        const node = nodeOf.get(d * params.clientsPerDoc + c);
        counts.set(node, (counts.get(node) ?? 0) + 1);
      }
      perDoc.push(Math.max(...counts.values()));
    }
    const cross = result.latencyByClassMs?.crossNode?.count ?? 0;
    const same = result.latencyByClassMs?.sameNode?.count ?? 0;
    return {
      ...result,
      nodes: config.nodes,
      crossNodeShare: cross / (cross + same),
      mostClientsOfADocumentOnOneNode: Math.max(...perDoc),
      totalPeakRssMb: started.server.memory().totalPeakRssMb,
      ...(await deltas(started, before, after, result.edits)),
    };
  } finally {
    await started.stop();
    await sleep(300);
  }
}

async function capacityRun(infra, config, params, prefix) {
  const started = await startConfig(infra, config);
  try {
    // Capacity's "server CPU" here is every process of the configuration (nodes, Redis, PG, nginx).
    const server = { ...started.server, cpu: started.allCpu };
    const result = await runCapacity(server, { ...params, prefix });
    result.peakRssMb = started.server.memory().peakRssMb;
    return result;
  } finally {
    await started.stop();
    await sleep(300);
  }
}

/**
 * Every configuration `runs` times, interleaved (the order rotates each round so that no
 * configuration always follows the same one), then the capacity once per configuration.
 */
export async function runClusterScenario({ editing, capacity, configs = DEFAULT_CLUSTER_CONFIGS }, { runs, profile, resultsDir, stamp, log }) {
  for (const key of configs) if (!CLUSTER_CONFIGS[key]) throw new Error(`unknown cluster configuration ${key} (known: ${Object.keys(CLUSTER_CONFIGS).join(', ')})`);
  const infra = await Infrastructure.start();
  const all = Object.fromEntries(configs.map((c) => [c, []]));
  const capacityResults = {};
  let failed = false;
  try {
    for (let rep = 0; rep < runs; rep++) {
      for (let i = 0; i < configs.length; i++) {
        const key = configs[(i + rep) % configs.length];
        const config = CLUSTER_CONFIGS[key];
        log(`bench: (g) cluster — ${config.label} (run ${rep + 1}/${runs}, load ${os.loadavg()[0].toFixed(2)})`);
        // Each node writes CPU.<date>.<time>.<pid>….cpuprofile into a folder per configuration.
        const nodeArgs = profile && rep === 0 ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, `g-${key}-${stamp}`)}`] : [];
        try {
          all[key].push({ ...(await editingRun(infra, config, editing, `bench-g-${key}-${Date.now().toString(36)}`, nodeArgs)), loadAvg1: os.loadavg()[0] });
        } catch (error) {
          log(`bench: (g) ${key} failed: ${error.stack || error}`);
          all[key].push({ error: String(error.message || error).slice(0, 200) });
          failed = true;
        }
      }
    }
    if (capacity) {
      for (const key of configs) {
        log(`bench: (g) cluster capacity — ${CLUSTER_CONFIGS[key].label} (load ${os.loadavg()[0].toFixed(2)})`);
        try {
          capacityResults[key] = await capacityRun(infra, CLUSTER_CONFIGS[key], capacity, `bench-gc-${key}-${Date.now().toString(36)}`);
        } catch (error) {
          log(`bench: (g) capacity ${key} failed: ${error.stack || error}`);
          capacityResults[key] = { error: String(error.message || error).slice(0, 200) };
          failed = true;
        }
      }
    }
  } finally {
    await infra.stop();
  }
  const results = Object.fromEntries(configs.map((c) => [c, medianResult(all[c])]));
  for (const r of Object.values(results)) if (r.error || r.missing > 0 || r.converged === false) failed = true;
  return { results, runs: all, capacity: capacityResults, failed };
}

export function clusterTable({ results, capacity }) {
  const rows = Object.entries(results).map(([key, r]) => {
    const label = CLUSTER_CONFIGS[key].label;
    if (r.error) return [label, `error: ${r.error}`];
    const same = r.latencyByClassMs?.sameNode;
    const cross = r.latencyByClassMs?.crossNode;
    const pe = r.perEdit;
    const cap = capacity?.[key];
    const pair = (s) => (s && s.count ? `${fmt(s.p50)} / ${fmt(s.p99)}` : '–');
    return [
      label,
      `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p99)}`,
      pair(same),
      cross?.count ? `${pair(cross)} (${fmt(r.crossNodeShare * 100, 0)} %)` : '–',
      fmt(r.deliveriesPerSec, 0),
      `${r.missing} / ${r.converged ? 'yes' : 'NO'}`,
      fmt(r.cpuSeconds, 2),
      `${fmt(r.redisCpuSeconds, 2)} / ${fmt(r.postgresCpuSeconds, 2)} / ${fmt(r.nginxCpuSeconds, 2)}`,
      pe ? `${fmt(pe.redisCommands, 2)} (${fmt(pe.redisXadd, 2)} XADD, ${fmt(pe.redisXread, 2)} XREAD)` : '–',
      pe ? `${fmt(pe.redisInputBytes, 0)} / ${fmt(pe.redisOutputBytes, 0)}` : '–',
      pe ? `${fmt(pe.postgresWriteTransactions, 3)} / ${fmt(pe.postgresLogRows, 2)} / ${fmt(pe.postgresWalBytes, 0)}` : '–',
      `${fmt(r.peakRssMb, 0)} (${fmt(r.totalPeakRssMb, 0)})`,
      cap ? (cap.error ? `error` : `${fmt(cap.capacityDeliveriesPerSec, 0)}`) : '–',
      `${fmt(r.loadGenCpuPercent, 0)} / ${fmt(r.loadGenLoopDelayP99Ms, 0)}`,
      fmt((r.otherProcessesCpuSeconds / r.windowSeconds) * 100, 0),
    ];
  });
  return markdownTable(
    [
      'configuration',
      'p50 / p99 ms',
      'same-node p50 / p99 ms',
      'cross-node p50 / p99 ms (share)',
      'deliveries/s',
      'missing / converged',
      'node CPU s (sum)',
      'Redis / PG / nginx CPU s',
      'Redis commands per edit',
      'Redis bytes in / out per edit',
      'PG commits / log rows / WAL bytes per edit',
      'peak RSS MB per node (all nodes)',
      'capacity deliveries/s (p99 < 50 ms)',
      'load-gen CPU % / loop p99 ms',
      'other processes CPU %',
    ],
    rows,
  );
}

/** The capacity steps, one line per configuration (the (f) format; CPU is every cluster process). */
export function clusterCapacityTable({ capacity }) {
  const rows = Object.entries(capacity ?? {}).map(([key, r]) => [
    CLUSTER_CONFIGS[key].label,
    r.error ? `error: ${r.error}` : fmt(r.capacityDeliveriesPerSec, 0),
    r.error ? '' : r.steps.map((s) => `${s.offeredDeliveriesPerSec}→${fmt(s.deliveriesPerSec, 0)} ${fmt(s.latencyMs.p99)}ms ${fmt(s.serverCpuPercent, 0)}% ${fmt(s.loadGenCpuPercent, 0)}%${s.pass ? '' : s.missing ? ` ✗ ${s.missing} missing` : ' ✗'}`).join('; '),
  ]);
  return rows.length ? markdownTable(['configuration', 'capacity deliveries/s', 'steps (offered/s → delivered/s, p99 ms, cluster CPU %, load-gen CPU %)'], rows) : '';
}
