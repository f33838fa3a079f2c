/**
 * Who a version credits, with stock y-websocket clients against the real server: people who set
 * `user: {name, color}` in presence, type, and go the way apps make them go (presence withdrawn,
 * then the socket closed).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, makeTempDir, removeDir, startServer, waitForSync, type InProcessServer } from '../helpers/server-harness';

interface ListedVersion {
  readonly kind: string;
  readonly authors: ReadonlyArray<{ readonly name: string; readonly color: string | null }>;
}

let dataDir: string;
let server: InProcessServer | null = null;
const providers: WebsocketProvider[] = [];

beforeEach(async () => {
  dataDir = await makeTempDir('tandem-version-authors-');
  // Long pauses: the only version these tests see is the one recorded when the last editor leaves.
  server = await startServer(dataDir, { HISTORY_IDLE_MS: '600000', HISTORY_MAX_INTERVAL_MS: '600000' });
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  await server?.stop();
  server = null;
  await removeDir(dataDir);
});

async function versionsOf(doc: string): Promise<ListedVersion[]> {
  const response = await fetch(`http://127.0.0.1:${server!.port}/docs/${doc}/versions`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { versions: ListedVersion[] }).versions;
}

/** The version recorded when the last editor left, once it is listed; it must be the only one. */
async function onlyVersion(doc: string): Promise<ListedVersion> {
  const versions = await waitFor(async () => {
    const listed = await versionsOf(doc);
    return listed.length > 0 ? listed : null;
  }, { what: `a version of ${doc}` });
  const [version, ...others] = versions ?? [];
  if (version === undefined || others.length > 0) throw new Error(`expected one version, got ${JSON.stringify(versions)}`);
  return version;
}

async function person(doc: string, user: { name: string; color: string } | null): Promise<WebsocketProvider> {
  const provider = connectClient(server!.url, doc);
  providers.push(provider);
  await waitForSync(provider);
  if (user !== null) provider.awareness.setLocalStateField('user', user);
  return provider;
}

/** Presence first, then the socket: what y-protocols' removeAwarenessStates before destroy() sends. */
function leave(provider: WebsocketProvider): void {
  provider.awareness.setLocalState(null);
  provider.destroy();
}

describe('versions credit the people who edited', () => {
  it('credits everyone who edited when they withdraw their presence before closing', async () => {
    const ada = await person('credits', { name: 'Ada', color: '#d9480f' });
    const bob = await person('credits', { name: 'Bob', color: '#1971c2' });
    await waitFor(() => ada.awareness.getStates().size === 2 && bob.awareness.getStates().size === 2, { what: 'each to see the other' });
    ada.doc.getText('t').insert(0, 'Ada was here. ');
    bob.doc.getText('t').insert(0, 'Bob too. ');
    await waitFor(() => ada.doc.getText('t').length === bob.doc.getText('t').length && bob.doc.getText('t').length > 20, { what: 'both edits on both' });
    leave(ada);
    leave(bob);

    const version = await onlyVersion('credits');
    expect(version.kind).toBe('auto');
    expect(version.authors.map((author) => author.name).sort()).toEqual(['Ada', 'Bob']);
  });

  it('credits someone who typed before naming themselves', async () => {
    const ada = await person('named-late', null);
    ada.doc.getText('t').insert(0, 'typed anonymously');
    const watcher = await person('named-late', null);
    await waitFor(() => watcher.doc.getText('t').toString() === 'typed anonymously', { what: 'the edit on the server' });
    ada.awareness.setLocalStateField('user', { name: 'Ada', color: '#d9480f' });
    await waitFor(() => [...watcher.awareness.getStates().values()].some((state) => state.user !== undefined), { what: 'her name in presence' });
    leave(ada);
    leave(watcher);

    const version = await onlyVersion('named-late');
    expect(version.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);
  });
});
