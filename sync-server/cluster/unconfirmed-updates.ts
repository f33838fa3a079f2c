/**
 * Updates another node relayed before it had stored them, kept by a receiving node until their
 * sender says they are stored. A node relays its clients' updates at once (cross-node latency is
 * not held back by PostgreSQL's commit) and stores them itself; the receivers do not store them
 * again. If the sender dies between relaying and storing, its clients' reconnects do not bring
 * those updates back (the node they reach already holds them, so the clients do not resend
 * them), and they would live only in memory. So each relayed update carries the sender's sequence
 * number, the sender announces how far it has stored, and a receiver stores whatever stays
 * unconfirmed for too long itself: every receiver then does (Yjs merges the duplicates).
 *
 * Per sender, updates arrive in sequence order (one stream per document, one sending connection
 * per node), so each sender's list is a queue: confirmation and age both take from its head.
 */

interface Held {
  readonly seq: number;
  readonly update: Uint8Array;
  readonly at: number;
}

/** Resolved once every update held when it was made is confirmed or handed over. */
interface Settling {
  readonly upTo: Map<string, number>;
  readonly resolve: () => void;
}

export class UnconfirmedUpdates {
  private readonly bySender = new Map<string, Held[]>();
  private count = 0;
  private settling: Settling[] = [];

  constructor(
    /** Past this many from one sender, the oldest are handed over at once rather than held. */
    private readonly maxPerSender: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Holds `update`; returns what overflowed the sender's bound, to be stored now. */
  add(sender: string, seq: number, update: Uint8Array, now: number): Uint8Array[] {
    let held = this.bySender.get(sender);
    if (held === undefined) {
      held = [];
      this.bySender.set(sender, held);
    }
    held.push({ seq, update, at: now });
    this.count++;
    if (held.length <= this.maxPerSender) return [];
    return this.take(sender, held, held.length - this.maxPerSender);
  }

  /** The sender has stored everything up to `seq`. */
  confirm(sender: string, seq: number): void {
    const held = this.bySender.get(sender);
    if (held === undefined) return;
    let confirmed = 0;
    while (confirmed < held.length && held[confirmed]!.seq <= seq) confirmed++;
    this.drop(sender, held, confirmed);
  }

  /** Removes and returns every update held since before `cutoff`, oldest first per sender. */
  takeOlderThan(cutoff: number): Uint8Array[] {
    const stale: Uint8Array[] = [];
    for (const [sender, held] of this.bySender) {
      let old = 0;
      while (old < held.length && held[old]!.at < cutoff) old++;
      if (old > 0) stale.push(...this.take(sender, held, old));
    }
    return stale;
  }

  /** Removes and returns everything held (the document is going away here). */
  takeAll(): Uint8Array[] {
    return this.takeOlderThan(Number.POSITIVE_INFINITY);
  }

  /**
   * Resolves once nothing held now is still held: each update was confirmed by its sender or handed
   * over to be stored here. A save acknowledgement waits for it, so that it covers what the client
   * saw from other nodes, as it would on a single node.
   */
  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    const upTo = new Map<string, number>();
    for (const [sender, held] of this.bySender) upTo.set(sender, held.at(-1)!.seq);
    return new Promise((resolve) => this.settling.push({ upTo, resolve }));
  }

  private take(sender: string, held: Held[], n: number): Uint8Array[] {
    const taken = held.slice(0, n).map((entry) => entry.update);
    this.drop(sender, held, n);
    return taken;
  }

  private drop(sender: string, held: Held[], n: number): void {
    if (n === 0) return;
    held.splice(0, n);
    this.count -= n;
    if (held.length === 0) this.bySender.delete(sender);
    if (this.settling.length > 0) this.resolveSettled();
  }

  private resolveSettled(): void {
    const stillWaiting: Settling[] = [];
    for (const waiter of this.settling) {
      let done = true;
      for (const [sender, seq] of waiter.upTo) {
        const head = this.bySender.get(sender)?.[0];
        if (head !== undefined && head.seq <= seq) done = false;
      }
      if (done) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.settling = stillWaiting;
  }
}
