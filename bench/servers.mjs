// Server launchers: each server is its own child process on 127.0.0.1 with a free port and its own
// temp data dir; started, health-checked and stopped by PID. CPU and peak RSS come from /proc.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const mods = path.join(here, 'node_modules');

/** kind: 'ywire' = plain y-websocket framing, 'hocus' = Hocuspocus framing (document name first). */
export const SERVERS = {
  tandem: {
    label: 'Tandem',
    wire: 'ywire',
    persistent: true,
    cmd: (port, dir) => ({
      // The V8 flags `npm run sync-server` starts it with (see sync-server/launchers/node-flags.ts).
      args: ['--max-semi-space-size=8', path.join(root, 'sync-server/dist/main.js')],
      env: { SYNC_HOST: '127.0.0.1', SYNC_PORT: String(port), DATA_DIR: dir, LOG_LEVEL: 'warn', AUTH: 'off' },
    }),
    health: '/healthz',
  },
  reference: {
    label: 'y-websocket+leveldb',
    wire: 'ywire',
    persistent: true,
    cmd: (port, dir) => ({
      args: [path.join(mods, '@y/websocket-server/src/server.js')],
      env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: path.join(dir, 'leveldb') },
    }),
    health: '/',
  },
  hocuspocus: {
    label: 'Hocuspocus+SQLite',
    wire: 'hocus',
    persistent: true,
    cmd: (port, dir) => ({
      args: [path.join(here, 'hocuspocus-server.mjs')],
      env: { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dir },
    }),
    health: '/',
  },
  relay: {
    label: 'raw relay',
    wire: 'ywire',
    persistent: false,
    cmd: (port) => ({ args: [path.join(here, 'relay.mjs')], env: { HOST: '127.0.0.1', PORT: String(port) } }),
    health: '/',
  },
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

/** CPU seconds (user+system) of a live process, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** { rssMb, peakRssMb } from /proc/<pid>/status (VmRSS, VmHWM). */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number((status.match(new RegExp(`${key}:\\s+(\\d+)`)) || [])[1]);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: NaN, peakRssMb: NaN };
  }
}

/**
 * A server under test. start() may be called again after stop() (same data dir, new port) for
 * cold-load runs; dispose() removes the data dir.
 */
export class ServerProcess {
  /** env: added to the server's environment (the cluster scenario's REDIS_URL, DATABASE_URL). */
  constructor(name, { nodeArgs = [], env = {} } = {}) {
    this.name = name;
    this.def = SERVERS[name];
    if (!this.def) throw new Error(`unknown server ${name}`);
    this.dir = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
    this.nodeArgs = name === 'tandem' && process.env.BENCH_NODE_ARGS ? [...process.env.BENCH_NODE_ARGS.split(' '), ...nodeArgs] : nodeArgs;
    this.env = env;
    this.child = null;
    this.stderr = '';
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port = await freePort();
    const { args, env } = this.def.cmd(this.port, this.dir);
    this.stderr = '';
    const child = spawn(process.execPath, [...this.nodeArgs, ...args], {
      cwd: root,
      env: { ...process.env, ...env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Tandem's JSON log lines (stdout) name why it closed a connection ("label"); counted, not kept.
    this.closeLabels = {};
    child.stdout.on('data', (d) => {
      for (const m of String(d).matchAll(/"label":"([^"]+)"/g)) this.closeLabels[m[1]] = (this.closeLabels[m[1]] ?? 0) + 1;
    });
    child.stderr.on('data', (d) => {
      if (this.stderr.length < 20000) this.stderr += d;
    });
    this.child = child;
    if (process.env.BENCH_NICE) {
      try {
        os.setPriority(child.pid, Number(process.env.BENCH_NICE));
      } catch {}
    }
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited at start: ${this.stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}${this.def.health}`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return this;
      } catch {}
      await sleep(50);
    }
    await this.stop();
    throw new Error(`${this.name} not healthy within 20 s: ${this.stderr}`);
  }

  get pid() {
    return this.child?.pid;
  }

  cpu() {
    return cpuSeconds(this.pid);
  }

  memory() {
    return memory(this.pid);
  }

  /** SIGTERM, wait up to 15 s for a graceful exit (persistence flush), then SIGKILL. */
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = sleep(15000).then(() => 'timeout');
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = null;
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
