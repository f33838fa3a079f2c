/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"). Full jitter spreads hundreds of clients that lost the same server across the
 * whole window, so a restarted server is not hit by all of them in the same instant.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, capMs: 10_000 };

/** The ceiling of the delay before retry number `attempt` (0 for the first retry). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: BackoffOptions = defaultBackoff): number {
  // Clamp the exponent: 2 ** 1000 is Infinity, and a long outage must not overflow to NaN delays.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/** A delay drawn uniformly from [0, ceiling); `random` is injectable so tests are deterministic. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
