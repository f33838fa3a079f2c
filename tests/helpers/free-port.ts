import { createServer } from 'node:net';

/**
 * Ports handed out come from below Linux's ephemeral range (32768–60999 by default). A port the OS
 * picks for `listen(0)` lies inside it, and so does the local port of every outgoing connection:
 * between the probe here and the child server's own listen, any connection a test opens could take
 * it (seen as EADDRINUSE in CI). Below the range only another test's probe could, and a random
 * pick among 20,000 makes that rare.
 */
const FIRST_PORT = 12_000;
const PORT_COUNT = 20_000;
const ATTEMPTS = 50;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * PORT_COUNT);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found in ${ATTEMPTS} tries between ${FIRST_PORT} and ${FIRST_PORT + PORT_COUNT - 1}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
