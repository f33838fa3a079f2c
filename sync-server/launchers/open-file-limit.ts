/**
 * The process's open-file limit, which caps its connections (each socket is an open file): read
 * from /proc/self/limits at start, logged, and warned about while it is low enough to be the
 * first thing a growing server runs into (docs/operations.md, "Capacity").
 */
import { readFile } from 'node:fs/promises';

/** Below this the server warns at start: Linux's default of 1,024 holds about a thousand people. */
export const LOW_OPEN_FILE_LIMIT = 4_096;

/** The soft "Max open files" limit in the text of /proc/<pid>/limits; null: absent or unlimited. */
export function parseOpenFileLimit(limits: string): number | null {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (line === null) return null;
  const soft = Number(line[1]);
  return Number.isSafeInteger(soft) && soft > 0 ? soft : null;
}

/** This process's limit; null where /proc cannot tell (not Linux). */
export async function readOpenFileLimit(): Promise<number | null> {
  try {
    return parseOpenFileLimit(await readFile('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}
