/**
 * The disk fills up under the real server (a real small tmpfs), writes fail for a while, space comes
 * back, people keep typing, and then the server restarts. Everything received before, during and
 * after the outage must be on disk: a write that failed half-way must not damage what LevelDB
 * writes after it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, freePort, spawnServer, storedText, textOf, waitForSync, whenSaved, type ChildServer } from '../helpers/server-harness';
import { fillDisk, mountSmallDisk, type SmallDisk } from '../helpers/small-disk';

let disk: SmallDisk;
const providers: WebsocketProvider[] = [];
const children: ChildServer[] = [];

beforeAll(async () => {
  disk = await mountSmallDisk(8, 'tests/integration/disk-full.test.ts');
});

afterAll(async () => {
  await disk.unmount();
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
});

async function health(port: number): Promise<{ status: string }> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string };
}

describe('a full disk, then a restart', { timeout: 90_000 }, () => {
  for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
    it(`keeps every edit from before, during and after the outage across a ${stop} restart`, async () => {
      const dataDir = path.join(disk.dir, stop);
      const port = await freePort();
      const server = await spawnServer(dataDir, port, { STORAGE_RETRY_MAX_MS: '200', LOG_LEVEL: 'fatal' });
      children.push(server);
      const writer = connectClient(server.url, 'notes');
      const witness = connectClient(server.url, 'notes');
      providers.push(writer, witness);
      await Promise.all([waitForSync(writer), waitForSync(witness)]);
      const text = writer.doc.getText('t');
      const type = (words: string, count: number) => {
        for (let i = 0; i < count; i++) text.insert(text.length, `${words} ${i}. `);
      };
      type('before', 300);
      await waitFor(() => textOf(witness) === text.toString(), { what: 'the server has the first edits' });

      const filler = path.join(disk.dir, `filler-${stop}`);
      await fillDisk(filler);
      type('during the outage', 300);
      await waitFor(async () => (await health(port)).status === 'degraded', { timeoutMs: 20_000, what: 'writes to fail' });
      type('still during', 100);
      await waitFor(() => textOf(witness) === text.toString(), { what: 'the server has the outage edits' });

      await rm(filler);
      await waitFor(async () => (await health(port)).status === 'ok', { timeoutMs: 20_000, what: 'writes to succeed again' });
      type('after', 300);
      await waitFor(() => textOf(witness) === text.toString(), { what: 'the server has the later edits' });
      // SIGKILL writes nothing more: kill once the server says it has written them. SIGTERM must write them itself.
      if (stop === 'SIGKILL') await whenSaved(writer, 20_000);
      const expected = text.toString();
      destroyAll(providers.splice(0));
      expect(await server.kill(stop)).toBe(stop === 'SIGTERM' ? 0 : null);

      const stored = await storedText(dataDir, 'notes');
      expect(stored.length, `stored ${stored.length} of ${expected.length} characters`).toBe(expected.length);
      expect(stored).toBe(expected);
      const restarted = await spawnServer(dataDir, port);
      children.push(restarted);
      const reader = connectClient(restarted.url, 'notes');
      providers.push(reader);
      await waitForSync(reader);
      expect(textOf(reader)).toBe(expected);
    });
  }
});
