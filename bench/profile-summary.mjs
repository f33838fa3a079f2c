#!/usr/bin/env node
// node bench/profile-summary.mjs <file.cpuprofile> [top=25]
// Self time per function and per package from a V8 .cpuprofile (node --cpu-prof).
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const where = (cf) => {
  const url = cf.url.replace(/^file:\/\//, '');
  const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:') || (!url.startsWith('/') && url)) return 'node-internal';
  if (!url) return cf.functionName.startsWith('(') ? cf.functionName : 'native';
  return url.includes('sync-server/dist') ? 'tandem (sync-server)' : url;
};
const fn = new Map();
const pkg = new Map();
for (const [id, us] of dt) {
  const cf = byId.get(id).callFrame;
  const key = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : ''}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const p = where(cf);
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5);
console.log(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
console.log('self time by package/area:');
for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(v)} %  ${(v / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)} %  ${(v / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
