#!/usr/bin/env node
// npm run bench [-- --quick] [--only=a,d] [--servers=tandem,reference] [--runs=3] [--clients=both|stock|echo-free] [--warmup=5] [--comments] [--profile] [--nice]
// BENCH_NODE_ARGS="--flag ..." adds node flags to the Tandem server's process (e.g. --perf-basic-prof).
// npm run bench -- --only=k [--servers=tandem] [--runs=3] [--profile]   a book (not in the default set)
//   BENCH_BOOK_BROWSER=off leaves out Tandem's Chromium part (cold loads only)
//   BENCH_ROOM_BROWSER=off leaves out Tandem's page in (i)'s room
// npm run bench -- --only=i [--people=1000,3000,5000] [--reader-procs=2]   the big room (not default)
// npm run bench -- --only=j [--connections=18000] [--reader-procs=3]      the full node (not default)
// npm run bench -- --only=g [--configs=leveldb,one,three] [--capacity=off] [--docs=20]
//   the cluster scenario (not in the default set: ~5 minutes); --configs picks configurations,
//   --capacity=off skips its capacity runs, --docs scales its editing load (documents of 10 clients)
// Runs every scenario against every server (each its own process, fresh data dir), prints one
// markdown table per scenario and writes the raw results to bench/results/<timestamp>.json.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.setMaxListeners(0); // each y-websocket provider adds a process 'exit' listener
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const args = process.argv.slice(2);
const opt = (name) => {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : true;
};
const quick = Boolean(opt('quick'));
const only = opt('only') ? String(opt('only')).split(',') : ['a', 'b', 'c', 'd', 'e', 'f'];
const serverNames = opt('servers') ? String(opt('servers')).split(',') : ['tandem', 'reference', 'hocuspocus', 'relay'];
const runs = Number(opt('runs') ?? (quick ? 1 : 3));
const profile = Boolean(opt('profile'));
// --warmup=<s>: how long (a)–(c) run their load unmeasured first (default 5; 0 in --quick).
if (opt('warmup') !== undefined) process.env.BENCH_WARMUP_MS = String(Number(opt('warmup')) * 1000);
// --clients=stock|echo-free|both: how the editing scenarios' stock clients treat presence (scenarios.mjs).
const clientsOpt = String(opt('clients') ?? 'both');
const clientModes = clientsOpt === 'both' ? ['stock', 'echo-free'] : [clientsOpt];
if (!clientModes.every((mode) => mode === 'stock' || mode === 'echo-free')) throw new Error(`--clients is stock, echo-free or both, not ${clientsOpt}`);
// --comments: (a)–(c) against Tandem with comments on (comment-load.mjs).
const comments = Boolean(opt('comments'));
// --people=1000,3000,5000 (i), --connections=18000 (j), --reader-procs=N: the scale scenarios'
// sizes (BENCH_PEOPLE, BENCH_CONNECTIONS hold them too) and how many processes hold their readers.
const scale = {
  people: opt('people') ?? process.env.BENCH_PEOPLE,
  connections: opt('connections') ?? process.env.BENCH_CONNECTIONS,
  readerProcesses: opt('reader-procs') ? Number(opt('reader-procs')) : undefined,
  runs: opt('runs') !== undefined ? runs : undefined, // (i) and (j) run once unless --runs says otherwise
};
const cluster = {
  configs: opt('configs') ? String(opt('configs')).split(',') : undefined,
  capacity: opt('capacity') !== 'off',
  docs: opt('docs') ? Number(opt('docs')) : undefined,
};
// --nice[=N]: run the load generator and the servers at a higher priority (root only) so that other
// work on a shared machine disturbs the figures less.
if (opt('nice')) {
  process.env.BENCH_NICE = String(opt('nice') === true ? -10 : opt('nice'));
  try {
    os.setPriority(0, Number(process.env.BENCH_NICE));
  } catch (e) {
    console.error(`bench: --nice ignored (${e.message})`);
    delete process.env.BENCH_NICE;
  }
}

if (!existsSync(path.join(here, 'node_modules'))) {
  console.error('bench: installing comparison servers and clients into bench/node_modules …');
  execSync('npm install --prefix bench --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
if (serverNames.includes('tandem') || profile || only.includes('g')) {
  console.error('bench: building the sync server …');
  execSync('npm run build:sync-server --silent', { cwd: root, stdio: 'inherit' });
}

// Imported after the install above.
const { runScenarios } = await import('./scenarios.mjs');
const resultsDir = path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

const machine = {
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
  nice: process.env.BENCH_NICE ?? null,
  loadAvgAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
};
console.log(`# Tandem sync benchmark ${new Date().toISOString()}${quick ? ' (quick)' : ''}\n`);
console.log(`Machine: ${machine.cpus}, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.platform}, load ${machine.loadAvgAtStart}\n`);

const report = await runScenarios({ only, serverNames, quick, runs, profile, cluster, scale, clientModes, comments, resultsDir, stamp, log: (s) => console.error(s), print: (s) => console.log(s) });
const { judgeTargets } = await import('./targets.mjs');
const targets = judgeTargets(report);
if (targets) console.log(`\n## Targets (ratios within this run)\n\n${targets}`);
const file = path.join(resultsDir, `${stamp}.json`);
writeFileSync(file, JSON.stringify({ machine, quick, only, servers: serverNames, runs, ...report }, null, 2));
console.log(`\nRaw results: ${path.relative(root, file)}`);
process.exit(report.failed ? 1 : 0);
