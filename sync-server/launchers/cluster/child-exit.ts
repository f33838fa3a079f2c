/**
 * How a child process ended, and stopping one by PID with a deadline: the pieces every local
 * server (Redis, PostgreSQL, nginx, a sync node) shares.
 */
import type { ChildProcess } from 'node:child_process';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves once `child` has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal !== null ? `killed by ${signal}` : `exit code ${code}`;
}

/**
 * Sends `signal` and waits up to `timeoutMs` for the exit; a child still running then is killed
 * (SIGKILL), so a stop always ends.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<ExitStatus> {
  const exited = exitOf(child);
  if (!isRunning(child)) return exited;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return outcome;
  child.kill('SIGKILL');
  return exited;
}

/** Keeps the last `limit` characters a child writes, for error messages. */
export function keepOutputTail(child: ChildProcess, limit: number): () => string {
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly what: string;
  /** Checked before every attempt: a reason to give up at once (the process died), or null. */
  readonly giveUpIf?: () => string | null;
}

/** Polls `check` every `intervalMs` until it is true (errors count as "not yet"), failing after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, { timeoutMs, intervalMs = 50, what, giveUpIf }: WaitOptions): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() <= deadline) {
    const reason = giveUpIf?.() ?? null;
    if (reason !== null) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}
