import { describe, expect, it } from 'vitest';
import { afterLoss, stateOfLink } from '../../lib/client/transport/link-state';

const context = { online: true, failures: 3, backoff: { baseMs: 500, capMs: 10_000 }, random: () => 0.5 };

describe('what follows a lost link', () => {
  it('refuses for good on 4401/4403, waits for the network when offline, retries otherwise', () => {
    expect(afterLoss({ cause: 'server-closed', code: 4403 }, context)).toEqual({ kind: 'refused', code: 4403 });
    expect(afterLoss({ cause: 'device-offline', code: null }, context)).toEqual({ kind: 'offline' });
    expect(afterLoss({ cause: 'unresponsive', code: null }, { ...context, online: false })).toEqual({ kind: 'offline' });
    // Backoff with full jitter: half of 500 × 2³.
    expect(afterLoss({ cause: 'connect-failed', code: null }, context)).toEqual({ kind: 'retry', retryInMs: 2_000, failed: true });
    // A restarting server: soon, within a short window, and no failure.
    expect(afterLoss({ cause: 'server-closed', code: 1012 }, context)).toEqual({ kind: 'retry', retryInMs: 150, failed: false });
  });

  it('reports only what a state says', () => {
    expect(stateOfLink({ kind: 'waiting', retryInMs: 40 })).toEqual({ kind: 'waiting', retryInMs: 40 });
    expect(stateOfLink({ kind: 'open' })).toEqual({ kind: 'open' });
  });
});
