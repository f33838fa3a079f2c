/**
 * Whether the web app's production build (`.next`) is older than what it is built from. `npm start`
 * builds when it is; the browser tests do the same before they start, so both use this one list.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Everything `next build` reads that a person may change. */
const WEB_BUILD_SOURCES = ['app', 'lib', 'proxy.ts', 'next.config.js', 'package.json', 'package-lock.json', 'tsconfig.json'];

export function isWebBuildStale(root: string): boolean {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const builtAt = statSync(buildId).mtimeMs;
  return WEB_BUILD_SOURCES.some((entry) => newestModification(path.join(root, entry)) > builtAt);
}

function newestModification(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestModification(path.join(entry, child)));
  return newest;
}
