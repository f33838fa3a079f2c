/**
 * Time as the server sees it. Injected everywhere a timer, a timestamp or end-of-turn work is needed
 * so that room and persistence tests can drive time explicitly instead of sleeping.
 */
import { systemClock, type Clock } from '../lib/client/page/clock';

export type { TimerHandle } from '../lib/client/page/clock';

/** The client's clock (one shape, so one manual clock drives both in tests), plus end-of-turn work. */
export interface Scheduler extends Clock {
  /**
   * Runs the task once the I/O that is ready now has all been handled (after the poll phase of this
   * event-loop turn). Messages that arrive together are then relayed together: one merged frame and
   * one socket write per client instead of one per message.
   */
  atEndOfTurn(task: () => void): void;
}

/**
 * The real clock and event loop. Each server makes its own, so the end-of-turn work of one
 * instance never runs inside another's turn (tests run several servers in one process).
 */
export function createSystemScheduler(): Scheduler {
  const endOfTurnTasks: Array<() => void> = [];
  let endOfTurnScheduled = false;

  const runEndOfTurnTasks = (): void => {
    endOfTurnScheduled = false;
    let failure: { error: unknown } | null = null;
    // Tasks may queue more tasks (a room's flush corks sockets that uncork afterwards): run those too.
    for (let i = 0; i < endOfTurnTasks.length; i++) {
      try {
        endOfTurnTasks[i]!();
      } catch (error) {
        failure ??= { error };
      }
    }
    endOfTurnTasks.length = 0;
    // One failing task must not stop the others; the failure still surfaces as an uncaught exception.
    if (failure !== null) {
      const { error } = failure;
      queueMicrotask(() => {
        throw error;
      });
    }
  };

  return {
    ...systemClock,
    atEndOfTurn(task) {
      endOfTurnTasks.push(task);
      if (endOfTurnScheduled) return;
      endOfTurnScheduled = true;
      setImmediate(runEndOfTurnTasks);
    },
  };
}
