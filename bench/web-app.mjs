// The web app and a browser for the bench, started as the browser tests start them
// (tests/browser/harness.ts): the production build (`next build` when it is missing or older than
// its sources, tests/helpers/web-build.ts), `next start` on a free loopback port with SYNC_PORT
// read at runtime, and Debian's Chromium through playwright-core. Stopped by PID.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { importProjectModules } from './project-bundle.mjs';
import { freePort } from './servers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The browser tests' Chromium and flags (tests/browser/harness.ts).
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `next build` when the build is stale, through the tests' own helper (it keeps tsconfig.json as it was). */
export async function buildWebAppIfStale(log) {
  const { buildWebAppIfStale: build, isWebBuildStale } = await importProjectModules('web-build', [
    "export { buildWebAppIfStale } from './tests/helpers/web-build.ts';",
    "export { isWebBuildStale } from './sync-server/launchers/web-build.ts';",
  ]);
  if (isWebBuildStale(root)) log('bench: building the web app (next build, a few minutes) …');
  build();
}

/** `next start` against the sync server on `syncPort`; resolves with its URL once it answers. */
export async function startWebApp(syncPort) {
  const port = await freePort();
  const child = spawn(path.join(root, 'node_modules', '.bin', 'next'), ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, SYNC_PORT: String(syncPort), NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 20000) stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(10000).then(() => 'timeout')])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + 45000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${stderr}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { url, pid: child.pid, stop };
    } catch {}
    await sleep(100);
  }
  await stop();
  throw new Error(`next start did not answer within 45 s: ${stderr}`);
}

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
