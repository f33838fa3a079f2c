import { describe, expect, it } from 'vitest';
import { StopSignalPolicy } from '../../sync-server/stop-signals';

describe('stop signals', () => {
  it('the first signal stops; the same stop arriving a second way is ignored; a later one forces', () => {
    const policy = new StopSignalPolicy(1_000);
    expect(policy.receive(5_000)).toBe('stop');
    expect(policy.receive(5_001)).toBe('ignore'); // npm forwarding the group's signal
    expect(policy.receive(5_999)).toBe('ignore');
    expect(policy.receive(6_000)).toBe('force');
    expect(policy.receive(9_000)).toBe('force');
  });
});
