/**
 * The set-up of the cluster integration tests: one real PostgreSQL and one real redis-server for the
 * whole file (starting them costs seconds), and per test the nodes, their data folders and the clients,
 * all taken down after each test so no test sees another's processes.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { PostgresServer } from './postgres';
import { RedisServer } from './redis';
import { connectClient, destroyAll, freePort, makeTempDir, removeDir, spawnServer, type ChildServer, type SpawnOptions } from './server-harness';

export interface ClusterFixture {
  readonly postgres: PostgresServer;
  readonly redis: RedisServer;
  /** What afterEach takes down; a test that starts a node or client its own way adds it here. */
  readonly nodes: ChildServer[];
  readonly providers: WebsocketProvider[];
  readonly dirs: string[];
  /** A production-bundle node on this file's Redis and the given database; `env` adds to or overrides its environment. */
  startNode(databaseUrl: string, env?: Record<string, string>, options?: SpawnOptions): Promise<ChildServer>;
  /** A stock y-websocket client of `node`, destroyed after the test. */
  client(node: ChildServer, docName: string, doc?: Y.Doc, params?: Record<string, string>): WebsocketProvider;
}

/** Registers the hooks in the calling test file; call it once, at its top level. */
export function useClusterFixture(): ClusterFixture {
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  const nodes: ChildServer[] = [];
  const providers: WebsocketProvider[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
  }, 60_000);

  afterEach(async () => {
    destroyAll(providers.splice(0));
    await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
    await Promise.all(dirs.splice(0).map(removeDir));
  });

  const started = <T>(server: T | undefined, what: string): T => {
    if (server === undefined) throw new Error(`${what} is started in beforeAll: use it inside a test`);
    return server;
  };

  const fixture: ClusterFixture = {
    get postgres() {
      return started(postgres, 'PostgreSQL');
    },
    get redis() {
      return started(redis, 'redis-server');
    },
    nodes,
    providers,
    dirs,
    async startNode(databaseUrl, env = {}, options = {}) {
      const dir = await makeTempDir();
      dirs.push(dir);
      const node = await spawnServer(dir, await freePort(), { REDIS_URL: fixture.redis.url, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env }, options);
      nodes.push(node);
      return node;
    },
    client(node, docName, doc = new Y.Doc(), params = {}) {
      const provider = connectClient(node.url, docName, doc, params);
      providers.push(provider);
      return provider;
    },
  };
  return fixture;
}
