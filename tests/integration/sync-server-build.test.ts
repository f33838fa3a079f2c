/**
 * `npm start` and `npm run sync-server` rebuild the server bundle on every start. Another process
 * may be starting from the same dist/ at that moment (a supervisor restarting one of two servers,
 * the test suite's own parallel files), so a rebuild must not touch files whose bytes are the same:
 * a chunk truncated mid-rewrite once made a starting server fail with a missing export.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/web-build';

function build(): void {
  const result = spawnSync(process.execPath, ['sync-server/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

function outputFiles(dir: string): Map<string, { ino: number; mtimeMs: number }> {
  const files = new Map<string, { ino: number; mtimeMs: number }>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { ino, mtimeMs } = statSync(file);
    files.set(file, { ino, mtimeMs });
  }
  return files;
}

describe('the sync server build', () => {
  it('leaves output whose bytes did not change untouched, so a starting server never reads a half-written chunk', () => {
    build();
    const dist = path.join(ROOT, 'sync-server', 'dist');
    const before = outputFiles(dist);
    expect([...before.keys()].some((file) => file.endsWith('main.js'))).toBe(true);
    build();
    const after = outputFiles(dist);
    for (const [file, stat] of before) expect(after.get(file), file).toEqual(stat);
    expect([...after.keys()].filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});
