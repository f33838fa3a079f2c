/**
 * The V8 flags every sync server process starts with: `npm start` (start-all.ts) and the tests
 * (tests/helpers/server-harness.ts) use this list; `npm run sync-server` (package.json) and the
 * bench (bench/servers.mjs) cannot import it and spell it out, so change all four together.
 *
 * --max-semi-space-size=8 (MB; V8's default maximum on 64-bit is 16). V8 doubles each half of the
 * young generation whenever the bytes that survived scavenges since the last doubling exceed its
 * size, and a connection storm produces exactly that: every socket's own objects in ws and
 * node:net (WebSocket, Receiver, Sender, net.Socket and their stream states, ~4.5 KB) live as long
 * as the socket, so each is copied once and promoted once, and 1,000 sockets arriving together
 * survive ~9 MB whatever the server itself allocates. The young generation then grows to its
 * maximum, 2 × 16 MB resident, and stays there. Capped at 8 MB a half it holds 16 MB less at peak
 * (bench (e) peak RSS 109 → 96 MB) for ~4 % more CPU under steady editing (bench (a) 2.92 → 3.04 s).
 * The flag cannot be set from inside the process: V8 sizes the young generation at start-up.
 */
export const SYNC_SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
