import { describe, expect, it } from 'vitest';
import { StopSignalPolicy } from '../../sync-server/launchers/stop-signals';

describe('stop signals', () => {
  it('the first signal stops; a repeated SIGTERM is the same stop however late it comes', () => {
    const policy = new StopSignalPolicy(1_000);
    expect(policy.receive('SIGTERM', 5_000)).toBe('stop');
    expect(policy.receive('SIGTERM', 5_001)).toBe('ignore'); // npm forwarding the group's signal
    expect(policy.receive('SIGTERM', 9_000)).toBe('ignore'); // the launcher forwarding it, on a busy machine
  });

  it('Ctrl+C twice forces, but not one Ctrl+C arriving by two paths', () => {
    const policy = new StopSignalPolicy(1_000);
    expect(policy.receive('SIGINT', 5_000)).toBe('stop');
    expect(policy.receive('SIGTERM', 5_002)).toBe('ignore'); // the launcher's forward of the Ctrl+C
    expect(policy.receive('SIGINT', 5_999)).toBe('ignore');
    expect(policy.receive('SIGINT', 6_000)).toBe('force');
  });

  it('a hangup is a stop like SIGTERM: repeated, it is the same stop', () => {
    const policy = new StopSignalPolicy(1_000);
    expect(policy.receive('SIGHUP', 5_000)).toBe('stop');
    expect(policy.receive('SIGTERM', 5_001)).toBe('ignore');
    expect(policy.receive('SIGHUP', 9_000)).toBe('ignore');
  });
});
