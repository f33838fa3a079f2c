/**
 * A documented npm script run the way supervisors and containers run it: npm leading a process
 * group of its own, stopped by signals to npm or to the group.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './web-build';

export interface NpmRun {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

export function npmRun(script: string, env: Record<string, string>, keptOutputChars = 20_000): NpmRun {
  // detached: npm leads a process group of its own, as it does under a supervisor or in a container.
  const child = spawn('npm', ['run', script], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-keptOutputChars);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, output: () => output };
}

/** Whether any process of the group is still alive (a zombie has already exited: it holds nothing). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let states: string[];
  try {
    states = execFileSync('ps', ['-o', 'stat=', '-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return false; // ps exits 1 when it finds none: the group ended between the two looks
  }
  return states.some((state) => state.trim() !== '' && !state.trim().startsWith('Z'));
}

/** What is still running in the group, for the failure message. */
export function groupProcesses(pgid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid,stat,cmd', '-g', String(pgid)], { encoding: 'utf8' });
  } catch {
    return '(none)';
  }
}

export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // nothing left
  }
}
