/**
 * The Yjs session over a hand-driven transport and a manual clock: the handshake, presence, save
 * requests and acknowledgements, storage state and permission. Nothing here knows sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { decodeAwarenessUpdate } from '../../lib/protocol/awareness';
import {
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeSaved,
  encodeSharingState,
  encodeStorageState,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../../lib/protocol/messages';
import { SyncSession } from '../../lib/client/sync/sync-session';
import { FakePageEnvironment } from '../helpers/fake-page-environment';
import { FakeTransport } from '../helpers/fake-transport';
import { ManualScheduler } from '../helpers/manual-scheduler';

const sessions: SyncSession[] = [];

afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

function setUp() {
  const clock = new ManualScheduler();
  const transport = new FakeTransport();
  const page = new FakePageEnvironment();
  const session = new SyncSession({ doc: new Y.Doc(), transport, clock, saveDelayMs: 10, pageEvents: page.events });
  sessions.push(session);
  return { clock, transport, page, session };
}

/** The server's side of an accepted handshake: its step 1, then its step 2 answer. */
function accept(transport: FakeTransport, serverDoc = new Y.Doc()): void {
  transport.linkUp();
  transport.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)));
  transport.deliver(encodeSyncStep2(Y.encodeStateAsUpdate(serverDoc)));
}

function lastSaveRequestId(transport: FakeTransport): number {
  const request = transport.sentOfType('save-request').at(-1);
  if (!request) throw new Error('no save request was sent');
  return request.requestId;
}

describe('SyncSession', () => {
  it('starts each link with its state vector and presence, and is accepted by the server’s step 1', () => {
    const { transport, session } = setUp();
    session.awareness.setLocalStateField('user', { name: 'Ada' });
    transport.linkUp();
    expect(transport.sent.map((m) => m.type)).toEqual(['sync-step-1', 'awareness']);
    expect(session.view.phase).toBe('handshaking');
    const serverDoc = new Y.Doc();
    serverDoc.getText('t').insert(0, 'from the server');
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)));
    expect(session.view.phase).toBe('accepted');
    expect(transport.sentOfType('sync-step-2')).toHaveLength(1);
    transport.deliver(encodeSyncStep2(Y.encodeStateAsUpdate(serverDoc)));
    expect(session.view).toMatchObject({ phase: 'synced', everSynced: true });
    expect(session.doc.getText('t').toString()).toBe('from the server');
    expect(transport.established).toBe(1);
  });

  it('confirms saves only for the latest request and after local edits are sent', () => {
    const { clock, transport, session } = setUp();
    accept(transport);
    clock.advance(0);
    const first = lastSaveRequestId(transport);
    expect(session.view.save).toBe('saving');
    session.doc.getText('t').insert(0, 'hi');
    expect(transport.sentOfType('sync-update')).toHaveLength(1);
    transport.deliver(encodeSaved(first));
    expect(session.view.save).toBe('saving');
    clock.advance(10);
    const second = lastSaveRequestId(transport);
    expect(second).toBeGreaterThan(first);
    transport.deliver(encodeSaved(second));
    expect(session.view.save).toBe('saved');
  });

  it('says saving is paused while the server cannot write, and asks afresh when it can again', () => {
    const { clock, transport, session } = setUp();
    accept(transport);
    clock.advance(0);
    transport.deliver(encodeSaved(lastSaveRequestId(transport)));
    expect(session.view).toMatchObject({ save: 'saved', storage: 'ok' });

    transport.deliver(encodeStorageState(false));
    // Everything this client has is stored: the outage does not make it less saved.
    expect(session.view).toMatchObject({ save: 'saved', storage: 'degraded' });
    session.doc.getText('t').insert(0, 'typed during the outage');
    clock.advance(10);
    const duringOutage = lastSaveRequestId(transport);
    expect(session.view.save).toBe('paused');

    transport.deliver(encodeStorageState(true));
    const fresh = lastSaveRequestId(transport);
    expect(fresh).toBeGreaterThan(duringOutage);
    expect(session.view).toMatchObject({ save: 'saving', storage: 'ok' });
    transport.deliver(encodeSaved(fresh));
    expect(session.view.save).toBe('saved');
  });

  it('learns of an outage announced before its handshake, and forgets it with the link', () => {
    const { transport, session } = setUp();
    transport.linkUp();
    transport.deliver(encodeStorageState(false));
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    expect(session.view).toMatchObject({ phase: 'accepted', storage: 'degraded', save: 'paused' });
    transport.linkDown();
    expect(session.view).toMatchObject({ phase: 'no-link', storage: 'ok', save: 'unsaved' });
  });

  it('says when its server is cut off from the other servers (cluster mode), and forgets it with the link', () => {
    const { transport, session } = setUp();
    transport.linkUp();
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    expect(session.view.sharing).toBe('ok');
    transport.deliver(encodeSharingState(false));
    expect(session.view).toMatchObject({ phase: 'accepted', sharing: 'degraded', storage: 'ok' });
    transport.deliver(encodeSharingState(true));
    expect(session.view.sharing).toBe('ok');
    transport.deliver(encodeSharingState(false));
    transport.linkDown();
    expect(session.view.sharing).toBe('ok');
  });

  it('applies remote updates without echoing them, and drops remote presence when the link goes', () => {
    const { transport, session } = setUp();
    accept(transport);
    const other = new Y.Doc();
    other.getText('t').insert(0, 'remote');
    const sentBefore = transport.sent.length;
    transport.deliver(encodeSyncUpdate(Y.encodeStateAsUpdate(other)));
    expect(session.doc.getText('t').toString()).toBe('remote');
    const remote = new Awareness(other);
    remote.setLocalStateField('user', { name: 'Bob' });
    transport.deliver(encodeAwarenessMessage(encodeAwarenessUpdate(remote, [other.clientID])));
    expect(session.awareness.getStates().has(other.clientID)).toBe(true);
    expect(transport.sent.length).toBe(sentBefore);

    transport.linkDown();
    expect(session.awareness.getStates().has(other.clientID)).toBe(false);
    expect(session.view.save).toBe('unsaved');
    remote.destroy();
  });

  it('is synced when the server answers its step 1 before greeting it (a document answered from storage while it loads)', () => {
    const { transport, session } = setUp();
    const serverDoc = new Y.Doc();
    serverDoc.getText('t').insert(0, 'stored');
    transport.linkUp();
    // The registry answers a waiting client's step 1 from the stored bytes, then the room greets it.
    transport.deliver(encodeSyncStep2(Y.encodeStateAsUpdate(serverDoc)));
    expect(session.view.phase).toBe('handshaking');
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)));
    expect(session.view).toMatchObject({ phase: 'synced', everSynced: true });
    expect(session.doc.getText('t').toString()).toBe('stored');

    // The next link starts over: a greeting alone is not a sync.
    transport.linkDown();
    transport.linkUp();
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)));
    expect(session.view.phase).toBe('accepted');
  });

  it('sees a peer again that comes back on the next link with the presence it had (same clock)', () => {
    const { transport, session } = setUp();
    accept(transport);
    const other = new Y.Doc();
    const remote = new Awareness(other);
    remote.setLocalStateField('user', { name: 'Bob' });
    const announcement = encodeAwarenessMessage(encodeAwarenessUpdate(remote, [other.clientID]));
    transport.deliver(announcement);
    expect(session.awareness.getStates().has(other.clientID)).toBe(true);

    transport.linkDown(); // Bob is shown as gone: nobody could tell us if he left meanwhile
    expect(session.awareness.getStates().has(other.clientID)).toBe(false);
    accept(transport);
    transport.deliver(announcement); // Bob is still there, unchanged: the server sends what it holds
    expect(session.awareness.getStates().get(other.clientID)).toEqual({ user: { name: 'Bob' } });

    // The server marks Bob gone (his connection dropped: clock + 1), then restarts and forgets it;
    // Bob comes back to the new server with the clock he had.
    const clock = session.awareness.meta.get(other.clientID)!.clock;
    transport.deliver(encodeAwarenessMessage(Uint8Array.from([1, ...varuint(other.clientID), ...varuint(clock + 1), 4, 110, 117, 108, 108])));
    expect(session.awareness.getStates().has(other.clientID)).toBe(false);
    transport.linkDown();
    accept(transport);
    transport.deliver(announcement);
    expect(session.awareness.getStates().get(other.clientID)).toEqual({ user: { name: 'Bob' } });
    remote.destroy();
  });

  it('announces its presence again when the server says it was removed (its previous connection left after this one came)', () => {
    const { transport, session } = setUp();
    accept(transport);
    session.awareness.setLocalStateField('user', { name: 'Alice' });
    const own = session.doc.clientID;
    const clock = session.awareness.meta.get(own)!.clock;
    const sentBefore = transport.sentOfType('awareness').length;
    // The server's removal of our id, with a newer clock: what the old connection's leaving broadcast.
    const removal = Uint8Array.from([1, ...varuint(own), ...varuint(clock + 1), 4, 110, 117, 108, 108]);
    transport.deliver(encodeAwarenessMessage(removal));
    const sent = transport.sentOfType('awareness').slice(sentBefore);
    expect(sent).toHaveLength(1);
    const [entry] = decodeAwarenessUpdate(sent[0]!.update, 1_000);
    expect(entry).toMatchObject({ clientId: own, clock: clock + 2 });
    expect(JSON.parse(entry!.state)).toEqual({ user: { name: 'Alice' } });
  });

  it('reads a permission-denied after acceptance as a view-only link, and before it as nothing', () => {
    const { transport, session } = setUp();
    transport.linkUp();
    transport.deliver(encodePermissionDenied('no token'));
    expect(session.view.readOnlyReason).toBeNull();
    transport.deliver(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    transport.deliver(encodePermissionDenied('read-only link'));
    expect(session.view.readOnlyReason).toBe('read-only link');
    transport.linkDown();
    expect(session.view.readOnlyReason).toBe('read-only link');
  });

  it('withdraws its presence on pagehide, restores it from the back-forward cache, and on destroy', () => {
    const { transport, page, session } = setUp();
    accept(transport);
    session.awareness.setLocalStateField('user', { name: 'Ada' });
    const states = () =>
      transport.sentOfType('awareness').map((m) => decodeAwarenessUpdate(m.update, Infinity).find((e) => e.clientId === session.doc.clientID)?.state);
    page.hidePage();
    expect(states().at(-1)).toBe('null');
    page.showPage(true);
    expect(states().at(-1)).toContain('Ada');
    session.destroy();
    expect(states().at(-1)).toBe('null');

    // A page shown afresh (not from the cache) is a new visit: the old presence stays gone.
    const fresh = setUp();
    accept(fresh.transport);
    fresh.session.awareness.setLocalStateField('user', { name: 'Ada' });
    fresh.page.hidePage();
    fresh.page.showPage(false);
    expect(fresh.session.awareness.getLocalState()).toBeNull();
  });
});

/** lib0's variable-length unsigned integer, as awareness updates carry ids and clocks. */
function varuint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}
