/**
 * When to probe a quiet link and when to give it up, as a pure decision. Browsers cannot see
 * WebSocket pings, and a dead Wi-Fi link or a stuck NAT leaves a socket "open" for minutes, so the
 * client asks the server itself: the server answers a ping at once, whatever its disk is doing, so
 * silence past the deadline means the link is dead, not that the server is busy saving.
 */
export interface LivenessOptions {
  /** Quiet time after which a probe is sent. */
  readonly idleMs: number;
  /** How long a probe may go unanswered before the link counts as dead. */
  readonly timeoutMs: number;
}

// Worst case from the last frame to a dead verdict: idle + tick + timeout + tick = 2.7 s, inside the
// 3 s promise, while leaving a loaded server or a slow network 1.5 s to answer.
export const defaultLiveness: LivenessOptions = { idleMs: 800, timeoutMs: 1_500 };
export const LIVENESS_TICK_MS = 200;

export interface LinkActivity {
  readonly lastHeardAt: number;
  /** When the unanswered probe was sent, or null when none is out. */
  readonly probeSentAt: number | null;
}

export type LivenessVerdict = 'alive' | 'probe' | 'dead';

export function checkLiveness(activity: LinkActivity, now: number, options: LivenessOptions): LivenessVerdict {
  if (activity.probeSentAt !== null) return now - activity.probeSentAt > options.timeoutMs ? 'dead' : 'alive';
  return now - activity.lastHeardAt > options.idleMs ? 'probe' : 'alive';
}
