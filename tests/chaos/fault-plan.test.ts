/** The fault schedule is a pure function of its seed: the property that makes a failing seed replayable. */
import { describe, expect, it } from 'vitest';
import { describeFault, planFaults, type FaultKind } from './fault-plan';
import { seededRandom } from './prng';

describe('seeded random numbers', () => {
  it('gives the same sequence for a seed on every machine', () => {
    const random = seededRandom(42);
    expect(Array.from({ length: 3 }, () => random.next().toFixed(10))).toEqual(['0.6011037519', '0.4482905590', '0.8524657935']);
  });
});

describe('the fault plan', () => {
  it('is the same for the same seed, and differs between seeds', () => {
    expect(planFaults({ seed: 7, seconds: 60, nodes: 3 })).toEqual(planFaults({ seed: 7, seconds: 60, nodes: 3 }));
    expect(planFaults({ seed: 7, seconds: 60, nodes: 3 })).not.toEqual(planFaults({ seed: 8, seconds: 60, nodes: 3 }));
  });

  it('keeps a fixed seed’s schedule (a recorded regression seed must keep meaning the same faults)', () => {
    expect(planFaults({ seed: 1, seconds: 20, nodes: 3 }).map(({ atMs, fault }) => `${atMs} ${describeFault(fault)}`)).toMatchInlineSnapshot(`
      [
        "2068 kill -9 node 3, restart it 2.3 s later",
        "7335 SIGSTOP node 3 for 12.7 s",
      ]
    `);
  });

  it('runs one fault at a time, inside the fault phase, on existing nodes', () => {
    for (let seed = 0; seed < 200; seed++) {
      const plan = planFaults({ seed, seconds: 60, nodes: 3 });
      expect(plan.length).toBeGreaterThan(0);
      let endOfLast = 0;
      for (const { atMs, fault } of plan) {
        expect(atMs).toBeGreaterThanOrEqual(endOfLast);
        expect(atMs + fault.durationMs).toBeLessThanOrEqual(60_000);
        if ('node' in fault) expect([0, 1, 2]).toContain(fault.node);
        endOfLast = atMs + fault.durationMs;
      }
    }
  });

  it('uses every kind of fault and every variant across seeds', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      for (const { fault } of planFaults({ seed, seconds: 60, nodes: 3 })) {
        seen.add(fault.kind);
        if (fault.kind === 'restart-redis') seen.add(`redis ${fault.keepData ? 'kept' : 'wiped'}`);
        if (fault.kind === 'stop-postgres' || fault.kind === 'break-redis-link') seen.add(`${fault.kind} ${fault.mode}`);
      }
    }
    const kinds: FaultKind[] = ['kill-node', 'pause-node', 'restart-redis', 'stop-postgres', 'break-redis-link'];
    for (const expected of [...kinds, 'redis kept', 'redis wiped', 'stop-postgres fast', 'stop-postgres immediate', 'break-redis-link cut', 'break-redis-link stall']) {
      expect(seen).toContain(expected);
    }
  });

  it('refuses arguments it cannot plan with', () => {
    expect(() => planFaults({ seed: -1, seconds: 60, nodes: 3 })).toThrow(/seed/);
    expect(() => planFaults({ seed: 1.5, seconds: 60, nodes: 3 })).toThrow(/seed/);
    expect(() => planFaults({ seed: 1, seconds: 0, nodes: 3 })).toThrow(/seconds/);
    expect(() => planFaults({ seed: 1, seconds: 60, nodes: 0 })).toThrow(/nodes/);
  });
});
