// Tandem's own TypeScript modules, bundled for the load generator's process. Yjs is left out: the
// bundle imports the same Yjs as the documents made here (two copies of Yjs break its instanceof checks).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds `exports` (lines of `export … from './lib/….ts'`, relative to the project) and imports it. */
export async function importProjectModules(name, exports) {
  const outfile = path.join(here, 'results', `.${name}.mjs`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  buildSync({
    stdin: { contents: exports.join('\n'), resolveDir: path.resolve(here, '..'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['yjs'],
    outfile,
    logLevel: 'warning',
  });
  return import(`${pathToFileURL(outfile).href}?${Date.now()}`);
}
