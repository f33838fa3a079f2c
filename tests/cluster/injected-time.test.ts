/**
 * Cluster mode's run-time code takes time from the injected scheduler only: a timer or timestamp
 * taken straight from the runtime would escape the manual clock its unit tests drive.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLUSTER = path.join(import.meta.dirname, '../../sync-server/cluster');
/** A global timer or clock, not a method of an injected object (`scheduler.setTimeout(` is fine). */
const RUNTIME_TIME = /(?<![.\w])(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask)\s*\(|\bDate\.now\s*\(|\bperformance\.now\s*\(/;

describe('cluster code and time', () => {
  it('uses no timer, timestamp or deferral but the injected scheduler', async () => {
    const files = (await readdir(CLUSTER)).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const offending: string[] = [];
    for (const file of files) {
      const source = await readFile(path.join(CLUSTER, file), 'utf8');
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      code.split('\n').forEach((line, index) => {
        if (RUNTIME_TIME.test(line)) offending.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offending).toEqual([]);
  });
});
