import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, textOf, waitForSync, type InProcessServer } from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

const fixture = useServerPerTest();
const { providers } = fixture;

function start(env: Record<string, string> = {}): Promise<InProcessServer> {
  return fixture.start(env);
}

async function health(port: number): Promise<{ status: string; documentsLoaded: number; connections: number; storage: { ok: boolean } }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return response.json() as Promise<never>;
}

describe('operations endpoints', () => {
  it('/healthz reports documents, connections and storage', async () => {
    const { url, port } = await start();
    const client = connectClient(url, 'ops');
    providers.push(client);
    await waitForSync(client);
    const report = await health(port);
    expect(report).toMatchObject({ status: 'ok', documentsLoaded: 1, connections: 1, storage: { ok: true } });
  });

  it('/metrics serves Prometheus text with the server metrics', async () => {
    const { url, port } = await start();
    const client = connectClient(url, 'ops');
    providers.push(client);
    await waitForSync(client);
    client.doc.getText('t').insert(0, 'counted');
    const expected = [
      'tandem_connections 1',
      'tandem_documents_loaded 1',
      'tandem_messages_received_total{type="sync-update"}',
      'tandem_bytes_received_total',
      'tandem_bytes_sent_total',
      'tandem_update_apply_seconds_bucket',
      'tandem_storage_write_seconds_bucket{le="0.0005",operation="append"}',
      'tandem_storage_healthy 1',
    ];
    // The edit is received, applied and written asynchronously: poll until every metric shows it.
    let text = '';
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.headers.get('content-type')).toContain('text/plain');
        text = await response.text();
        return expected.every((name) => text.includes(name));
      },
      { what: 'metrics of the edit' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nmissing: ${expected.filter((name) => !text.includes(name)).join(', ')}`);
    });
  });

  it('answers 404 for other paths', async () => {
    const { port } = await start();
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });
});

describe('idle documents', () => {
  it('are written, compacted and unloaded after the grace period, then load intact', async () => {
    const started = await start({ DOC_UNLOAD_GRACE_MS: '200' });
    const writer = connectClient(started.url, 'idle');
    providers.push(writer);
    await waitForSync(writer);
    for (let i = 0; i < 50; i++) writer.doc.getText('t').insert(i, 'z');
    const witness = connectClient(started.url, 'idle');
    providers.push(witness);
    await waitFor(() => textOf(witness) === 'z'.repeat(50));
    destroyAll(providers.splice(0));

    await waitFor(async () => (await health(started.port)).documentsLoaded === 0, { what: 'unload' });
    const stored = await started.store.load('idle');
    expect(stored.log).toHaveLength(0);
    expect(stored.snapshot).not.toBeNull();

    const reader = connectClient(started.url, 'idle');
    providers.push(reader);
    await waitForSync(reader);
    expect(textOf(reader)).toBe('z'.repeat(50));
  });
});
