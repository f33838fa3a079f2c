/** When versions fall due, on the manual clock: here, and when another node of a cluster records one. */
import { describe, expect, it } from 'vitest';
import { CheckpointSchedule } from '../../sync-server/history/checkpoint-schedule';
import { ManualScheduler } from '../helpers/manual-scheduler';

function schedule() {
  const scheduler = new ManualScheduler();
  const start = scheduler.now();
  const due: number[] = [];
  const timing = { idleMs: 1_000, maxIntervalMs: 5_000 };
  // Records at once when due, as the history does; times relative to the start, as the test reads them.
  const recording: CheckpointSchedule = new CheckpointSchedule(timing, scheduler, () => {
    due.push(scheduler.now() - start);
    recording.recorded(recording.capture());
  });
  return { scheduler, due, at: (ms: number) => start + ms, schedule: recording };
}

describe('checkpoint schedule', () => {
  it('falls due once editing pauses, and at most the longest interval after the first edit while typing', () => {
    const { scheduler, due, schedule: s } = schedule();
    s.noteEdit();
    scheduler.advance(999);
    expect(due).toEqual([]);
    scheduler.advance(1);
    expect(due).toEqual([1_000]);
    for (let i = 0; i < 12; i++) {
      s.noteEdit();
      scheduler.advance(500);
    }
    // Typing from 1,000 to 7,000: due 5,000 after the first of those edits, then a pause after the last.
    expect(due).toEqual([1_000, 6_000]);
    scheduler.advance(1_000);
    expect(due).toEqual([1_000, 6_000, 7_500]);
  });

  it('another node’s version clears the edits made before it; later ones fall due as if it had been recorded here', () => {
    const { scheduler, due, at, schedule: s } = schedule();
    s.noteEdit();
    scheduler.advance(1_000);
    expect(due).toEqual([1_000]);
    // Another node recorded at 1,500, after every edit known here: nothing is pending.
    s.noteEdit();
    s.recordedElsewhere(at(1_500));
    expect(s.dirty).toBe(false);
    scheduler.advance(10_000);
    expect(due).toEqual([1_000]);

    // An edit after the other node's version stays pending, due a pause after it.
    s.noteEdit(); // at 11,000
    scheduler.advance(100);
    s.noteEdit(); // at 11,100
    s.recordedElsewhere(at(11_050));
    expect(s.dirty).toBe(true);
    expect(s.pendingSince).toBe(at(11_050));
    scheduler.advance(999);
    expect(due).toEqual([1_000]);
    scheduler.advance(1);
    expect(due).toEqual([1_000, 12_100]);
  });
});
