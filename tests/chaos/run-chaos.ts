/**
 * A chaos run: a real cluster (chaos-cluster.ts), typists on every node and document, the seed's
 * fault schedule (fault-plan.ts) carried out while they type, then the invariants (invariants.ts).
 * Whatever happens, including an abort (Ctrl+C), every process it started is stopped and every
 * folder removed before it returns.
 */
import { ChaosCluster } from './chaos-cluster';
import { describeFault, planFaults, type Fault, type ScheduledFault } from './fault-plan';
import {
  acknowledgedLost,
  divergence,
  freshClientsDisagree,
  mb,
  memoryNotReturned,
  storedDocuments,
  type MemorySample,
} from './invariants';
import { Typist } from './typist';

export interface ChaosOptions {
  readonly seed: number;
  /** Length of the fault phase. */
  readonly seconds: number;
  readonly nodes?: number;
  readonly docs?: number;
  /** Clients per document on each node. */
  readonly clientsPerNode?: number;
  /** Each client types one marker this often. */
  readonly typingIntervalMs?: number;
  /** How long after the faults stop every document must have converged (clients, fresh clients, store). */
  readonly convergeWithinMs?: number;
  /** Where log lines go as they happen (they are in the result too). */
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ChaosResult {
  readonly seed: number;
  readonly seconds: number;
  readonly plan: readonly ScheduledFault[];
  readonly failures: readonly string[];
  readonly log: readonly string[];
  readonly replay: string;
}

const WARM_UP_MS = 5_000;
/** After convergence, before the memory is read again: time for idle timers and GC to run. */
const SETTLE_MS = 10_000;
const DEFAULTS = { nodes: 3, docs: 3, clientsPerNode: 2, typingIntervalMs: 100, convergeWithinMs: 30_000 } as const;

export function replayCommand(seed: number, seconds: number): string {
  return `npm run chaos -- --seconds ${seconds} --seed ${seed}`;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const settings = { ...DEFAULTS, ...options };
  const plan = planFaults({ seed: settings.seed, seconds: settings.seconds, nodes: settings.nodes });
  const started = Date.now();
  const log: string[] = [];
  const say = (line: string): void => {
    const stamped = `[${((Date.now() - started) / 1_000).toFixed(3).padStart(8)} s] ${line}`;
    log.push(stamped);
    options.onLog?.(stamped);
  };
  const failures: string[] = [];
  const fail = (what: string, found: readonly string[]): void => {
    for (const failure of found) {
      failures.push(`${what}: ${failure}`);
      say(`FAILED ${what}: ${failure}`);
    }
  };
  const wait = (ms: number): Promise<void> => sleep(ms, options.signal);

  say(`seed ${settings.seed}, ${settings.seconds} s of faults; ${plan.length} faults planned`);
  for (const [i, { atMs, fault }] of plan.entries()) say(`  plan ${i + 1}: at +${(atMs / 1_000).toFixed(1)} s ${describeFault(fault)}`);
  let cluster: ChaosCluster | null = null;
  const typists: Typist[] = [];
  let typing: NodeJS.Timeout | null = null;
  try {
    cluster = await ChaosCluster.start({ nodes: settings.nodes, nodeEnv: { COMPACT_AFTER_UPDATES: '200' } });
    const running = cluster;
    say(`cluster up: ${settings.nodes} nodes on ports ${running.nodes.map((node) => node.port).join(', ')}, Redis and PostgreSQL`);
    const docs = Array.from({ length: settings.docs }, (_, d) => `chaos-doc-${d + 1}`);
    for (const [d, doc] of docs.entries()) {
      for (const node of running.nodes) {
        for (let c = 0; c < settings.clientsPerNode; c++) typists.push(new Typist(`d${d + 1}.${node.name.replace(' ', '')}.c${c + 1}`, doc, node.url));
      }
    }
    await waitUntil(() => typists.every((typist) => typist.provider.synced), 30_000, 'every client to sync', options.signal);
    // One timer for all: each tick, every client types with a probability that gives the interval on average.
    const tickMs = 20;
    typing = setInterval(() => {
      for (const typist of typists) if (Math.random() < tickMs / settings.typingIntervalMs) typist.type();
    }, tickMs);
    say(`${typists.length} clients typing on ${docs.length} documents, one edit per ${settings.typingIntervalMs} ms each`);
    await wait(WARM_UP_MS);
    const afterWarmUp = running.nodes.map((node) => node.rss());
    say(`after warm-up: RSS ${afterWarmUp.map(mb).join(', ')}`);

    const faultsStarted = Date.now();
    for (const [i, scheduled] of plan.entries()) {
      await wait(faultsStarted + scheduled.atMs - Date.now());
      say(`fault ${i + 1}/${plan.length}: ${describeFault(scheduled.fault)}`);
      await carryOut(running, scheduled.fault, wait, say);
    }
    await wait(faultsStarted + settings.seconds * 1_000 - Date.now());
    clearInterval(typing);
    typing = null;
    say(`faults over; typing stopped (${typists.reduce((sum, typist) => sum + typist.typed.length, 0)} edits, ${typists.reduce((sum, typist) => sum + typist.acknowledged.length, 0)} acknowledged as saved)`);

    // Acknowledged means committed: it must be in PostgreSQL already, before anything catches up.
    const database = running.database!.connectionString;
    fail('acknowledged edit lost', await acknowledgedLost(typists, () => storedDocuments(database, docs)));

    const converged = await pollUntil(() => divergence(typists).length === 0, settings.convergeWithinMs, options.signal);
    if (converged) say(`every client converged ${Date.now() - faultsStarted - settings.seconds * 1_000} ms after the faults stopped`);
    else fail(`no convergence within ${settings.convergeWithinMs} ms`, divergence(typists));

    // The text every client of each document holds (the first client's, when they disagree).
    const expected = new Map(docs.map((doc) => [doc, typists.find((typist) => typist.doc === doc)!.text]));
    fail('fresh client', await freshClientsDisagree(running.nodes, expected, settings.convergeWithinMs));
    say('fresh clients checked on every node');
    let stored = new Map<string, string>();
    const storeMatches = await pollUntil(
      async () => {
        stored = new Map([...(await storedDocuments(database, docs))].map(([doc, { text }]) => [doc, text]));
        return docs.every((doc) => stored.get(doc) === expected.get(doc));
      },
      settings.convergeWithinMs,
      options.signal,
    );
    if (storeMatches) say('PostgreSQL rebuilds every document');
    else {
      fail(
        'store',
        docs
          .filter((doc) => stored.get(doc) !== expected.get(doc))
          .map((doc) => `${doc}: rebuilt from PostgreSQL ${stored.get(doc)?.length ?? 0} characters, the clients hold ${expected.get(doc)?.length ?? 0}`),
      );
    }

    await wait(SETTLE_MS);
    const samples: MemorySample[] = running.nodes.map((node, i) => ({ node: node.name, afterWarmUp: afterWarmUp[i]!, afterSettle: node.rss() }));
    say(`after the settle: RSS ${samples.map((sample) => mb(sample.afterSettle)).join(', ')}`);
    fail('memory', memoryNotReturned(samples));
    fail('crash', running.crashes());
  } catch (error) {
    fail('run', [error instanceof Error ? (error.stack ?? error.message) : String(error)]);
  } finally {
    if (typing !== null) clearInterval(typing);
    for (const typist of typists) typist.destroy();
    if (failures.length > 0 && cluster !== null) {
      for (const node of cluster.nodes) say(`${node.name} log (tail):\n${node.log.slice(-6_000)}`);
    }
    try {
      await cluster?.destroy();
      say('every process stopped, every folder removed');
    } catch (error) {
      fail('clean-up', [String(error)]);
    }
  }
  const replay = replayCommand(settings.seed, settings.seconds);
  if (failures.length > 0) say(`FAILED with seed ${settings.seed}; replay: ${replay}`);
  else say(`passed (seed ${settings.seed})`);
  return { seed: settings.seed, seconds: settings.seconds, plan, failures, log, replay };
}

/** Does one fault and undoes it after its duration. */
async function carryOut(cluster: ChaosCluster, fault: Fault, wait: (ms: number) => Promise<void>, say: (line: string) => void): Promise<void> {
  switch (fault.kind) {
    case 'kill-node': {
      const node = cluster.node(fault.node);
      await node.kill();
      await wait(fault.durationMs);
      await node.start();
      say(`  ${node.name} started again on port ${node.port}`);
      return;
    }
    case 'pause-node': {
      const node = cluster.node(fault.node);
      node.pause();
      try {
        await wait(fault.durationMs);
      } finally {
        node.resume();
      }
      say(`  ${node.name} continued (SIGCONT)`);
      return;
    }
    case 'restart-redis':
      await cluster.killRedis(fault.keepData);
      await wait(fault.durationMs);
      await cluster.startRedis();
      say(`  Redis started again ${fault.keepData ? 'with its data' : 'empty'}`);
      return;
    case 'stop-postgres': {
      const postgres = cluster.postgres!;
      await postgres.stop(fault.mode);
      await wait(fault.durationMs);
      await postgres.resume();
      say('  PostgreSQL started again');
      return;
    }
    case 'break-redis-link': {
      const proxy = cluster.proxy(fault.node);
      if (fault.mode === 'cut') proxy.cut();
      else proxy.stall();
      await wait(fault.durationMs);
      proxy.restore();
      say(`  node ${fault.node + 1}'s link to Redis restored`);
      return;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Error('aborted'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `check` every 100 ms until it holds (true) or `timeoutMs` passes (false). */
async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // Not yet (e.g. PostgreSQL still starting): try again until the deadline.
    }
    if (Date.now() > deadline) return false;
    await sleep(100, signal);
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string, signal: AbortSignal | undefined): Promise<void> {
  if (!(await pollUntil(check, timeoutMs, signal))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
