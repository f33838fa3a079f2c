/**
 * Whether the server has durably stored every change this client holds, as a pure reducer.
 *
 * A save request covers everything the connection sent before it (the server handles one
 * connection's messages in order), so only the latest request matters: its `saved` answer confirms
 * all earlier ones too. A connection that drops takes its unanswered requests with it, and the next
 * connection re-sends the whole diff during the sync exchange, so dropping a connection makes the
 * state dirty again until a new request is answered.
 *
 * While the server reports that its storage cannot write, requests stay unanswered however long we
 * wait; the status then says `paused` rather than pretending to be `saving`.
 */
export type SaveStatus = 'saved' | 'saving' | 'paused' | 'unsaved';

export interface SaveState {
  /** Local changes exist that no sent save request covers yet. */
  readonly dirty: boolean;
  /** The id of the newest unanswered save request, or null when none is outstanding. */
  readonly pendingRequestId: number | null;
  readonly connected: boolean;
  /** What the server last said about its storage on this connection (a new one starts hopeful). */
  readonly storageOk: boolean;
}

export type SaveEvent =
  | { readonly type: 'local-change' }
  | { readonly type: 'request-sent'; readonly requestId: number }
  | { readonly type: 'saved'; readonly requestId: number }
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected' }
  | { readonly type: 'storage-state'; readonly ok: boolean };

/**
 * The state of a client that has not yet talked to the server: its local copy (IndexedDB) may hold
 * edits the server never received, so nothing counts as saved until a request is answered.
 */
export const initialSaveState: SaveState = { dirty: true, pendingRequestId: null, connected: false, storageOk: true };

export function reduceSaveState(state: SaveState, event: SaveEvent): SaveState {
  switch (event.type) {
    case 'local-change':
      return state.dirty ? state : { ...state, dirty: true };
    case 'request-sent':
      // A request sent while disconnected goes nowhere; the provider never does that, but a
      // request must not be able to mark changes as covered when it cannot reach the server.
      if (!state.connected) return state;
      return { ...state, dirty: false, pendingRequestId: event.requestId };
    case 'saved':
      // An answer to an older request says nothing about changes sent after it.
      if (state.pendingRequestId === null || event.requestId < state.pendingRequestId) return state;
      return { ...state, pendingRequestId: null };
    case 'connected':
      return state.connected ? state : { ...state, connected: true };
    case 'disconnected': {
      const lostRequest = state.pendingRequestId !== null;
      // The next server tells a connection about an outage when it starts, so assume none.
      return { dirty: state.dirty || lostRequest, pendingRequestId: null, connected: false, storageOk: true };
    }
    case 'storage-state':
      return state.storageOk === event.ok ? state : { ...state, storageOk: event.ok };
  }
}

export function saveStatus(state: SaveState): SaveStatus {
  if (!hasUnconfirmedChanges(state)) return 'saved';
  if (!state.connected) return 'unsaved';
  return state.storageOk ? 'saving' : 'paused';
}

/** Changes exist that the server has not confirmed as stored. */
export function hasUnconfirmedChanges(state: SaveState): boolean {
  return state.dirty || state.pendingRequestId !== null;
}

/** Whether a save request should be sent now to move towards `saved`. */
export function needsSaveRequest(state: SaveState): boolean {
  return state.connected && state.dirty;
}
