/**
 * The production build of the web app under stock `next start` on 127.0.0.1, with an environment of
 * the test's choosing (SYNC_URL, SYNC_PORT, FRAME_ANCESTORS…). tests/global-setup.ts builds it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './poll';
import { ROOT } from './web-build';

export interface NextApp {
  readonly url: string;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startNext(env: Record<string, string>): Promise<NextApp> {
  const port = await freePort();
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
        return (await fetch(`${url}/`)).ok;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: 'next start to answer' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, output: () => output, stop };
}
