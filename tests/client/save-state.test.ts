import { describe, expect, it } from 'vitest';
import { hasUnconfirmedChanges, initialSaveState, needsSaveRequest, reduceSaveState, saveStatus, type SaveEvent, type SaveState } from '../../lib/client/sync/save-state';

function run(events: SaveEvent[], from: SaveState = initialSaveState): SaveState {
  return events.reduce(reduceSaveState, from);
}

const connectedAndSaved = run([{ type: 'connected' }, { type: 'request-sent', requestId: 1 }, { type: 'saved', requestId: 1 }]);

describe('save state', () => {
  it('is not saved before the server has confirmed anything (the local copy may hold unsent edits)', () => {
    expect(saveStatus(initialSaveState)).toBe('unsaved');
    expect(saveStatus(run([{ type: 'connected' }]))).toBe('saving');
    expect(needsSaveRequest(run([{ type: 'connected' }]))).toBe(true);
  });

  it('is saved once the latest request is answered', () => {
    expect(saveStatus(connectedAndSaved)).toBe('saved');
    expect(needsSaveRequest(connectedAndSaved)).toBe(false);
  });

  it('is saving after a local change until a request covering it is answered', () => {
    const changed = run([{ type: 'local-change' }], connectedAndSaved);
    expect(saveStatus(changed)).toBe('saving');
    const requested = run([{ type: 'request-sent', requestId: 2 }], changed);
    expect(saveStatus(requested)).toBe('saving');
    expect(saveStatus(run([{ type: 'saved', requestId: 2 }], requested))).toBe('saved');
  });

  it('does not count an answer to an older request', () => {
    const state = run(
      [{ type: 'local-change' }, { type: 'request-sent', requestId: 2 }, { type: 'local-change' }, { type: 'request-sent', requestId: 3 }, { type: 'saved', requestId: 2 }],
      connectedAndSaved,
    );
    expect(saveStatus(state)).toBe('saving');
    expect(saveStatus(run([{ type: 'saved', requestId: 3 }], state))).toBe('saved');
  });

  it('does not show saved when a change happened after the request that was answered', () => {
    const state = run([{ type: 'local-change' }, { type: 'request-sent', requestId: 2 }, { type: 'local-change' }, { type: 'saved', requestId: 2 }], connectedAndSaved);
    expect(saveStatus(state)).toBe('saving');
    expect(needsSaveRequest(state)).toBe(true);
  });

  it('accepts an answer to a newer request (it covers everything sent before it)', () => {
    const state = run([{ type: 'local-change' }, { type: 'request-sent', requestId: 2 }, { type: 'saved', requestId: 5 }], connectedAndSaved);
    expect(saveStatus(state)).toBe('saved');
  });

  it('is unsaved while offline with unconfirmed changes, and saved offline when nothing is pending', () => {
    expect(saveStatus(run([{ type: 'disconnected' }], connectedAndSaved))).toBe('saved');
    const offlineEdit = run([{ type: 'disconnected' }, { type: 'local-change' }], connectedAndSaved);
    expect(saveStatus(offlineEdit)).toBe('unsaved');
    expect(needsSaveRequest(offlineEdit)).toBe(false);
  });

  it('treats a request lost with its connection as unconfirmed, and asks again after reconnecting', () => {
    const lost = run([{ type: 'local-change' }, { type: 'request-sent', requestId: 2 }, { type: 'disconnected' }], connectedAndSaved);
    expect(saveStatus(lost)).toBe('unsaved');
    // An answer that arrives for the dead connection's request must not confirm anything.
    expect(saveStatus(run([{ type: 'saved', requestId: 2 }], lost))).toBe('unsaved');
    const back = run([{ type: 'connected' }], lost);
    expect(saveStatus(back)).toBe('saving');
    expect(needsSaveRequest(back)).toBe(true);
    expect(saveStatus(run([{ type: 'request-sent', requestId: 3 }, { type: 'saved', requestId: 3 }], back))).toBe('saved');
  });

  it('is paused, not saving, while the server says it cannot write; saved stays saved', () => {
    const degraded = run([{ type: 'storage-state', ok: false }], connectedAndSaved);
    expect(saveStatus(degraded)).toBe('saved');
    const edited = run([{ type: 'local-change' }, { type: 'request-sent', requestId: 2 }], degraded);
    expect(saveStatus(edited)).toBe('paused');
    expect(hasUnconfirmedChanges(edited)).toBe(true);
    expect(needsSaveRequest(edited)).toBe(false);
    expect(saveStatus(run([{ type: 'storage-state', ok: true }], edited))).toBe('saving');
    // Offline wins over paused; a new connection starts without the old outage.
    const dropped = run([{ type: 'disconnected' }], edited);
    expect(saveStatus(dropped)).toBe('unsaved');
    expect(saveStatus(run([{ type: 'connected' }], dropped))).toBe('saving');
  });

  it('ignores a request "sent" while disconnected', () => {
    const state = run([{ type: 'request-sent', requestId: 9 }]);
    expect(state).toEqual(initialSaveState);
  });
});
