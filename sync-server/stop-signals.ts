/**
 * How a process reads stop signals. One stop often arrives twice within milliseconds: a supervisor
 * or a terminal signals the whole process group, and npm or the launcher forwards the same signal
 * to its child. Only a signal that comes well after the first is somebody insisting, and that one
 * means "exit now".
 */
export type StopSignal = 'SIGTERM' | 'SIGINT';

export type StopDecision = 'stop' | 'ignore' | 'force';

/** Signals closer together than this are one stop delivered by two paths. */
export const REPEAT_WINDOW_MS = 1_000;

export class StopSignalPolicy {
  private firstAt: number | null = null;

  constructor(private readonly repeatWindowMs = REPEAT_WINDOW_MS) {}

  /** What a signal received at `at` (ms) asks for. */
  receive(at: number): StopDecision {
    if (this.firstAt === null) {
      this.firstAt = at;
      return 'stop';
    }
    return at - this.firstAt < this.repeatWindowMs ? 'ignore' : 'force';
  }
}

/** Calls `onSignal` with the decision for every SIGTERM and SIGINT this process receives. */
export function onStopSignals(onSignal: (decision: StopDecision, signal: StopSignal) => void): void {
  const policy = new StopSignalPolicy();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => onSignal(policy.receive(Date.now()), signal));
  }
}
