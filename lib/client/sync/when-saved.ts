/**
 * Naming or restoring a version acts on the server's copy, so a change typed a moment ago should
 * be there first: this waits until the provider reports every local change saved, or until
 * `timeoutMs` has passed (offline or a full disk: the server then works on what it has, and the
 * request itself says whether it could be reached).
 */
import type { ProviderSnapshot } from './sync-provider';

export interface SnapshotSource {
  subscribe(listener: () => void): () => void;
  getSnapshot(): ProviderSnapshot;
}

/** Resolves true once saved, false when the wait ran out. */
export function whenSaved(source: SnapshotSource, timeoutMs: number): Promise<boolean> {
  if (source.getSnapshot().save === 'saved') return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (saved: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(saved);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const unsubscribe = source.subscribe(() => {
      if (source.getSnapshot().save === 'saved') finish(true);
    });
  });
}
