// `npm run build:sync-server`: bundles the sync server (main.js) and the one-machine launcher
// (start-all.js) into sync-server/dist, dependencies included.
//
// Dependencies are bundled rather than loaded from node_modules because loading them is a fixed
// cost in every process: resolving and reading ~250 files, a module record and a wrapper per file,
// and code esbuild's tree shaking drops (most of lib0 and Yjs). Bundled, the server idles at
// ~58 MB RSS instead of ~64 MB, and that saving is in every peak figure.
//
// Left outside the bundle: classic-level (a native addon, loaded through node-gyp-build from its
// package directory) and ws's optional native helpers, which ws requires in a try/catch.
import { build } from 'esbuild';

await build({
  entryPoints: ['sync-server/main.ts', 'sync-server/start-all.ts'],
  outdir: 'sync-server/dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['classic-level', 'bufferutil', 'utf-8-validate'],
  // The bundled CommonJS packages (pino, prom-client, ws) call require(), which an ES module lacks.
  banner: { js: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
