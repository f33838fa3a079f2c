/**
 * `npm start`: the whole app on one machine. Builds the web app when the build is missing or older
 * than its sources, then runs the Next server (PORT, default 3000) and the sync server (SYNC_PORT,
 * default 1234) side by side.
 *
 * Stopping: a SIGTERM or SIGINT, whether it reaches only this process (npm forwards it here) or
 * the whole process group, is passed to every child, and this process exits only after all of them
 * have: the sync server has written every update by then, and nothing is left running. If a child
 * exits on its own, the other is stopped too and the exit code says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SYNC_SERVER_NODE_FLAGS } from './node-flags';
import { onStopSignals, type StopSignal } from './stop-signals';
import { isWebBuildStale } from './web-build';

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

async function run(): Promise<void> {
  onStopSignals((decision, signal) => {
    if (decision === 'ignore') return;
    stopRequested = true;
    // A forced stop is passed on as a second signal: each child decides what "now" means for it.
    signalAll(decision === 'force' ? signal : 'SIGTERM');
  });
  await buildIfNeeded();
  const webPort = process.env.PORT ?? '3000';
  const children = [
    start(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', path.join('sync-server', 'dist', 'main.js')]),
    start(nextBin, ['start', '-p', webPort]),
  ];
  process.stdout.write(`Tandem: web app on http://localhost:${webPort}, sync server on port ${process.env.SYNC_PORT ?? '1234'}\n`);

  let exitCode = 0;
  await Promise.all(
    children.map(async (child) => {
      const code = await exitOf(child);
      if (!stopRequested) {
        // One half of the app died: the other half alone is of no use to anyone.
        process.stderr.write(`${child.spawnfile} exited (${code}); stopping the app\n`);
        stopRequested = true;
        exitCode = code === 0 ? 1 : code;
        signalAll('SIGTERM');
      } else if (code !== 0 && !STOPPED_BY_SIGNAL.has(code)) {
        exitCode = code;
      }
    }),
  );
  process.exit(exitCode);
}

void run();
