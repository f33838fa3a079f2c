/**
 * One sync node of a chaos run: the production bundle (`sync-server/dist/main.js`, started as
 * tests/helpers/server-harness.ts spawnServer starts it) in cluster mode, in its own process group
 * so that a Ctrl+C to the run reaches only the run, which then stops everything in order.
 * It remembers whether each exit was asked for, and every fatal line it logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SYNC_SERVER_NODE_FLAGS } from '../../sync-server/launchers/node-flags';
import { waitFor } from '../helpers/poll';

const KEPT_OUTPUT_CHARS = 64 * 1024;
const START_TIMEOUT_MS = 30_000;
/** pino's level number for `fatal`: the server logs an uncaught exception or rejection at it. */
const FATAL_LEVEL = 60;

export interface NodeProcessOptions {
  /** 0-based; people see it 1-based. */
  readonly index: number;
  readonly port: number;
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  private expectExit = false;
  private paused = false;
  private output = '';
  private partialLine = '';
  /** Exits nobody asked for, and fatal log lines: each one a crash. */
  readonly crashes: string[] = [];
  /** How many times it has been started. */
  generation = 0;

  constructor(private readonly options: NodeProcessOptions) {}

  get name(): string {
    return `node ${this.options.index + 1}`;
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.output;
  }

  /** Spawns it and resolves once it answers HTTP on its port (any status: degraded is still up). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.generation += 1;
    const generation = this.generation;
    this.expectExit = false;
    this.paused = false;
    const child = spawn(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', 'sync-server/dist/main.js'], {
      env: {
        ...process.env,
        SYNC_HOST: '127.0.0.1',
        SYNC_PORT: String(this.options.port),
        DATA_DIR: this.options.dataDir,
        AUTH: 'off',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.collect(chunk, generation));
    child.stderr?.on('data', (chunk: Buffer) => this.collect(chunk, generation));
    child.once('exit', (code, signal) => {
      if (!this.expectExit) this.crashes.push(`${this.name} (start ${generation}) exited on its own: ${signal ?? `exit code ${code}`}`);
    });
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.output.slice(-4_000)}`);
        await fetch(`http://127.0.0.1:${this.options.port}/healthz`);
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 50, what: `${this.name} to answer on 127.0.0.1:${this.options.port}` },
    );
  }

  /** kill -9; resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || !this.running) return;
    this.expectExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.paused = false;
  }

  pause(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child!.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
    this.paused = false;
  }

  /** Resident set size in bytes, from /proc. */
  rss(): number {
    const pid = this.pid;
    if (pid === null || !this.running) throw new Error(`${this.name} is not running`);
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match === null) throw new Error(`no VmRSS for ${this.name} (pid ${pid})`);
    return Number(match[1]) * 1024;
  }

  /** The last resort on the way out: synchronous, so it also works from a process 'exit' handler. */
  killNow(): void {
    if (!this.running) return;
    this.expectExit = true;
    try {
      this.child!.kill('SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private collect(chunk: Buffer, generation: number): void {
    const text = this.partialLine + chunk.toString();
    const lines = text.split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) {
      this.output = (this.output + `[${generation}] ${line}\n`).slice(-KEPT_OUTPUT_CHARS);
      if (isFatal(line)) this.crashes.push(`${this.name} (start ${generation}) logged: ${line.slice(0, 2_000)}`);
    }
  }
}

function isFatal(line: string): boolean {
  if (!line.startsWith('{')) return /uncaught|unhandled/i.test(line);
  try {
    const entry = JSON.parse(line) as { level?: unknown };
    return typeof entry.level === 'number' && entry.level >= FATAL_LEVEL;
  } catch {
    return false;
  }
}
