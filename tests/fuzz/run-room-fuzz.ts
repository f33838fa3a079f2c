/**
 * `npm run fuzz -- --seed S --runs N`: runs the room fuzz (room-fuzz.ts) on seeds S, S+1, …, one
 * line per run, and on a failure prints the seed, the last actions and the command that replays it.
 *
 *   --seed S        first seed (default: from the clock, printed)
 *   --runs N        how many runs (default 100)
 *   --steps K       actions per run (default 300)
 *   --store memory|leveldb|mixed   (default mixed: every fifth run on LevelDB in a temp folder)
 *   --comments on|off   commenters, viewers and the comments document beside the editors (default on)
 *   --minutes M     stop starting runs after M minutes
 *   --keep-going    go on after a failure
 *   --verbose       print every action; --frames every frame too
 */
import { parseArgs } from 'node:util';
import { FuzzFailure, describeFailure, runRoomFuzz, type FuzzSettings } from './room-fuzz';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '100' },
    steps: { type: 'string', default: '300' },
    store: { type: 'string', default: 'mixed' },
    comments: { type: 'string', default: 'on' },
    minutes: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    frames: { type: 'boolean', default: false },
  },
});

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const firstSeed = integer('seed', values.seed, Date.now() % 1_000_000_000);
const runs = integer('runs', values.runs, 100);
const steps = integer('steps', values.steps, 300);
const minutes = values.minutes === undefined ? Infinity : integer('minutes', values.minutes, 0);
if (!['memory', 'leveldb', 'mixed'].includes(values.store)) {
  console.error(`--store must be memory, leveldb or mixed, not ${JSON.stringify(values.store)}`);
  process.exit(2);
}

if (!['on', 'off'].includes(values.comments)) {
  console.error(`--comments must be on or off, not ${JSON.stringify(values.comments)}`);
  process.exit(2);
}
const comments = values.comments === 'on';

const started = Date.now();
let passed = 0;
let failed = 0;
console.log(`room fuzz: seeds ${firstSeed}..${firstSeed + runs - 1}, ${steps} steps each, ${values.store} store, comments ${values.comments}`);
for (let i = 0; i < runs; i++) {
  if (Date.now() - started > minutes * 60_000) {
    console.log(`time is up after ${i} runs`);
    break;
  }
  const seed = firstSeed + i;
  const store: FuzzSettings['store'] = values.store === 'mixed' ? (seed % 5 === 0 ? 'leveldb' : 'memory') : (values.store as FuzzSettings['store']);
  const runStarted = Date.now();
  try {
    await runRoomFuzz(seed, {
      steps,
      store,
      comments,
      frames: values.frames,
      ...(values.verbose || values.frames ? { trace: (line: string) => console.log(line) } : {}),
    });
    passed++;
    console.log(`seed ${seed} ok (${store}, ${Date.now() - runStarted} ms)`);
  } catch (error) {
    failed++;
    if (!(error instanceof FuzzFailure)) throw error;
    console.log(describeFailure(error, { steps, store, comments }));
    if (!values['keep-going']) break;
  }
}
const elapsed = ((Date.now() - started) / 1000).toFixed(1);
console.log(`${passed} passed, ${failed} failed in ${elapsed} s`);
process.exitCode = failed > 0 ? 1 : 0;
