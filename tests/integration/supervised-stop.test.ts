/**
 * Stopping the app the way supervisors and containers do, through the documented commands
 * (`npm run sync-server`, `npm start`): SIGTERM to npm alone (`docker stop`, `kill <pid>`), or
 * SIGTERM to the whole process group followed by SIGKILL of whatever is left once npm has exited
 * (process managers). Either way every edit the server received is on disk, clients are told to
 * come back (1012), npm exits 0 and only after its children, and nothing is left running. Once more
 * with TLS, where `npm start` also runs the web app's https front.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { groupAlive, groupProcesses, killGroup, npmRun } from '../helpers/npm-run';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, freePort, makeTempDir, removeDir, storedText, textOf, waitForSync } from '../helpers/server-harness';
import { httpsGet, makeCertificate, trustingWebSocket, type TestCertificate } from '../helpers/tls';

let certificate: TestCertificate | null = null;

async function answers(url: string): Promise<boolean> {
  if (url.startsWith('https:')) return (await httpsGet(url, certificate!.cert)).status < 500;
  const response = await fetch(url);
  return response.status < 500;
}

let dataDir: string;
const providers: WebsocketProvider[] = [];
const groups: number[] = [];

beforeEach(async () => {
  dataDir = await makeTempDir();
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  for (const pgid of groups.splice(0)) killGroup(pgid);
  await removeDir(dataDir);
});

const scenarios = [
  { script: 'sync-server', signalled: 'npm', tls: false, signal: 'SIGTERM' },
  { script: 'sync-server', signalled: 'group', tls: false, signal: 'SIGTERM' },
  { script: 'start', signalled: 'npm', tls: false, signal: 'SIGTERM' },
  { script: 'start', signalled: 'group', tls: false, signal: 'SIGTERM' },
  { script: 'start', signalled: 'group', tls: true, signal: 'SIGTERM' },
  // A terminal that closes hangs up its foreground process group.
  { script: 'sync-server', signalled: 'group', tls: false, signal: 'SIGHUP' },
  { script: 'start', signalled: 'group', tls: false, signal: 'SIGHUP' },
] as const;

describe('a stop through the documented commands', { timeout: 90_000 }, () => {
  for (const { script, signalled, tls, signal } of scenarios) {
    it(`npm run ${script}${tls ? ' with TLS' : ''}, ${signal} to ${signalled === 'npm' ? 'npm alone' : signal === 'SIGHUP' ? 'the process group (a closed terminal)' : 'the process group, then SIGKILL'}: a 4,000-edit burst is kept, nothing is left running`, async () => {
      const [syncPort, webPort] = [await freePort(), await freePort()];
      certificate = tls ? makeCertificate(dataDir, 'tls') : null;
      const run = npmRun(script, {
        ...(certificate === null ? {} : { TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile }),
        SYNC_HOST: '127.0.0.1',
        SYNC_PORT: String(syncPort),
        PORT: String(webPort),
        DATA_DIR: dataDir,
        AUTH: 'off',
        LOG_LEVEL: 'info',
        NEXT_TELEMETRY_DISABLED: '1',
      });
      const pgid = run.process.pid!;
      groups.push(pgid);
      const ready = async () => {
        if (run.process.exitCode !== null) throw new Error(`npm run ${script} exited early:\n${run.output()}`);
        const scheme = tls ? 'https' : 'http';
        return (await answers(`${scheme}://127.0.0.1:${syncPort}/healthz`)) && (script !== 'start' || (await answers(`${scheme}://127.0.0.1:${webPort}/`)));
      };
      await waitFor(ready, { timeoutMs: 60_000, intervalMs: 100, what: `npm run ${script} to serve` });

      const url = `${tls ? 'wss' : 'ws'}://127.0.0.1:${syncPort}`;
      const socketClass = certificate === null ? undefined : trustingWebSocket(certificate.cert);
      const writer = connectClient(url, 'burst', undefined, {}, socketClass);
      const witness = connectClient(url, 'burst', undefined, {}, socketClass);
      providers.push(writer, witness);
      await Promise.all([waitForSync(writer), waitForSync(witness)]);
      const closeCodes: number[] = [];
      writer.on('connection-close', (event: { code: number } | null) => {
        if (event) closeCodes.push(event.code);
      });
      const text = writer.doc.getText('t');
      for (let i = 0; i < 4_000; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)));
      const expected = text.toString();
      // The server has every edit once it relayed the last one; the stop comes right then, while
      // the last storage batch may still be on its way.
      await waitFor(() => textOf(witness) === expected, { timeoutMs: 20_000, intervalMs: 5, what: 'the server to relay the burst' });
      writer.shouldConnect = false;
      witness.shouldConnect = false;

      if (signalled === 'npm') {
        process.kill(pgid, signal);
      } else {
        process.kill(-pgid, signal);
      }
      const exitCode = await run.exited;
      // npm dies of a hangup at once (it does not pass SIGHUP on); a closed terminal sends nothing
      // after it, so what npm ran must end by itself, having written everything.
      if (signal === 'SIGHUP') await waitFor(() => !groupAlive(pgid), { timeoutMs: 20_000, what: 'everything npm ran to end after the hangup' });
      // npm leads the group: once it has exited, a process manager kills what is left.
      const leftRunning = groupAlive(pgid);
      const left = leftRunning ? groupProcesses(pgid) : '';
      killGroup(pgid);

      expect(leftRunning, `processes outlived npm:\n${left}\n${run.output()}`).toBe(false);
      if (signal === 'SIGTERM') expect(exitCode, run.output()).toBe(0);
      // The client hears of the close on its own schedule, maybe after npm's exit reached us.
      await waitFor(() => closeCodes.length > 0, { timeoutMs: 5_000, what: 'the client to see its socket closed' }).catch(() => undefined);
      expect(closeCodes).toContain(1012);
      expect(await storedText(dataDir, 'burst')).toBe(expected);
    });
  }
});
