/**
 * Holds the save state of one provider and tells listeners when the visible status changes.
 * The logic lives in save-state.ts; this is only the mutable shell around it.
 */
import { initialSaveState, needsSaveRequest, reduceSaveState, saveStatus, type SaveEvent, type SaveState, type SaveStatus } from './save-state';

export class SaveTracker {
  private state: SaveState = initialSaveState;
  private readonly listeners = new Set<(status: SaveStatus) => void>();

  get status(): SaveStatus {
    return saveStatus(this.state);
  }

  get needsRequest(): boolean {
    return needsSaveRequest(this.state);
  }

  dispatch(event: SaveEvent): void {
    const before = this.status;
    this.state = reduceSaveState(this.state, event);
    const after = this.status;
    if (after !== before) for (const listener of this.listeners) listener(after);
  }

  subscribe(listener: (status: SaveStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
