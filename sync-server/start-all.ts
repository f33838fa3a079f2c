/**
 * `npm start`: the whole app on one machine. Builds the web app when the build is missing or older
 * than its sources, then runs the Next server (PORT, default 3000) and the sync server (SYNC_PORT,
 * default 1234) side by side. A signal stops both (the sync server flushes first); if either exits
 * on its own, the other is stopped too and the exit code says so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { SYNC_SERVER_NODE_FLAGS } from './node-flags';

const root = process.cwd();
const nextBin = path.join(root, 'node_modules', '.bin', 'next');

function newestSourceTime(): number {
  let newest = 0;
  const visit = (entry: string): void => {
    if (!existsSync(entry)) return;
    const stats = statSync(entry);
    if (stats.isDirectory()) {
      for (const child of readdirSync(entry)) visit(path.join(entry, child));
    } else {
      newest = Math.max(newest, stats.mtimeMs);
    }
  };
  for (const entry of ['app', 'lib', 'next.config.js', 'package-lock.json', 'tsconfig.json']) visit(path.join(root, entry));
  return newest;
}

function buildIfNeeded(): void {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSourceTime()) return;
  process.stdout.write('Building the web app (first start or sources changed)...\n');
  const result = spawnSync(nextBin, ['build'], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    process.stderr.write('next build failed\n');
    process.exit(result.status ?? 1);
  }
}

function run(): void {
  buildIfNeeded();
  const webPort = process.env.PORT ?? '3000';
  const children: ChildProcess[] = [
    spawn(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', path.join('sync-server', 'dist', 'main.js')], {
      stdio: 'inherit',
      env: process.env,
    }),
    spawn(nextBin, ['start', '-p', webPort], { stdio: 'inherit', env: process.env }),
  ];
  let stopping = false;
  let exitCode = 0;
  let running = children.length;

  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };

  for (const child of children) {
    child.on('exit', (code, signal) => {
      running--;
      if (!stopping) {
        // One half of the app died: the other half alone is of no use to anyone.
        process.stderr.write(`${child.spawnfile} exited (${code ?? signal}); stopping the app\n`);
        exitCode = code ?? 1;
        stopAll('SIGTERM');
      } else if (code !== null && code !== 0) {
        exitCode = code;
      }
      if (running === 0) process.exit(exitCode);
    });
  }
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.stdout.write(`Tandem: web app on http://localhost:${webPort}, sync server on port ${process.env.SYNC_PORT ?? '1234'}\n`);
}

run();
