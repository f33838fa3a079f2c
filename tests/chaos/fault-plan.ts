/**
 * The fault schedule of a chaos run, a pure function of (seed, seconds, nodes): the same arguments
 * give the same faults in the same order at the same planned times, which is what makes a failing
 * seed a replayable case. Faults run one after another (each ends before the next begins), so a
 * failure points at one fault and the moments around it.
 */
import { seededRandom, type Random } from './prng';

export type Fault =
  /** kill -9, down for `durationMs`, then started again on the same port. */
  | { readonly kind: 'kill-node'; readonly node: number; readonly durationMs: number }
  /** SIGSTOP, then SIGCONT after `durationMs`: a node that hangs while the others go on. */
  | { readonly kind: 'pause-node'; readonly node: number; readonly durationMs: number }
  /** Redis killed and started again, with its append-only file or with nothing. */
  | { readonly kind: 'restart-redis'; readonly keepData: boolean; readonly durationMs: number }
  /** PostgreSQL stopped cleanly (`fast`) or crashed (`immediate`), then started on the same data. */
  | { readonly kind: 'stop-postgres'; readonly mode: 'fast' | 'immediate'; readonly durationMs: number }
  /** One node's link to Redis through its proxy: connections reset (`cut`) or silently held (`stall`). */
  | { readonly kind: 'break-redis-link'; readonly node: number; readonly mode: 'cut' | 'stall'; readonly durationMs: number };

export type FaultKind = Fault['kind'];

export interface ScheduledFault {
  /** Planned start, from the start of the fault phase. */
  readonly atMs: number;
  readonly fault: Fault;
}

export interface PlanOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly nodes: number;
}

/** How likely each kind is, and how long it lasts (ms). */
const KINDS: ReadonlyArray<{ kind: FaultKind; weight: number; minMs: number; maxMs: number }> = [
  { kind: 'kill-node', weight: 2, minMs: 500, maxMs: 4_000 },
  // Long enough, at the top, for the other nodes to add well over a thousand entries to a stream
  // (~65 a second per document at the default load), and short of the 30 s after which a stock
  // client gives up on a silent server and reconnects.
  { kind: 'pause-node', weight: 2, minMs: 1_000, maxMs: 25_000 },
  { kind: 'restart-redis', weight: 1, minMs: 500, maxMs: 4_000 },
  { kind: 'stop-postgres', weight: 1, minMs: 1_000, maxMs: 6_000 },
  { kind: 'break-redis-link', weight: 2, minMs: 1_000, maxMs: 20_000 },
];
const GAP_MS = { min: 500, max: 3_000 } as const;

export function planFaults({ seed, seconds, nodes }: PlanOptions): ScheduledFault[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`seed must be an integer from 0 to 4294967295, not ${seed}`);
  if (!(seconds > 0)) throw new Error(`seconds must be positive, not ${seconds}`);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`nodes must be a positive integer, not ${nodes}`);
  const random = seededRandom(seed);
  const endMs = seconds * 1_000;
  const plan: ScheduledFault[] = [];
  let atMs = Math.round(random.between(GAP_MS.min, GAP_MS.max));
  // Every fault takes at least its minimum plus a gap, so the loop ends; the bound says so too.
  for (let i = 0; i < 10_000 && atMs < endMs; i++) {
    const shape = pickWeighted(random);
    const durationMs = Math.min(Math.round(random.between(shape.minMs, shape.maxMs)), endMs - atMs);
    if (durationMs < shape.minMs) break;
    plan.push({ atMs, fault: makeFault(shape.kind, durationMs, nodes, random) });
    atMs += durationMs + Math.round(random.between(GAP_MS.min, GAP_MS.max));
  }
  return plan;
}

function pickWeighted(random: Random): (typeof KINDS)[number] {
  const total = KINDS.reduce((sum, shape) => sum + shape.weight, 0);
  let roll = random.next() * total;
  for (const shape of KINDS) {
    roll -= shape.weight;
    if (roll < 0) return shape;
  }
  return KINDS[KINDS.length - 1]!;
}

function makeFault(kind: FaultKind, durationMs: number, nodes: number, random: Random): Fault {
  switch (kind) {
    case 'kill-node':
      return { kind, node: random.int(0, nodes - 1), durationMs };
    case 'pause-node':
      return { kind, node: random.int(0, nodes - 1), durationMs };
    case 'restart-redis':
      return { kind, keepData: random.next() < 0.5, durationMs };
    case 'stop-postgres':
      return { kind, mode: random.next() < 0.5 ? 'fast' : 'immediate', durationMs };
    case 'break-redis-link':
      return { kind, node: random.int(0, nodes - 1), mode: random.next() < 0.5 ? 'cut' : 'stall', durationMs };
  }
}

/** One line for the log, e.g. "pause node 2 for 8.2 s". Nodes are numbered from 1 for people. */
export function describeFault(fault: Fault): string {
  const seconds = `${(fault.durationMs / 1_000).toFixed(1)} s`;
  const forSeconds = `for ${seconds}`;
  switch (fault.kind) {
    case 'kill-node':
      return `kill -9 node ${fault.node + 1}, restart it ${seconds} later`;
    case 'pause-node':
      return `SIGSTOP node ${fault.node + 1} ${forSeconds}`;
    case 'restart-redis':
      return `kill Redis, restart it ${fault.keepData ? 'with its data' : 'empty'} ${seconds} later`;
    case 'stop-postgres':
      return `stop PostgreSQL (${fault.mode}) ${forSeconds}`;
    case 'break-redis-link':
      return `${fault.mode} node ${fault.node + 1}'s link to Redis ${forSeconds}`;
  }
}
