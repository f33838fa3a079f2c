// `npm run build:sync-server`: bundles the sync server (main.js), the one-machine launcher
// (start-all.js) and the local cluster launcher (cluster/start-cluster.js) into sync-server/dist,
// dependencies included.
//
// Dependencies are bundled rather than loaded from node_modules because loading them is a fixed
// cost in every process: resolving and reading ~250 files, a module record and a wrapper per file,
// and code esbuild's tree shaking drops (most of lib0 and Yjs). Bundled, the server idles at
// ~58 MB RSS instead of ~64 MB, and that saving is in every peak figure.
//
// Left outside the bundle: classic-level (a native addon, loaded through node-gyp-build from its
// package directory), ws's optional native helpers, which ws requires in a try/catch, and
// happy-dom (the DOM that HTML import parses with: a large package of its own, loaded only then).
//
// Code splitting: the content conversions (TipTap, ProseMirror, Markdown) are imported on first use
// (sync-server/document/content-conversions.ts) and land in chunks/, so an idle server never loads them;
// Yjs stays in one shared chunk, so the lazily loaded code and the server use one copy (two
// copies of Yjs break its instanceof checks).
//
// Output is written only where it changed, each file through a temporary name and a rename: the
// documented commands (`npm start`, `npm run sync-server`) rebuild on every start, and a process
// already starting from dist/ must never read a chunk half rewritten by another start.
import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// buildSync, not build: build() leaves esbuild's service process to exit after this one, and under
// a supervisor (npm start's process group) it lingers as a zombie nobody reaps.
const result = buildSync({
  // Output names are fixed (package.json and supervisors start dist/main.js, dist/start-all.js and
  // dist/cluster/start-cluster.js), whatever folder the source lives in.
  entryPoints: [
    { in: 'sync-server/main.ts', out: 'main' },
    { in: 'sync-server/launchers/start-all.ts', out: 'start-all' },
    { in: 'sync-server/launchers/cluster/start-cluster.ts', out: 'cluster/start-cluster' },
  ],
  outdir: 'sync-server/dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['classic-level', 'bufferutil', 'utf-8-validate', 'happy-dom'],
  // The bundled CommonJS packages (pino, prom-client, ws) call require(), which an ES module lacks.
  banner: { js: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);" },
  logLevel: 'warning',
  write: false,
});

for (const file of result.outputFiles) {
  if (sameBytes(file.path, file.contents)) continue;
  mkdirSync(dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}

function sameBytes(path, contents) {
  try {
    return Buffer.compare(readFileSync(path), contents) === 0;
  } catch {
    return false;
  }
}
