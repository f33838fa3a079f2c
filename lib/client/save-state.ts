/**
 * Whether the server has durably stored every change this client holds, as a pure reducer.
 *
 * A save request covers everything the connection sent before it (the server handles one
 * connection's messages in order), so only the latest request matters: its `saved` answer confirms
 * all earlier ones too. A connection that drops takes its unanswered requests with it, and the next
 * connection re-sends the whole diff during the sync exchange, so dropping a connection makes the
 * state dirty again until a new request is answered.
 */
export type SaveStatus = 'saved' | 'saving' | 'unsaved';

export interface SaveState {
  /** Local changes exist that no sent save request covers yet. */
  readonly dirty: boolean;
  /** The id of the newest unanswered save request, or null when none is outstanding. */
  readonly pendingRequestId: number | null;
  readonly connected: boolean;
}

export type SaveEvent =
  | { readonly type: 'local-change' }
  | { readonly type: 'request-sent'; readonly requestId: number }
  | { readonly type: 'saved'; readonly requestId: number }
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected' };

/**
 * The state of a client that has not yet talked to the server: its local copy (IndexedDB) may hold
 * edits the server never received, so nothing counts as saved until a request is answered.
 */
export const initialSaveState: SaveState = { dirty: true, pendingRequestId: null, connected: false };

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
      return { dirty: state.dirty || lostRequest, pendingRequestId: null, connected: false };
    }
  }
}

export function saveStatus(state: SaveState): SaveStatus {
  if (!state.dirty && state.pendingRequestId === null) return 'saved';
  return state.connected ? 'saving' : 'unsaved';
}

/** Whether a save request should be sent now to move towards `saved`. */
export function needsSaveRequest(state: SaveState): boolean {
  return state.connected && state.dirty;
}
