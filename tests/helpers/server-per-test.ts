/**
 * A fresh data folder and in-process server for every test, so no test sees another's documents or
 * links, and the clients a test opened are destroyed before its server stops.
 */
import { afterEach, beforeEach } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { destroyAll, makeTempDir, removeDir, startServer, type InProcessServer } from './server-harness';

export interface ServerPerTest {
  readonly server: InProcessServer;
  readonly dataDir: string;
  /** Destroyed after the test; push every client the test opens. */
  readonly providers: WebsocketProvider[];
  /** A server on this test's data folder (the first, or a new one after the test stopped `server`), stopped after the test. */
  start(env: Record<string, string>): Promise<InProcessServer>;
}

/**
 * Registers the hooks in the calling test file. With `env`, every test's server is started with it
 * before the test; without, each test starts its own with `start`, as its configuration differs.
 */
export function useServerPerTest(env?: Record<string, string>): ServerPerTest {
  let server: InProcessServer | undefined;
  let dataDir: string | undefined;
  const providers: WebsocketProvider[] = [];

  beforeEach(async () => {
    dataDir = await makeTempDir();
    if (env !== undefined) server = await startServer(dataDir, env);
  });

  afterEach(async () => {
    destroyAll(providers.splice(0));
    await server?.stop();
    if (dataDir !== undefined) await removeDir(dataDir);
    server = undefined;
    dataDir = undefined;
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the server is started in beforeEach: use it inside a test');
    return value;
  };

  return {
    get server() {
      return started(server);
    },
    get dataDir() {
      return started(dataDir);
    },
    providers,
    async start(serverEnv) {
      server = await startServer(started(dataDir), serverEnv);
      return server;
    },
  };
}
