/** Which of the ports a launcher is about to use are taken already, before it starts anything. */
import { createServer } from 'node:net';

export interface ClaimedPort {
  readonly port: number;
  readonly what: string;
}

/** One line per problem: a port two components would share, or one something else listens on. */
export async function portProblems(claimed: readonly ClaimedPort[]): Promise<string[]> {
  const problems: string[] = [];
  const firstClaim = new Map<number, string>();
  for (const { port, what } of claimed) {
    const earlier = firstClaim.get(port);
    if (earlier !== undefined) problems.push(`port ${port} is set for both ${earlier} and ${what}`);
    else firstClaim.set(port, what);
  }
  for (const [port, what] of firstClaim) {
    if (!(await isFree(port))) problems.push(`port ${port} on 127.0.0.1, for ${what}, is taken by another process`);
  }
  return problems;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
