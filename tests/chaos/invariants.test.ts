/**
 * The convergence check runs in the same process as the clients it judges: while it works, they
 * read nothing and answer no pings. It must cost a few reads of each client's text, not one per
 * marker typed (at the end of a minute's run, 3,500 markers per document took 20 s a check, the
 * nodes dropped every client for not answering pings, and the run blamed the cluster).
 */
import { describe, expect, it } from 'vitest';
import { divergence, type TypingClient } from './invariants';

/** A client holding `text`, counting how often the check reads it (each read serializes a Y.Text). */
function client(name: string, typed: readonly string[], text: string): TypingClient & { reads: number } {
  return {
    name,
    doc: 'doc',
    typed: [...typed],
    reads: 0,
    get text() {
      this.reads++;
      return text;
    },
  };
}

function markers(name: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `[${name}#${i}]`);
}

describe('divergence', () => {
  it('reads each client’s text once per check, however many markers were typed', () => {
    const a = markers('a', 1_000);
    const b = markers('b', 1_000);
    const whole = [...a, ...b].join('');
    const clients = [client('a', a, whole), client('b', b, whole), client('c', [], a.join(''))];
    expect(divergence(clients)).toHaveLength(1);
    expect(clients.map((c) => c.reads)).toEqual([1, 1, 1]);
  });

  it('finds nothing when every client holds every marker', () => {
    const a = markers('a', 3);
    const b = markers('b', 2);
    const whole = [...b, ...a].join('');
    expect(divergence([client('a', a, whole), client('b', b, whole)])).toEqual([]);
  });

  it('names the clients that differ and the markers each lacks', () => {
    const a = markers('a', 3);
    const b = markers('b', 2);
    const whole = [...a, ...b].join('');
    const found = divergence([client('a', a, whole), client('b', b, whole), client('c', [], [a[0], a[1], b[0]].join(''))]);
    expect(found).toEqual(['doc: 2 different texts among 3 clients; c lacks 2 ([a#2] [b#1])']);
  });

  it('counts clients that hold every marker in a different order as different texts', () => {
    const a = markers('a', 1);
    const b = markers('b', 1);
    expect(divergence([client('a', a, a[0]! + b[0]!), client('b', b, b[0]! + a[0]!)])).toEqual(['doc: 2 different texts among 2 clients']);
  });
});
