/**
 * The production build of the web app, made once before any test that runs `next start` (the
 * browser tests, `npm start` under signals) and only when its sources changed since the last one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWebBuildStale } from '../../sync-server/launchers/web-build';

// Not import.meta.dirname: package.json allows Node 20.9, which lacks it.
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function buildWebAppIfStale(): void {
  if (!isWebBuildStale(ROOT)) return;
  // `next build` may rewrite tsconfig.json to add its own include; that file belongs to the project,
  // so it is put back byte for byte once the build is done.
  const tsconfigPath = path.join(ROOT, 'tsconfig.json');
  const tsconfig = readFileSync(tsconfigPath, 'utf8');
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    timeout: 300_000,
  });
  if (readFileSync(tsconfigPath, 'utf8') !== tsconfig) writeFileSync(tsconfigPath, tsconfig);
  if (result.status !== 0) throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
}
