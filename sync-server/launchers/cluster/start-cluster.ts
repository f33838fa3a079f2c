/**
 * `npm run cluster`: a whole cluster on one machine, for trying cluster mode. PostgreSQL (the
 * durable store), Redis (distribution), CLUSTER_NODES sync servers, nginx in front of them and the
 * web app pointed at nginx, every one on 127.0.0.1, data kept in CLUSTER_DATA_DIR (./data/cluster).
 *
 * Stopping: a SIGTERM or SIGINT, to this process alone or to the whole process group, stops the
 * web app, then the nodes (they write every update they received to PostgreSQL), then nginx, Redis
 * and PostgreSQL last; this process exits only after all of them. PostgreSQL, Redis and nginx run
 * in process groups of their own so that a signal to ours does not stop them before the nodes
 * have flushed. A node that dies is reported and the others keep serving; anything else that dies
 * stops the cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { onStopSignals } from '../stop-signals';
import { isWebBuildStale } from '../web-build';
import { describeExit, exitOf, isRunning, stopChild, waitUntil, type ExitStatus } from './child-exit';
import { claimedPorts, ClusterSettingsError, nodePorts, readClusterSettings, type ClusterSettings } from './cluster-settings';
import { LocalNginx } from './local-nginx';
import { initPostgresCluster, LocalPostgres } from './local-postgres';
import { LocalRedis } from './local-redis';
import { portProblems } from './port-check';
import { clusterProxyBlocks } from './proxy-config';
import { clusterSecret } from './shared-secret';
import { SyncNode } from './sync-node';

const root = process.cwd();
const nextBin = path.join(root, 'node_modules', '.bin', 'next');
const DATABASE_NAME = 'tandem';
const WEB_START_TIMEOUT_MS = 60_000;
const WEB_STOP_TIMEOUT_MS = 15_000;
/** `next start` exits so when stopped by SIGINT or SIGTERM (128 + signal number). */
const STOPPED_BY_SIGNAL = new Set([130, 143]);

interface Running {
  postgres: LocalPostgres | null;
  redis: LocalRedis | null;
  nginx: LocalNginx | null;
  nodes: SyncNode[];
  web: ChildProcess | null;
  /** `next build`, while it runs: a stop interrupts it. */
  build: ChildProcess | null;
}

const running: Running = { postgres: null, redis: null, nginx: null, nodes: [], web: null, build: null };
let stopping = false;
let exitCode = 0;

function say(line: string): void {
  process.stdout.write(`tandem cluster: ${line}\n`);
}

function complain(line: string): void {
  process.stderr.write(`tandem cluster: ${line}\n`);
}

async function main(): Promise<void> {
  let settings: ClusterSettings;
  try {
    settings = readClusterSettings();
  } catch (error) {
    if (!(error instanceof ClusterSettingsError)) throw error;
    complain(error.message);
    process.exit(2);
  }
  const problems = await portProblems(claimedPorts(settings));
  if (problems.length > 0) {
    for (const problem of problems) complain(problem);
    complain('set the variables named above to free ports, or stop what holds them');
    process.exit(1);
  }

  let startup: Promise<void> = Promise.resolve();
  const requestStop = (): void => {
    if (stopping) return;
    stopping = true;
    if (running.build !== null && isRunning(running.build)) running.build.kill('SIGTERM');
    // Whatever is starting finishes starting (each step is bounded) before everything stops.
    void startup
      .catch(() => undefined)
      .then(stopAll)
      .then(() => process.exit(exitCode));
  };
  onStopSignals((decision, signal) => {
    if (decision === 'ignore') return;
    if (decision === 'force') {
      // A second Ctrl+C: the web app and the nodes exit now; the rest still stops in order.
      for (const node of running.nodes) node.signal(signal);
      if (running.web !== null && isRunning(running.web)) running.web.kill(signal);
      return;
    }
    requestStop();
  });
  // Should this process die of a bug, what runs in its own process group must not outlive it.
  process.on('exit', killDetachedNow);

  startup = startAll(settings, requestStop);
  try {
    await startup;
  } catch (error) {
    if (!stopping) {
      complain(`could not start: ${(error as Error).message}`);
      exitCode = 1;
      requestStop();
    }
  }
}

async function startAll(settings: ClusterSettings, requestStop: () => void): Promise<void> {
  const dirs = {
    postgres: path.join(settings.dataDir, 'postgres'),
    redis: path.join(settings.dataDir, 'redis'),
    nginx: path.join(settings.dataDir, 'nginx'),
    nodes: path.join(settings.dataDir, 'nodes'),
  };
  await mkdir(settings.dataDir, { recursive: true });
  await mkdir(dirs.redis, { recursive: true });
  const authSecret = await clusterSecret(settings.dataDir, process.env.AUTH_SECRET);
  const unexpectedExit = (what: string) => (status: ExitStatus) => {
    if (stopping) return;
    complain(`${what} exited unexpectedly (${describeExit(status)}); stopping the cluster`);
    exitCode = 1;
    requestStop();
  };

  if (process.env.TLS_CERT_FILE || process.env.TLS_KEY_FILE) {
    complain('TLS_CERT_FILE/TLS_KEY_FILE are not used by npm run cluster: nginx speaks plain HTTP to the nodes on 127.0.0.1; put TLS on nginx (see docs/network-edge.md)');
  }
  await buildWebIfStale();
  if (stopping) return;

  if (await initPostgresCluster({ dataDir: dirs.postgres })) say(`created a PostgreSQL cluster in ${dirs.postgres}`);
  const postgres = await LocalPostgres.start({ dataDir: dirs.postgres, port: settings.postgresPort, socketDir: null, ownProcessGroup: true });
  running.postgres = postgres;
  void postgres.exited.then(unexpectedExit('PostgreSQL'));
  await postgres.ensureDatabase(DATABASE_NAME);
  say(`PostgreSQL   127.0.0.1:${settings.postgresPort}  pid ${postgres.pid}  database "${DATABASE_NAME}", data in ${dirs.postgres}`);
  if (stopping) return;

  const redis = await LocalRedis.start({ port: settings.redisPort, dir: dirs.redis, persistent: true, ownProcessGroup: true });
  running.redis = redis;
  void redis.exited.then(unexpectedExit('Redis'));
  say(`Redis        127.0.0.1:${settings.redisPort}  pid ${redis.pid}  append-only file in ${dirs.redis}`);
  if (stopping) return;

  // nginx before the nodes, so that it stops after them: it serves a 502 until they are up.
  const ports = nodePorts(settings);
  const nginx = await LocalNginx.start({
    prefix: dirs.nginx,
    port: settings.proxyPort,
    httpBlocks: clusterProxyBlocks(settings.proxyPort, ports),
    // People add nodes by editing the upstream and reloading (docs/cluster.md), which needs a master.
    masterProcess: true,
    ownProcessGroup: true,
  });
  running.nginx = nginx;
  void nginx.exited.then(unexpectedExit('nginx'));
  say(`nginx        127.0.0.1:${settings.proxyPort}  pid ${nginx.pid}  proxy to ${ports.length} sync nodes, config ${nginx.configFile}`);
  if (stopping) return;

  const databaseUrl = postgres.connectionString(DATABASE_NAME);
  running.nodes = ports.map((port, n) =>
    SyncNode.spawn({ number: n + 1, port, dataDir: path.join(dirs.nodes, String(n + 1)), redisUrl: redis.url, databaseUrl, authSecret }),
  );
  await Promise.all(running.nodes.map((node) => node.ready(() => stopping)));
  for (const node of running.nodes) {
    say(`sync node ${node.number}  127.0.0.1:${node.port}  pid ${node.pid}`);
    void node.exited.then((status) => {
      if (stopping) return;
      const alive = running.nodes.filter((other) => other.running).length;
      complain(`sync node ${node.number} (pid ${node.pid}, port ${node.port}) exited (${describeExit(status)}); ${alive} of ${running.nodes.length} nodes keep serving`);
    });
  }
  if (stopping) return;

  const web = spawn(nextBin, ['start', '-H', '127.0.0.1', '-p', String(settings.webPort)], {
    stdio: 'inherit',
    // The browser connects to the page's host on SYNC_PORT: that is nginx.
    env: { ...process.env, SYNC_PORT: String(settings.proxyPort) },
  });
  running.web = web;
  void exitOf(web).then(unexpectedExit('the web app'));
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${settings.webPort}/`)).status < 500, {
    timeoutMs: WEB_START_TIMEOUT_MS,
    intervalMs: 100,
    what: `the web app to answer on 127.0.0.1:${settings.webPort}`,
    giveUpIf: () => (!isRunning(web) ? 'it exited' : stopping ? 'stop requested' : null),
  });
  say(`web app      127.0.0.1:${settings.webPort}  pid ${web.pid ?? 0}  sync through the proxy on port ${settings.proxyPort}`);
  say(`ready: open http://127.0.0.1:${settings.webPort}`);
}

async function buildWebIfStale(): Promise<void> {
  if (!isWebBuildStale(root)) return;
  say('building the web app (first start or sources changed)...');
  const build = spawn(nextBin, ['build'], { stdio: 'inherit', env: process.env });
  running.build = build;
  const status = await exitOf(build);
  running.build = null;
  if (!stopping && status.code !== 0) throw new Error(`next build failed (${describeExit(status)})`);
}

/** Stops what runs, in order; a component that does not stop cleanly makes the exit code 1. */
async function stopAll(): Promise<void> {
  say('stopping: web app, sync nodes, nginx, Redis, PostgreSQL');
  const expect = (what: string, status: ExitStatus, clean: (status: ExitStatus) => boolean): void => {
    if (clean(status)) return;
    complain(`${what} did not stop cleanly (${describeExit(status)})`);
    exitCode = 1;
  };
  const exitedZero = (status: ExitStatus): boolean => status.code === 0;

  if (running.web !== null) {
    const wasRunning = isRunning(running.web);
    const status = await stopChild(running.web, 'SIGTERM', WEB_STOP_TIMEOUT_MS);
    if (wasRunning) expect('the web app', status, (s) => s.code === 0 || STOPPED_BY_SIGNAL.has(s.code ?? -1) || s.signal === 'SIGTERM' || s.signal === 'SIGINT');
  }
  // A node that died earlier was reported then; the ones still running must flush.
  await Promise.all(
    running.nodes
      .filter((node) => node.running)
      .map(async (node) => expect(`sync node ${node.number}`, await node.stop(), exitedZero)),
  );
  if (running.nginx !== null) expect('nginx', await running.nginx.stop(), exitedZero);
  if (running.redis !== null) expect('Redis', await running.redis.stop(), exitedZero);
  if (running.postgres !== null) expect('PostgreSQL', await running.postgres.stop('fast'), exitedZero);
  say(exitCode === 0 ? 'stopped' : 'stopped, with errors');
}

function killDetachedNow(): void {
  for (const detached of [running.nginx, running.redis, running.postgres]) {
    if (detached === null || !detached.running) continue;
    try {
      // The whole group: PostgreSQL's backends are the postmaster's children.
      process.kill(-detached.pid, 'SIGKILL');
    } catch {
      // Already gone: the normal case.
    }
  }
}

void main();
