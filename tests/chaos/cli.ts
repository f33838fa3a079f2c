/**
 * `npm run chaos -- --seconds N --seed S [--nodes 3] [--docs 3] [--clients 2]`: a chaos run
 * against real processes (run-chaos.ts). Prints every fault with its time as it happens; exits 1
 * with the seed and the replay command when an invariant fails. Ctrl+C stops the run and
 * everything it started.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runChaos } from './run-chaos';

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  }
  return parsed;
}

async function main(): Promise<number> {
  let settings;
  try {
    const { values } = parseArgs({
      options: {
        seconds: { type: 'string' },
        seed: { type: 'string' },
        nodes: { type: 'string' },
        docs: { type: 'string' },
        clients: { type: 'string' },
      },
      strict: true,
    });
    settings = {
      seconds: integer('seconds', values.seconds, 60, 1, 24 * 3_600),
      seed: integer('seed', values.seed, randomInt(0, 2 ** 32 - 1), 0, 2 ** 32 - 1),
      nodes: integer('nodes', values.nodes, 3, 2, 10),
      docs: integer('docs', values.docs, 3, 1, 50),
      clientsPerNode: integer('clients', values.clients, 2, 1, 20),
    };
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\nusage: npm run chaos -- --seconds N --seed S [--nodes 3] [--docs 3] [--clients 2]\n`);
    return 2;
  }
  const abort = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    process.stdout.write(`\n${signal}: stopping the run and everything it started\n`);
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const result = await runChaos({ ...settings, signal: abort.signal, onLog: (line) => process.stdout.write(`${line}\n`) });
  if (abort.signal.aborted) return 130;
  if (result.failures.length === 0) return 0;
  process.stdout.write(`\n${result.failures.length} failure(s). Seed ${result.seed}. Replay: ${result.replay}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
