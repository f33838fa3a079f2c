/**
 * Everything the browser tests run against, as a person would meet it: the production build of the
 * web app (`next start`; tests/global-setup.ts builds it), the real sync server as a child process
 * with LevelDB in a temp folder, and Debian's Chromium. Only 127.0.0.1, only free ports, everything killed in `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/poll';
import { ROOT } from '../helpers/web-build';

export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Polls `check` until it returns a truthy value; the only way these tests wait for anything. */
export function waitUntil<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  // A page needs longer than an in-process server: browser defaults over the shared poller.
  return waitFor(check, { timeoutMs: 15_000, intervalMs: 50, ...options });
}

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

function startChild(command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, exited, output: () => output };
}

async function stopChild(child: Child | null, signal: NodeJS.Signals): Promise<void> {
  if (child === null || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  await child.exited;
}

async function waitForHttp(url: string, child: Child, what: string): Promise<void> {
  await waitUntil(
    async () => {
      if (child.process.exitCode !== null) throw new Error(`${what} exited early:\n${child.output()}`);
      const response = await fetch(url);
      return response.ok;
    },
    { timeoutMs: 45_000, intervalMs: 100, what },
  );
}

export interface BrowserHarnessOptions {
  /**
   * The sync server's DATA_DIR, owned by the caller (e.g. a small filesystem a test fills up); it is
   * left in place by close(). Without it the harness makes a temp folder and removes it.
   */
  readonly dataDir?: string;
  /**
   * The port of a sync server the caller runs (e.g. the proxy in front of a cluster): the web app
   * syncs through it and the harness starts no sync server of its own.
   */
  readonly syncPort?: number;
  /** More environment for the sync server the harness starts (e.g. PRESENCE_CROWD_SIZE). */
  readonly syncEnv?: Readonly<Record<string, string>>;
}

export class BrowserHarness {
  private syncServer: Child | null = null;
  private readonly extraWebApps: Child[] = [];
  private constructor(
    readonly appUrl: string,
    readonly syncPort: number,
    readonly dataDir: string,
    private readonly web: Child,
    readonly browser: Browser,
    private readonly tempDirs: string[],
    private readonly syncEnv: Readonly<Record<string, string>>,
  ) {}

  static async start(options: BrowserHarnessOptions = {}): Promise<BrowserHarness> {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const [webPort, syncPort] = [await freePort(), options.syncPort ?? (await freePort())];
    const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tandem-browser-data-')));
    const ownedDirs = options.dataDir === undefined ? [dataDir] : [];
    // No SYNC_URL: the page must find the sync server on its own host at SYNC_PORT, read at runtime.
    const web = startChild(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-p', String(webPort), '-H', '127.0.0.1'], {
      SYNC_PORT: String(syncPort),
      NEXT_TELEMETRY_DISABLED: '1',
    });
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const harness = new BrowserHarness(`http://127.0.0.1:${webPort}`, syncPort, dataDir, web, browser, ownedDirs, options.syncEnv ?? {});
      if (options.syncPort === undefined) await harness.startSyncServer();
      await waitForHttp(`${harness.appUrl}/`, web, 'next start');
      return harness;
    } catch (error) {
      await browser?.close();
      await stopChild(web, 'SIGKILL');
      throw error;
    }
  }

  /** Starts (or restarts) the sync server on the same port and data folder; resolves when healthy. */
  async startSyncServer(): Promise<void> {
    // node runs the server itself with tsx as a loader (not the tsx CLI, which forks a second node):
    // SIGKILL must hit the process that holds the socket and the database.
    const server = startChild(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
      SYNC_PORT: String(this.syncPort),
      SYNC_HOST: '127.0.0.1',
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'warn',
      DOC_UNLOAD_GRACE_MS: '1000',
      ...this.syncEnv,
    });
    this.syncServer = server;
    await waitForHttp(`http://127.0.0.1:${this.syncPort}/healthz`, server, 'sync server /healthz');
  }

  /** Another `next start` of the same build with its own environment (e.g. SYNC_URL); returns its URL. */
  async startWebApp(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const web = startChild(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-p', String(port), '-H', '127.0.0.1'], {
      NEXT_TELEMETRY_DISABLED: '1',
      ...env,
    });
    this.extraWebApps.push(web);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/`, web, 'extra next start');
    return url;
  }

  /** SIGKILL by default (a crash); SIGTERM is a graceful restart, which closes sockets with 1012. */
  async killSyncServer(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await stopChild(this.syncServer, signal);
    this.syncServer = null;
  }

  syncServerOutput(): string {
    return this.syncServer?.output() ?? '';
  }

  /** A fresh browser profile in memory, like a new person on another machine. */
  newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    return this.browser.newContext(options);
  }

  /** A profile on disk, so IndexedDB outlives closing the browser; reuse `dir` to reopen it. */
  async persistentContext(dir?: string): Promise<{ context: BrowserContext; dir: string }> {
    const userDataDir = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'tandem-browser-profile-')));
    if (!dir) this.tempDirs.push(userDataDir);
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    return { context, dir: userDataDir };
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.killSyncServer();
    await stopChild(this.web, 'SIGKILL');
    for (const web of this.extraWebApps) await stopChild(web, 'SIGKILL');
    await Promise.all(this.tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** A test file's harness, and the contexts its tests open, closed with it after the file's tests. */
export interface SharedBrowserHarness {
  /** The started harness (inside a test or a hook that runs after the file's beforeAll). */
  readonly harness: BrowserHarness;
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  persistentContext(dir?: string): Promise<{ context: BrowserContext; dir: string }>;
}

/**
 * Starts one harness for the calling test file (before its tests) and closes it, with every context
 * opened through it, after them: the set-up each browser test file would otherwise write again.
 */
export function useBrowserHarness(options: BrowserHarnessOptions = {}): SharedBrowserHarness {
  let started: BrowserHarness | null = null;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    started = await BrowserHarness.start(options);
  }, 360_000);
  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await started?.close();
  }, 60_000);
  const harness = (): BrowserHarness => {
    if (started === null) throw new Error('the browser harness is started before the tests of its file');
    return started;
  };
  return {
    get harness() {
      return harness();
    },
    async newContext(contextOptions) {
      const context = await harness().newContext(contextOptions);
      contexts.push(context);
      return context;
    },
    async persistentContext(dir) {
      const opened = await harness().persistentContext(dir);
      contexts.push(opened.context);
      return opened;
    },
  };
}
