// npm run bench:postgres — what group commit buys on PostgreSQL, by measurement (a rough figure).
//
// 1,000 small updates (32 bytes, about one keystroke's Yjs update) appended to one document three
// ways: one append of all 1,000 (what the persistence queue's group commit does), 1,000 appends
// each awaited before the next (one commit each), and 1,000 appends issued at once (the store takes
// their locks in call order, so they commit one after the other too). LevelDB, the single-node
// store, is measured the same way for reference. PostgreSQL is a real server (Debian's package, as
// in the tests) with its default durability: every commit waits for its WAL to be fsynced.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DocumentStore, LogEntry } from '../sync-server/storage/document-store';
import { LevelDbDocumentStore } from '../sync-server/storage/leveldb-store';
import { PostgresDocumentStore } from '../sync-server/storage/postgres-store';
import { PostgresServer } from '../tests/helpers/postgres';

const UPDATES = 1_000;
const UPDATE_BYTES = 32;

function updates(round: string): LogEntry[] {
  return Array.from({ length: UPDATES }, (_, index) => ({
    docName: `bench-${round}`,
    update: Uint8Array.from({ length: UPDATE_BYTES }, (_, byte) => (index * 31 + byte) % 256),
  }));
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function measure(label: string, store: DocumentStore): Promise<void> {
  const grouped = await timed(() => store.append(updates('grouped')));
  const sequential = await timed(async () => {
    for (const entry of updates('sequential')) await store.append([entry]);
  });
  const concurrent = await timed(() => Promise.all(updates('concurrent').map((entry) => store.append([entry]))));
  for (const round of ['grouped', 'sequential', 'concurrent']) {
    const { log } = await store.load(`bench-${round}`);
    if (log.length !== UPDATES) throw new Error(`${label}: ${round} stored ${log.length} of ${UPDATES} updates`);
  }
  const rate = (ms: number): string => `${Math.round((UPDATES / ms) * 1000).toLocaleString('en')} updates/s`;
  console.log(`${label}`);
  console.log(`  one append of ${UPDATES} updates   ${grouped.toFixed(1).padStart(8)} ms  ${rate(grouped)}`);
  console.log(`  ${UPDATES} appends, one at a time ${sequential.toFixed(1).padStart(8)} ms  ${rate(sequential)}`);
  console.log(`  ${UPDATES} appends, all at once   ${concurrent.toFixed(1).padStart(8)} ms  ${rate(concurrent)}`);
}

const server = await PostgresServer.start();
try {
  const { connectionString } = await server.createDatabase();
  const postgres = await PostgresDocumentStore.open({ connectionString });
  try {
    await measure('PostgreSQL (synchronous_commit on)', postgres);
  } finally {
    await postgres.close();
  }
} finally {
  await server.destroy();
}

const directory = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-leveldb-'));
try {
  const leveldb = await LevelDbDocumentStore.open(directory);
  try {
    await measure('LevelDB (no fsync, the default)', leveldb);
  } finally {
    await leveldb.close();
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
