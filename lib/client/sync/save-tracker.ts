/**
 * Holds the save state of one provider and tells listeners when the visible status changes.
 * The logic lives in save-state.ts; this is only the mutable shell around it.
 */
import {
  hasUnconfirmedChanges,
  initialSaveState,
  needsSaveRequest,
  reduceSaveState,
  saveStatus,
  type SaveEvent,
  type SaveState,
  type SaveStatus,
} from './save-state';

export class SaveTracker {
  private state: SaveState = initialSaveState;
  private readonly listeners = new Set<() => void>();

  get status(): SaveStatus {
    return saveStatus(this.state);
  }

  get needsRequest(): boolean {
    return needsSaveRequest(this.state);
  }

  get hasUnconfirmedChanges(): boolean {
    return hasUnconfirmedChanges(this.state);
  }

  get storageOk(): boolean {
    return this.state.storageOk;
  }

  dispatch(event: SaveEvent): void {
    const before = { status: this.status, storageOk: this.storageOk };
    this.state = reduceSaveState(this.state, event);
    if (this.status === before.status && this.storageOk === before.storageOk) return;
    for (const listener of this.listeners) listener();
  }

  /** Called when the visible status or the storage state changes. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
