/**
 * The whole client (provider = transport + session) against the real server logic: rooms,
 * connections and persistence from createRoomHarness, over in-memory sockets, on the harness's
 * manual clock. No network, no sleeps: time moves in steps and queued work is settled in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SyncProvider, type ProviderSnapshot } from '../../lib/client/sync/sync-provider';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { FakePageEnvironment } from '../helpers/fake-page-environment';
import { roomWebSockets, scriptedWebSockets, settle, type RoomLink } from '../helpers/memory-websocket';
import { createRoomHarness } from '../helpers/room-harness';
import { ControllableStore } from '../helpers/store-wrappers';
import type { ManualScheduler } from '../helpers/manual-scheduler';
import type { Permission } from '../../sync-server/room/permissions';

const providers: SyncProvider[] = [];

afterEach(() => {
  for (const provider of providers.splice(0)) provider.destroy();
});

function roomSetUp() {
  const store = new ControllableStore(new MemoryDocumentStore());
  const harness = createRoomHarness(store);
  const open = (permission: Permission = 'write') => {
    const environment = new FakePageEnvironment();
    const sockets = roomWebSockets(harness, permission);
    const provider = new SyncProvider({
      baseUrl: 'ws://sync.test:1234',
      docName: 'notes',
      doc: new Y.Doc(),
      params: { token: 'abc' },
      clock: harness.scheduler,
      environment,
      WebSocket: sockets.WebSocket,
      random: () => 0.5,
    });
    providers.push(provider);
    return { provider, environment, links: sockets.links };
  };
  return { store, harness, open };
}

/** Moves the manual clock in steps, letting frames and storage settle after each; calls `observe` after every step. */
async function run(clock: ManualScheduler, ms: number, observe: () => void = () => {}, stepMs = 100): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    clock.advance(stepMs);
    await settle();
    observe();
  }
}

/** Runs until `done()` holds, bounded; returns the manual time it took. */
async function runUntil(clock: ManualScheduler, done: () => boolean, limitMs: number, stepMs = 50): Promise<number> {
  let elapsed = 0;
  await settle();
  while (!done()) {
    if (elapsed >= limitMs) throw new Error(`not done after ${limitMs} ms`);
    clock.advance(stepMs);
    elapsed += stepMs;
    await settle();
  }
  return elapsed;
}

function type(provider: SyncProvider, text: string): void {
  const t = provider.doc.getText('t');
  t.insert(t.length, text);
}

function stored(store: ControllableStore, docName: string): Promise<string> {
  return store.inner.load(docName).then(({ snapshot, log }) => {
    const doc = new Y.Doc();
    if (snapshot) Y.applyUpdate(doc, snapshot);
    for (const update of log) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  });
}

describe('SyncProvider with a real room', () => {
  it('syncs two editors, saves, and is connected only once the server accepts', async () => {
    const { harness, store, open } = roomSetUp();
    const alice = open();
    expect(alice.provider.getSnapshot().connection).toBe('connecting');
    await runUntil(harness.scheduler, () => alice.provider.getSnapshot().save === 'saved', 2_000);
    expect(alice.provider.getSnapshot()).toMatchObject({ connection: 'connected', synced: true, storage: 'ok', problem: null });
    type(alice.provider, 'Hello');
    const bob = open();
    await runUntil(harness.scheduler, () => bob.provider.doc.getText('t').toString() === 'Hello', 2_000);
    type(bob.provider, ' world');
    await runUntil(
      harness.scheduler,
      () => [alice, bob].every(({ provider }) => provider.getSnapshot().save === 'saved' && provider.doc.getText('t').toString() === 'Hello world'),
      2_000,
    );
    expect(await stored(store, 'notes')).toBe('Hello world');
    expect(alice.links).toHaveLength(1);
  });

  it('stays connected while the disk fails, says so, and is saved again after recovery without reconnecting', async () => {
    const { harness, store, open } = roomSetUp();
    const { provider, links } = open();
    await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 2_000);

    store.failWrites = true;
    type(provider, 'typed while the disk is full');
    const seen = new Set<string>();
    const observe = () => {
      const { connection, save, storage } = provider.getSnapshot();
      seen.add(`${connection}/${save}/${storage}`);
    };
    // Thirty seconds of outage: far past any heartbeat deadline and several storage retries.
    await run(harness.scheduler, 30_000, observe);
    expect([...seen]).toEqual(['connected/paused/degraded']);
    expect(links).toHaveLength(1);
    // The link was probed all along, and every probe was answered although nothing could be saved.
    expect(links[0]!.client.sentOfType('ping').length).toBeGreaterThan(20);
    expect(store.appendCalls).toBeGreaterThan(3);
    expect(harness.persistence.health().ok).toBe(false);
    expect(await stored(store, 'notes')).toBe('');

    store.failWrites = false;
    const recoveredAfter = await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 5_000);
    expect(provider.getSnapshot()).toMatchObject({ connection: 'connected', storage: 'ok', save: 'saved' });
    // The queue's retry delay is capped at 1 s in the harness; the answer follows the write.
    expect(recoveredAfter).toBeLessThanOrEqual(1_500);
    expect(links).toHaveLength(1);
    expect(links[0]!.connection.isClosed).toBe(false);
    expect(await stored(store, 'notes')).toBe('typed while the disk is full');
  });

  it('hears of an outage that began before it connected', async () => {
    const { harness, store, open } = roomSetUp();
    const first = open();
    await runUntil(harness.scheduler, () => first.provider.getSnapshot().save === 'saved', 2_000);
    store.failWrites = true;
    type(first.provider, 'x');
    await runUntil(harness.scheduler, () => first.provider.getSnapshot().storage === 'degraded', 2_000);
    const late = open();
    await runUntil(harness.scheduler, () => late.provider.getSnapshot().storage === 'degraded', 3_000);
    expect(late.provider.getSnapshot().connection).toBe('connected');
    store.failWrites = false;
    await runUntil(harness.scheduler, () => late.provider.getSnapshot().storage === 'ok' && first.provider.getSnapshot().save === 'saved', 3_000);
  });

  it('notices a silent link within 3 s, reconnects, and the server gets what was typed meanwhile', async () => {
    const { harness, store, open } = roomSetUp();
    const { provider, links } = open();
    await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 2_000);
    links[0]!.silence();
    type(provider, 'in the tunnel');
    const noticedAfter = await runUntil(harness.scheduler, () => provider.getSnapshot().connection === 'offline', 5_000);
    expect(noticedAfter).toBeLessThanOrEqual(3_000);
    expect(provider.getSnapshot().save).toBe('unsaved');
    await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 5_000);
    expect(links).toHaveLength(2);
    expect(await stored(store, 'notes')).toBe('in the tunnel');
  });

  it('goes offline with the browser, keeps offline edits, and sends them when back online', async () => {
    const { harness, store, open } = roomSetUp();
    const { provider, environment, links } = open();
    await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 2_000);
    environment.goOffline();
    expect(provider.getSnapshot()).toMatchObject({ connection: 'offline', browserOnline: false });
    type(provider, 'on the train');
    await run(harness.scheduler, 60_000, () => {}, 1_000);
    expect(links).toHaveLength(1);
    expect(provider.getSnapshot().save).toBe('unsaved');
    environment.goOnline();
    await runUntil(harness.scheduler, () => provider.getSnapshot().save === 'saved', 2_000);
    expect(provider.getSnapshot()).toMatchObject({ connection: 'connected', browserOnline: true, failedAttempts: 0 });
    expect(await stored(store, 'notes')).toBe('on the train');
  });

  it('opens a view-only link read-only: edits are refused and the problem says so', async () => {
    const { harness, store, open } = roomSetUp();
    const writer = open();
    type(writer.provider, 'original');
    await runUntil(harness.scheduler, () => writer.provider.getSnapshot().save === 'saved', 2_000);
    const reader = open('read');
    await runUntil(harness.scheduler, () => reader.provider.doc.getText('t').toString() === 'original', 2_000);
    type(reader.provider, ' vandalism');
    await runUntil(harness.scheduler, () => reader.provider.getSnapshot().problem?.kind === 'read-only', 2_000);
    expect(reader.provider.getSnapshot().connection).toBe('connected');
    await run(harness.scheduler, 500);
    expect(writer.provider.doc.getText('t').toString()).toBe('original');
    expect(await stored(store, 'notes')).toBe('original');
  });

  it('removes its presence from the others at once when destroyed', async () => {
    const { harness, open } = roomSetUp();
    const alice = open();
    const bob = open();
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' });
    await runUntil(harness.scheduler, () => bob.provider.awareness.getStates().has(alice.provider.doc.clientID), 2_000);
    alice.provider.destroy();
    await settle();
    expect(bob.provider.awareness.getStates().has(alice.provider.doc.clientID)).toBe(false);
  });
});

describe('SyncProvider snapshot', () => {
  function scripted() {
    const environment = new FakePageEnvironment();
    const sockets = scriptedWebSockets();
    const clock = createRoomHarness(new MemoryDocumentStore()).scheduler;
    const provider = new SyncProvider({
      baseUrl: 'ws://sync.test:1234',
      docName: 'doc/1',
      doc: new Y.Doc(),
      params: { token: 'abc' },
      clock,
      environment,
      WebSocket: sockets.WebSocket,
    });
    providers.push(provider);
    return { provider, environment, sockets, clock };
  }

  it('opens the document URL with its parameters', () => {
    const { sockets } = scripted();
    expect(sockets.latest().url).toBe('ws://sync.test:1234/doc%2F1?token=abc');
  });

  it('explains a refusal and stops', () => {
    const { provider, sockets } = scripted();
    sockets.latest().open();
    sockets.latest().serverClose(4403);
    expect(provider.getSnapshot()).toMatchObject<Partial<ProviderSnapshot>>({ connection: 'offline', problem: { kind: 'forbidden', code: 4403 } });
  });

  it('says a revoked or expired link has ended, not offline, keeps the text typed, and never reconnects', () => {
    for (const [reason, ending] of [
      ['this link was revoked', 'revoked'],
      ['this link has expired', 'expired'],
    ] as const) {
      const { provider, sockets, clock } = scripted();
      sockets.latest().open();
      provider.doc.getText('t').insert(0, 'not sent yet');
      sockets.latest().serverClose(4403, reason);
      expect(provider.getSnapshot()).toMatchObject<Partial<ProviderSnapshot>>({ connection: 'ended', problem: { kind: 'link-ended', ending } });
      expect(provider.doc.getText('t').toString()).toBe('not sent yet');
      const made = sockets.sockets.length;
      clock.advance(120_000);
      expect(sockets.sockets).toHaveLength(made);
    }
  });

  it('counts failed attempts and keeps saying offline (not connecting) while it retries', () => {
    const { provider, sockets } = scripted();
    sockets.latest().serverClose(1006);
    expect(provider.getSnapshot()).toMatchObject({ connection: 'offline', failedAttempts: 1, browserOnline: true });
  });

  it('returns the same snapshot object until something changes', () => {
    const { provider, environment } = scripted();
    const before = provider.getSnapshot();
    expect(provider.getSnapshot()).toBe(before);
    let notified = 0;
    provider.subscribe(() => notified++);
    environment.goOffline();
    expect(notified).toBeGreaterThan(0);
    expect(provider.getSnapshot()).not.toBe(before);
    expect(provider.getSnapshot()).toMatchObject({ connection: 'offline', browserOnline: false });
  });
});
