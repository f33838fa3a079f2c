/**
 * `npm start`: the whole app on one machine. Builds the web app when the build is missing or older
 * than its sources, then runs the Next server (PORT, default 3000) and the sync server (SYNC_PORT,
 * default 1234) side by side.
 *
 * Stopping: a SIGTERM or SIGINT, whether it reaches only this process (npm forwards it here) or
 * the whole process group, is passed to every child, and this process exits only after all of them
 * have: the sync server has written every update by then, and nothing is left running. If a child
 * exits on its own, the other is stopped too and the exit code says so.
 *
 * TLS (TLS_CERT_FILE and TLS_KEY_FILE): the sync server serves wss:// and https:// itself; the web
 * app is served over https on PORT by a front in this process (https-front.ts) that passes requests
 * on to `next start` on a loopback port. A SIGHUP to this process reloads the front's certificate
 * and is passed on to the sync server, which reloads its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { ConfigError, loadTlsConfig } from '../config';
import { HttpsFront } from './https-front';
import { SYNC_SERVER_NODE_FLAGS } from './node-flags';
import { onStopSignals, type StopSignal } from './stop-signals';
import { readTlsCredentials, type TlsFiles } from '../edge/tls';
import { isWebBuildStale } from './web-build';
import { FrameAncestorsError, parseFrameAncestors } from '../../lib/web/security-headers';

const root = process.cwd();
const nextBin = path.join(root, 'node_modules', '.bin', 'next');

/** Exit codes that mean "stopped as asked" (128 + SIGINT or SIGTERM): `next start` exits so. */
const STOPPED_BY_SIGNAL = new Set([130, 143]);

/** The children running now; a stop signal goes to each of them. */
const running = new Set<ChildProcess>();
let stopRequested = false;

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'inherit', env: process.env });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? 1));
  });
}

function signalAll(signal: StopSignal): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

async function buildIfNeeded(): Promise<void> {
  if (!isWebBuildStale(root)) return;
  process.stdout.write('Building the web app (first start or sources changed)...\n');
  const code = await exitOf(start(nextBin, ['build']));
  if (stopRequested) process.exit(code === 0 ? 0 : 1);
  if (code !== 0) {
    process.stderr.write('next build failed\n');
    process.exit(code);
  }
}

/** A port free on the loopback interface right now, for `next start` behind the https front. */
function loopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function readTlsFiles(): TlsFiles | null {
  try {
    return loadTlsConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tandem: ${error.message}\n`);
    process.exit(2);
  }
}

/** The web app would refuse every framing site over a wrong FRAME_ANCESTORS; here it stops the start. */
function checkFrameAncestors(): void {
  try {
    parseFrameAncestors(process.env.FRAME_ANCESTORS);
  } catch (error) {
    if (!(error instanceof FrameAncestorsError)) throw error;
    process.stderr.write(`tandem: ${error.message}\n`);
    process.exit(2);
  }
}

async function run(): Promise<void> {
  const tls = readTlsFiles();
  checkFrameAncestors();
  let front: HttpsFront | null = null;
  let syncServer: ChildProcess | null = null;
  onStopSignals((decision, signal) => {
    if (decision === 'ignore') return;
    stopRequested = true;
    front?.close();
    // A forced stop is passed on as a second signal: each child decides what "now" means for it.
    signalAll(decision === 'force' ? signal : 'SIGTERM');
  }, { hangup: tls === null });
  if (tls !== null) {
    process.on('SIGHUP', () => {
      front?.reload();
      if (syncServer !== null && running.has(syncServer)) syncServer.kill('SIGHUP');
    });
  }
  await buildIfNeeded();
  const webPort = process.env.PORT ?? '3000';
  let nextArgs = ['start', '-p', webPort];
  let innerPort = 0;
  if (tls !== null) {
    innerPort = await loopbackPort();
    front = new HttpsFront(tls, readTlsCredentials(tls), innerPort, {
      info: (line) => process.stdout.write(`${line}\n`),
      error: (line) => process.stderr.write(`${line}\n`),
    });
    try {
      await front.listen(Number(webPort));
    } catch (error) {
      process.stderr.write(`cannot serve https on PORT ${webPort}: ${(error as Error).message}\n`);
      process.exit(1);
    }
    if (stopRequested) process.exit(0);
    nextArgs = ['start', '-p', String(innerPort), '-H', '127.0.0.1'];
    if (/^ws:/i.test(process.env.SYNC_URL?.trim() ?? '')) {
      process.stderr.write('warning: SYNC_URL is ws://, which pages served over https may not open; use wss://\n');
    }
  }
  syncServer = start(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', path.join('sync-server', 'dist', 'main.js')]);
  const children = [syncServer, start(nextBin, nextArgs)];
  const syncPort = process.env.SYNC_PORT ?? '1234';
  process.stdout.write(
    tls === null
      ? `Tandem: web app on http://localhost:${webPort}, sync server on port ${syncPort}\n`
      : `Tandem: web app on https://localhost:${webPort} (next start behind it on 127.0.0.1:${innerPort}), sync server on port ${syncPort} (wss://, https://)\n`,
  );

  let exitCode = 0;
  await Promise.all(
    children.map(async (child) => {
      const code = await exitOf(child);
      if (!stopRequested) {
        // One half of the app died: the other half alone is of no use to anyone.
        process.stderr.write(`${child.spawnfile} exited (${code}); stopping the app\n`);
        stopRequested = true;
        exitCode = code === 0 ? 1 : code;
        front?.close();
        signalAll('SIGTERM');
      } else if (code !== 0 && !STOPPED_BY_SIGNAL.has(code)) {
        exitCode = code;
      }
    }),
  );
  process.exit(exitCode);
}

void run();
