/**
 * Real sync servers for integration tests: in-process (for restarts and inspection) or as a child
 * process (for kill -9), always on 127.0.0.1 with LevelDB in a fresh temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { decodeMessage, encodePing, encodeSaveRequest, MessageType, type Message } from '../../lib/protocol/messages';
import { loadOrCreateSecret } from '../../sync-server/auth/secret';
import { loadConfig } from '../../sync-server/config';
import { SYNC_SERVER_NODE_FLAGS } from '../../sync-server/launchers/node-flags';
import { SyncServer } from '../../sync-server/server';
import { LevelDbDocumentStore } from '../../sync-server/storage/leveldb-store';
import { waitFor } from './poll';

export async function makeTempDir(prefix = 'tandem-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export { freePort } from './free-port';

export interface InProcessServer {
  readonly server: SyncServer;
  readonly store: LevelDbDocumentStore;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a server in this process; `env` overrides configuration as environment variables would.
 * Access control is off unless `env` sets AUTH: most tests are about sync, not share links.
 */
export async function startServer(
  dataDir: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<InProcessServer> {
  const config = loadConfig({ SYNC_HOST: '127.0.0.1', SYNC_PORT: String(port), DATA_DIR: dataDir, AUTH: 'off', ...env });
  const { secret } = await loadOrCreateSecret(dataDir, config.auth.secret);
  const store = await LevelDbDocumentStore.open(path.join(dataDir, 'documents'));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = new SyncServer(config, { store, secret, logger });
  const boundPort = await server.listen();
  return {
    server,
    store,
    port: boundPort,
    url: `ws://127.0.0.1:${boundPort}`,
    stop: () => server.close(),
  };
}

export interface ChildServer {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Whether the server answers yet; plain GET http://127.0.0.1:<port>/healthz by default. */
  readonly healthy?: (port: number) => Promise<boolean>;
}

/**
 * Runs the real entry point (`npm run sync-server`'s command) as a child process. With TLS_CERT_FILE
 * in `env` its url is wss://, and `options.healthy` must know how to reach it.
 */
export async function spawnServer(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<ChildServer> {
  // The production bundle (built by `npm test` before vitest starts), run by node itself so that
  // signals reach the server process directly.
  const child = spawn(process.execPath, [...SYNC_SERVER_NODE_FLAGS, '--enable-source-maps', 'sync-server/dist/main.js'], {
    env: {
      ...process.env,
      SYNC_HOST: '127.0.0.1',
      SYNC_PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      AUTH: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const healthy = options.healthy ?? (async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  const logsListening = ['info', 'debug', 'trace'].includes(env.LOG_LEVEL ?? 'info');
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
        // The log line too: the answer to /healthz can overtake the pipe carrying the server's output,
        // and a server of another test that got the same port would answer /healthz as well.
        return (!logsListening || output.includes('sync server listening')) && healthy(port);
      },
      { timeoutMs: 30_000, what: 'child sync server to answer /healthz' },
    );
  } catch (error) {
    // The test never gets a handle to stop it by, so a server that did not come up is stopped here.
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    url: `${env.TLS_CERT_FILE ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    kill: async (signal) => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

// Each WebsocketProvider in Node registers a process 'exit' listener; tests open dozens.
process.setMaxListeners(500);

/** A stock y-websocket client, as any Yjs app would use it. */
export function connectClient(
  url: string,
  docName: string,
  doc = new Y.Doc(),
  params: Record<string, string> = {},
  // e.g. one that trusts a test certificate (tests/helpers/tls.ts)
  WebSocketPolyfill: typeof globalThis.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket,
): WebsocketProvider {
  return new WebsocketProvider(url, docName, doc, {
    params,
    WebSocketPolyfill,
    // Node 20 has a global BroadcastChannel: without this, clients in one process would sync
    // through it and bypass the server under test.
    disableBc: true,
    maxBackoffTime: 300,
  });
}

export function waitForSync(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => provider.synced, { timeoutMs, what: `sync of ${provider.roomname}` }).then(() => undefined);
}

let nextExtensionId = 1;

/**
 * Sends `frame` (a Tandem extension message, docs/protocol.md) on the provider's own socket, after
 * everything the provider sent on it, and waits for the server's answer that `isAnswer` picks.
 */
async function askOnSocket(
  provider: WebsocketProvider,
  frame: Uint8Array,
  isAnswer: (message: Message) => boolean,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const socket = provider.ws;
  if (socket === null || !provider.wsconnected) throw new Error(`${what}: ${provider.roomname} is not connected`);
  // The provider has no handler for extension answers and would log each; an empty one replies nothing.
  provider.messageHandlers[MessageType.Tandem] ??= () => undefined;
  await new Promise<void>((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      if (bytes[0] !== MessageType.Tandem || !isAnswer(decodeMessage(bytes))) return;
      clearTimeout(deadline);
      socket.removeEventListener('message', onMessage);
      resolve();
    };
    const deadline = setTimeout(() => {
      socket.removeEventListener('message', onMessage);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} of ${provider.roomname}`));
    }, timeoutMs);
    socket.addEventListener('message', onMessage);
    socket.send(new Uint8Array(frame));
  });
}

/** Resolves once the server says that everything this provider has sent on its socket is on disk. */
export function whenSaved(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  const id = nextExtensionId++;
  return askOnSocket(provider, encodeSaveRequest(id), (m) => m.type === 'saved' && m.requestId === id, '"saved"', timeoutMs);
}

/**
 * A ping answered by a pong: the server writes the pong in the turn that reads the ping, after
 * whatever it owed this client from earlier turns, so once it is here so is all of that.
 */
export function roundTrip(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  const id = nextExtensionId++;
  return askOnSocket(provider, encodePing(id), (m) => m.type === 'pong' && m.id === id, 'a pong', timeoutMs);
}

export function textOf(provider: WebsocketProvider): string {
  return provider.doc.getText('t').toString();
}

/** Every close of the provider's socket from now on, in order: a test reads how the server ended it. */
export function closesOf(provider: WebsocketProvider): Array<{ code: number; reason: string }> {
  const closes: Array<{ code: number; reason: string }> = [];
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event !== null) closes.push({ code: event.code, reason: event.reason });
  });
  return closes;
}

export function destroyAll(providers: Iterable<WebsocketProvider>): void {
  for (const provider of providers) provider.destroy();
}

/** The document's text as stored on disk, read with a fresh store (the server must be stopped). */
export async function storedText(dataDir: string, docName: string): Promise<string> {
  const store = await LevelDbDocumentStore.open(path.join(dataDir, 'documents'));
  try {
    const stored = await store.load(docName);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.log) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  } finally {
    await store.close();
  }
}

/** What POST /docs answers on a server with link records: the owner's link and the three default links. */
export interface CreatedDocument {
  readonly id: string;
  readonly ownerToken: string;
  readonly editToken: string;
  readonly commentToken: string;
  readonly viewToken: string;
}

/** A new document, made as the editor makes one: POST /docs on the server at `baseUrl`. */
export async function postDocument(baseUrl: string): Promise<CreatedDocument> {
  const response = await fetch(`${baseUrl}/docs`, { method: 'POST' });
  if (response.status !== 201) throw new Error(`POST /docs answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedDocument;
}
