/**
 * How a process reads stop signals. One stop often arrives more than once: a supervisor or a
 * terminal signals the whole process group, and npm or the launcher forwards the same stop to its
 * child, possibly much later on a loaded machine. So a repeated SIGTERM is always the same stop
 * (supervisors escalate with SIGKILL, not with a second SIGTERM); only a person pressing Ctrl+C
 * again, a SIGINT well after the first signal, means "exit now, without flushing".
 */
export type StopSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

export type StopDecision = 'stop' | 'ignore' | 'force';

/** SIGINTs closer together than this are one Ctrl+C delivered by two paths. */
export const REPEAT_WINDOW_MS = 1_000;

export class StopSignalPolicy {
  private firstAt: number | null = null;

  constructor(private readonly repeatWindowMs = REPEAT_WINDOW_MS) {}

  /** What `signal`, received at `at` (ms), asks for. */
  receive(signal: StopSignal, at: number): StopDecision {
    if (this.firstAt === null) {
      this.firstAt = at;
      return 'stop';
    }
    if (signal !== 'SIGINT') return 'ignore';
    return at - this.firstAt < this.repeatWindowMs ? 'ignore' : 'force';
  }
}

/**
 * Calls `onSignal` with the decision for every SIGTERM and SIGINT this process receives, and SIGHUP
 * with `hangup` (when SIGHUP reloads nothing: a closed terminal then stops the process as SIGTERM
 * does, flushing, instead of Node's default exit that writes nothing).
 */
export function onStopSignals(onSignal: (decision: StopDecision, signal: StopSignal) => void, options: { hangup?: boolean } = {}): void {
  const policy = new StopSignalPolicy();
  const signals: StopSignal[] = options.hangup ? ['SIGTERM', 'SIGINT', 'SIGHUP'] : ['SIGTERM', 'SIGINT'];
  for (const signal of signals) {
    process.on(signal, () => onSignal(policy.receive(signal, Date.now()), signal));
  }
}
