/**
 * The room tier's seeded fuzz. Simulated editors (the real client SyncSession, each over a link the
 * fuzz controls) and the real server parts (connections, rooms, registry, persistence queue,
 * version history, over a real store) run on manual clocks; a seeded generator picks what happens
 * next: edits shaped as the editor makes them, presence, frames delivered in a random order across
 * links, offline periods, reconnects, duplicated and replayed updates, storage failures, compaction,
 * versions and restores, and server restarts, graceful or a crash. Then the faults stop, everything
 * settles, and the invariants must hold. The same seed plays the same run.
 *
 * What may be reordered, and what not (y-websocket over one WebSocket, i.e. TCP):
 * - Frames of one connection arrive in order, in each direction; a save acknowledgement means
 *   "everything this connection sent before the request" only because of that. The fuzz never
 *   reorders them. Frames of different connections interleave in any order.
 * - A connection that is cut loses what was in flight, both ways, and the server may only learn of
 *   it at its next ping timeout (a half-open socket), after the client has reconnected.
 * - Yjs updates are idempotent and commutative, so extra update frames are legal: a client may send
 *   any update it knows of again, in any order, even ahead of the updates it depends on (the server
 *   keeps those pending), and the server's relayed updates may arrive twice. Only update frames are
 *   duplicated: a second sync step 1, save request or presence frame is not something a client does.
 * - A client leaves for good only when it has nothing unsaved (closing the tab with unsent edits
 *   loses them by design); a reload keeps its state, as the editor's IndexedDB copy does.
 *
 * With comments (FuzzSettings.comments; fuzz-comments.ts), the run also has commenters (the text
 * read-only, the comments document `<doc>/comments` written through lib/comments) and viewers (the
 * text read-only), and one editor comments too; read-only participants keep trying to type, and
 * none of it may land. Without them a seed plays exactly the run it always did.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import type { Clock } from '../../lib/client/page/clock';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { SyncSession } from '../../lib/client/sync/sync-session';
import type { LinkLoss, Transport, TransportListener, TransportState } from '../../lib/client/transport/transport';
import { readDocument } from '../../lib/editor/document-export';
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/editor/schema';
import { decodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import { decodeMessage, encodeSyncUpdate } from '../../lib/protocol/messages';
import type { Connection } from '../../sync-server/connection/connection';
import { contentConversions } from '../../sync-server/document/content-conversions';
import type { DocumentHistory, HistoryOptions } from '../../sync-server/history/document-history';
import { HOUR_MS } from '../../sync-server/history/retention';
import type { Socket } from '../../sync-server/connection/socket';
import type { Permission } from '../../sync-server/room/permissions';
import type {
  DocumentStore,
  LogEntry,
  StoredDocument,
  StoredVersion,
  VersionChange,
  VersionInfo,
} from '../../sync-server/storage/document-store';
import { LevelDbDocumentStore } from '../../sync-server/storage/leveldb-store';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { ManualScheduler } from '../helpers/manual-scheduler';
import { createRoomHarness } from '../helpers/room-harness';
import { ControllableStore } from '../helpers/store-wrappers';
import { randomEdit } from './editor-edits';
import { attemptToType, clientsIn, commentAction, commentsProblem, COMMENT_ACTIONS, threadsOf, type CommentActionName } from './fuzz-comments';
import { Prng } from './prng';

export interface FuzzSettings {
  /** Random actions before the faults stop and the invariants are checked. */
  readonly steps: number;
  readonly store: 'memory' | 'leveldb';
  /** Called with every action as it happens (the CLI's --verbose). */
  readonly trace?: (line: string) => void;
  /** Traces every frame delivered too. */
  readonly frames?: boolean;
  /** Commenters and viewers beside the editors, and the comments document (off: the runs as they always were). */
  readonly comments?: boolean;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly actions: Readonly<Record<string, number>>;
}

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly problem: string,
    /** The last actions before the failure, oldest first. */
    readonly recent: readonly string[],
  ) {
    super(`seed ${seed}, step ${step}: ${problem}`);
  }
}

export async function runRoomFuzz(seed: number, settings: Partial<FuzzSettings> = {}): Promise<FuzzSummary> {
  const full: FuzzSettings = { steps: 300, store: 'memory', comments: false, ...settings };
  // Loaded once, up front: a restore would otherwise wait for module loading, which no manual clock moves.
  await contentConversions();
  const base = full.store === 'memory' ? { store: new MemoryDocumentStore(), dir: null } : await levelDbStore();
  const run = new FuzzRun(seed, full, base.store);
  try {
    return await run.play();
  } finally {
    run.dispose();
    await base.store.close();
    if (base.dir !== null) await rm(base.dir, { recursive: true, force: true });
  }
}

/** A failure as people read it: what broke, the last actions before it, and how to replay it. */
export function describeFailure(failure: FuzzFailure, settings: Pick<FuzzSettings, 'steps' | 'store' | 'comments'>): string {
  return [
    `seed ${failure.seed} failed at step ${failure.step}: ${failure.problem}`,
    'last actions:',
    ...failure.recent.map((line) => `  ${line}`),
    `replay: npm run fuzz -- --seed ${failure.seed} --runs 1 --steps ${settings.steps} --store ${settings.store} --comments ${settings.comments === true ? 'on' : 'off'} --verbose`,
  ].join('\n');
}

async function levelDbStore(): Promise<{ store: DocumentStore; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-fuzz-'));
  return { store: await LevelDbDocumentStore.open(path.join(dir, 'documents')), dir };
}

const DOC = 'fuzz-doc';
const COMMENTS = commentsDocumentName(DOC);
/** Short enough that versions are recorded and thinned within a run's span of manual time. */
const HISTORY: HistoryOptions = { idleMs: 5_000, maxIntervalMs: 20_000, retention: { keepAllMs: 60_000, hourlyForMs: 3 * HOUR_MS } };
/** Codes a well-behaved client may be closed with: anything else means the server refused good input. */
const EXPECTED_CLOSES = new Set<number>([CloseCode.ServiceRestart]);
/** A SIGKILLed or cut-off server: what the client's socket reports. */
const ABNORMAL_CLOSURE = 1006;
const MAX_CLIENTS = 5;
/** How long a storage operation may take in real time before the run counts it as hung. */
const IO_WAIT_MS = 10_000;
const RECENT_ACTIONS = 60;

/** The weights of the actions a step chooses from (an action that cannot run now is skipped). */
const ACTIONS = {
  deliver: 30,
  edit: 20,
  presence: 5,
  endTurn: 8,
  settle: 6,
  tick: 8,
  idle: 1.2,
  disconnect: 3,
  reconnect: 5,
  pingTimeout: 1.5,
  replay: 2,
  duplicate: 1.5,
  reload: 0.8,
  join: 0.8,
  leave: 0.6,
  storageFault: 1.5,
  crash: 0.6,
  restart: 0.6,
  checkpoint: 1,
  nameVersion: 0.6,
  restore: 0.6,
  compact: 0.8,
} as const;
const ACTIONS_WITH_COMMENTS = { ...ACTIONS, ...COMMENT_ACTIONS } as const;
type ActionName = keyof typeof ACTIONS | CommentActionName;

/** What a participant may do: an editor writes the text, a commenter only the comments, a viewer neither. */
type Role = 'edit' | 'comment' | 'view';

// ---------------------------------------------------------------------------------------------
// The network: one link per connection, a FIFO per direction.

type Wire = { readonly kind: 'frame'; readonly bytes: Uint8Array } | { readonly kind: 'close'; readonly code: number; readonly reason: string };

class Link {
  /** Client to server, in order. */
  readonly up: Wire[] = [];
  /** Server to client, in order. */
  readonly down: Wire[] = [];
  /** The server closed or dropped its socket: it sends nothing more. */
  serverDone = false;
  /** The client's end is gone: what the server sends is lost. */
  clientDone = false;
  /** Cut without the server being told: it finds out at a ping timeout. */
  halfOpen = false;
  /** The server's sync step 1 reached the client: its session counts save requests from now on. */
  accepted = false;
  /** Update frames the client received on this link, for duplicates. */
  readonly receivedUpdates: Uint8Array[] = [];
  connection!: Connection;

  constructor(
    readonly client: FuzzClient,
    readonly server: Server,
  ) {}

  get hasFrames(): boolean {
    return this.up.length > 0 || this.down.length > 0;
  }
}

/** The server's end of a link. */
class LinkSocket implements Socket {
  readonly bufferedAmount = 0;

  constructor(private readonly link: Link) {}

  send(data: Uint8Array, onWritten?: () => void): void {
    if (!this.link.serverDone && !this.link.clientDone) this.link.down.push({ kind: 'frame', bytes: data.slice() });
    onWritten?.();
  }

  close(code: number, reason: string): void {
    this.end(code, reason);
  }

  terminate(): void {
    this.end(ABNORMAL_CLOSURE, 'terminated');
  }

  private end(code: number, reason: string): void {
    if (this.link.serverDone) return;
    this.link.serverDone = true;
    if (!this.link.clientDone) this.link.down.push({ kind: 'close', code, reason });
  }
}

/** The client's end: a Transport whose links come and go when the fuzz says. */
class LinkTransport implements Transport {
  state: TransportState = { kind: 'idle' };
  link: Link | null = null;
  /** Sees every frame the session sends, before it leaves. */
  onSend: ((frame: Uint8Array, link: Link) => void) | null = null;
  private readonly listeners = new Set<TransportListener>();

  open(): void {}

  close(): void {
    this.state = { kind: 'closed' };
  }

  send(frame: Uint8Array): boolean {
    if (this.state.kind !== 'open' || this.link === null) return false;
    this.onSend?.(frame, this.link);
    this.link.up.push({ kind: 'frame', bytes: frame.slice() });
    return true;
  }

  markEstablished(): void {}

  listen(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  linkUp(link: Link): void {
    this.link = link;
    this.state = { kind: 'open' };
    for (const listener of [...this.listeners]) listener.onOpen?.();
  }

  deliver(frame: Uint8Array): void {
    for (const listener of [...this.listeners]) listener.onFrame?.(frame);
  }

  linkLost(loss: LinkLoss): void {
    this.link = null;
    this.state = { kind: 'waiting', retryInMs: 0 };
    for (const listener of [...this.listeners]) listener.onLinkLost?.(loss);
  }
}

// ---------------------------------------------------------------------------------------------
// Clients and servers.

class FuzzClient {
  readonly transport = new LinkTransport();
  readonly session: SyncSession;
  /** Every change made here (not received), oldest first. */
  readonly localUpdates: Uint8Array[] = [];
  /** The document as it was when each save request of the current link left, by request id. */
  private readonly requests = new Map<number, Uint8Array>();
  /** The newest state the server acknowledged as stored: the state at the answered request. */
  ackedState: Uint8Array | null = null;
  /** This client's own edits when its status last turned "saved". */
  shownSaved: Uint8Array | null = null;
  /** The same participant's other client: its text for a comments client, its comments for a text client. */
  partner: FuzzClient | null = null;

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    clock: Clock,
    onLocalUpdate: (update: Uint8Array) => void,
    readonly role: Role = 'edit',
    /** The document it opens: the text, or the comments beside it. */
    readonly docName: string = DOC,
  ) {
    this.session = new SyncSession({ doc, transport: this.transport, clock });
    this.session.awareness.setLocalState({ user: { name, color: '#1971c2' }, cursor: null });
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this.session) return;
      this.localUpdates.push(update);
      onLocalUpdate(update);
    });
    this.transport.onSend = (frame, link) => {
      // The session counts a request only once the server accepted the link (its sync step 1). A
      // read-only client's "saved" covers nothing it holds: the server took none of what it sent.
      if (frame[0] !== 100 || !link.accepted || this.permission === 'read') return;
      const message = decodeMessage(frame);
      if (message.type === 'save-request') this.requests.set(message.requestId, Y.encodeStateAsUpdate(this.doc));
    };
    this.session.subscribe(() => {
      if (this.session.view.phase === 'no-link') this.requests.clear();
    });
  }

  get online(): boolean {
    return this.transport.link !== null;
  }

  /** What the server lets it do: a commenter writes the comments, and only reads the text. */
  get permission(): Permission {
    return this.role === 'edit' || (this.role === 'comment' && this.docName === COMMENTS) ? 'write' : 'read';
  }

  /** The server answered request `id` (and with it every earlier one): returns the state it covers. */
  acknowledge(id: number): Uint8Array | null {
    let covered: number | null = null;
    for (const requestId of this.requests.keys()) if (requestId <= id && (covered === null || requestId > covered)) covered = requestId;
    if (covered === null) return null;
    const state = this.requests.get(covered)!;
    for (const requestId of [...this.requests.keys()]) if (requestId <= id) this.requests.delete(requestId);
    this.ackedState = state;
    return state;
  }

  destroy(): void {
    this.session.destroy();
    this.transport.close();
  }
}

interface ServerConfig {
  readonly compactAfterUpdates: number;
  readonly presenceRelayMs: number;
  /** 2: a crowd from three people on, so that only the active ones' presence is relayed. */
  readonly presenceCrowdSize: number;
  readonly batchWindowMs: number;
  readonly unloadGraceMs: number;
}

/** One life of the sync server: its clock, its parts, and its view of storage, cut off when it dies. */
class Server {
  readonly scheduler: ManualScheduler;
  readonly store: FencedStore;
  readonly harness: ReturnType<typeof createRoomHarness>;
  readonly links = new Set<Link>();

  constructor(
    readonly life: number,
    storage: DocumentStore,
    now: number,
    config: ServerConfig,
  ) {
    this.scheduler = new ManualScheduler(now);
    this.scheduler.holdTurns = true; // the fuzz decides where event-loop turns end
    this.store = new FencedStore(storage);
    this.harness = createRoomHarness(this.store, {
      scheduler: this.scheduler,
      history: HISTORY,
      compactAfterUpdates: config.compactAfterUpdates,
      presenceRelayMs: config.presenceRelayMs,
      presenceCrowdSize: config.presenceCrowdSize,
      batchWindowMs: config.batchWindowMs,
      unloadGraceMs: config.unloadGraceMs,
      limits: { messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1e9, maxQueuedBytesWhileLoading: 64 * 1024 * 1024 },
    });
  }
}

/** A store as one server process sees it: once the process is dead, nothing it starts reaches the disk. */
class FencedStore implements DocumentStore {
  private dead = false;

  constructor(private readonly inner: DocumentStore) {}

  get kind(): DocumentStore['kind'] {
    return this.inner.kind;
  }

  kill(): void {
    this.dead = true;
  }

  load(docName: string): Promise<StoredDocument> {
    return this.alive(() => this.inner.load(docName));
  }
  append(entries: readonly LogEntry[]): Promise<void> {
    return this.alive(() => this.inner.append(entries));
  }
  compact(docName: string, snapshot: Uint8Array): Promise<void> {
    return this.alive(() => this.inner.compact(docName, snapshot));
  }
  listVersions(docName: string): Promise<VersionInfo[]> {
    return this.alive(() => this.inner.listVersions(docName));
  }
  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.alive(() => this.inner.loadVersions(docName, ids));
  }
  writeVersions(docName: string, change: VersionChange): Promise<void> {
    return this.alive(() => this.inner.writeVersions(docName, change));
  }
  delete(docName: string): Promise<void> {
    return this.alive(() => this.inner.delete(docName));
  }
  listDocuments(): Promise<string[]> {
    return this.alive(() => this.inner.listDocuments());
  }
  async close(): Promise<void> {
    // The store outlives every server life; the run closes it.
  }

  /** A dead process's call never returns. */
  private alive<T>(operation: () => Promise<T>): Promise<T> {
    return this.dead ? new Promise<T>(() => undefined) : operation();
  }
}

// ---------------------------------------------------------------------------------------------
// One run.

class FuzzRun {
  private readonly prng: Prng;
  private readonly clientClock = new ManualScheduler();
  private readonly faults: ControllableStore;
  private readonly config: ServerConfig;
  private server: Server;
  /** The clients of the text (editors, and the read-only ones of commenters and viewers). */
  private readonly clients: FuzzClient[] = [];
  /** The clients of the comments document (commenters, and an editor who comments). */
  private readonly commentClients: FuzzClient[] = [];
  /** Threads made during the run: none may be lost. */
  private readonly threadsMade = new Set<string>();
  /** The client ids read-only participants typed under: none may reach the text. */
  private readonly attempts = new Set<number>();
  /** Clients that left or reloaded: what the server acknowledged to them must still be stored. */
  private readonly gone: FuzzClient[] = [];
  /** Recent updates of every client, for replays, per document. */
  private readonly updatePool: Uint8Array[] = [];
  private readonly commentPool: Uint8Array[] = [];
  /** The content of each version when it was recorded (named versions and restores). */
  private readonly versionContent = new Map<number, string>();
  private readonly recent: string[] = [];
  private readonly counts: Record<string, number> = {};
  private step = 0;
  private nextName = 1;
  private lives = 0;

  constructor(
    private readonly seed: number,
    private readonly settings: FuzzSettings,
    private readonly base: DocumentStore,
  ) {
    this.prng = new Prng(seed);
    this.faults = new ControllableStore(base);
    this.config = {
      compactAfterUpdates: this.prng.pick([2, 5, 20, 1000]),
      presenceRelayMs: this.prng.pick([0, 16]),
      batchWindowMs: this.prng.pick([0, 25]),
      unloadGraceMs: this.prng.pick([1_000, 5_000]),
      // Drawn apart from the run's own stream: every seed kept before crowds existed replays as it did.
      presenceCrowdSize: new Prng(seed ^ 0x63726f77).pick([100, 2]),
    };
    this.server = this.startServer();
    const clientCount = this.prng.between(2, 4);
    for (let i = 0; i < clientCount; i++) this.addClient();
    if (settings.comments === true) this.addCommentParticipants();
  }

  async play(): Promise<FuzzSummary> {
    const clients = this.everyone().map((client) => `${client.name}${client.role === 'edit' ? '' : ` ${client.role}`}${client.docName === COMMENTS ? ' comments' : ''} (${client.doc.clientID})`).join(', ');
    this.note(`config ${JSON.stringify(this.config)}, ${this.settings.store} store, clients ${clients}`);
    for (this.step = 1; this.step <= this.settings.steps; this.step++) {
      const action: ActionName = this.prng.weighted(this.settings.comments === true ? ACTIONS_WITH_COMMENTS : ACTIONS);
      if (await this.perform(action)) this.counts[action] = (this.counts[action] ?? 0) + 1;
    }
    this.step = this.settings.steps + 1;
    this.note('faults stop');
    await this.quiesce();
    await this.checkInvariants();
    return { seed: this.seed, actions: { ...this.counts } };
  }

  dispose(): void {
    for (const client of [...this.everyone(), ...this.gone]) client.destroy();
    this.server.harness.persistence.close();
  }

  /** Runs one action; returns false when it could not run in the current state. */
  private async perform(action: ActionName): Promise<boolean> {
    switch (action) {
      case 'deliver': {
        const count = this.prng.between(1, 6);
        for (let i = 0; i < count; i++) if (!(await this.deliverOne())) return i > 0;
        return true;
      }
      case 'edit': {
        const client = this.prng.pick(this.clients.filter((candidate) => candidate.role === 'edit'));
        const done = randomEdit(client.doc, this.prng);
        if (done !== null) this.note(`${client.name}${client.online ? '' : ' (offline)'}: ${done}`);
        return done !== null;
      }
      case 'presence': {
        const client = this.prng.pick(this.clients);
        client.session.awareness.setLocalStateField('cursor', { anchor: this.prng.int(50), head: this.prng.int(50) });
        this.note(`${client.name}: moves the caret`);
        return true;
      }
      case 'endTurn':
        this.server.scheduler.endTurn();
        return true;
      case 'settle':
        await this.settle();
        return true;
      case 'tick':
        this.advance(this.prng.between(1, 300));
        return true;
      case 'idle': {
        const ms = this.prng.pick([6_000, 30_000, 10 * 60_000, 2 * HOUR_MS]);
        this.note(`time passes: ${ms} ms`);
        this.advance(ms);
        return true;
      }
      case 'disconnect':
        return this.disconnect();
      case 'reconnect': {
        const offline = this.everyone().filter((client) => !client.online);
        if (offline.length === 0) return false;
        this.connect(this.prng.pick(offline));
        return true;
      }
      case 'pingTimeout': {
        const halfOpen = [...this.server.links].filter((link) => link.halfOpen && !link.serverDone);
        if (halfOpen.length === 0) return false;
        const link = this.prng.pick(halfOpen);
        this.note(`server: ping timeout on ${link.client.name}'s old connection`);
        link.connection.onPingTimeout();
        return true;
      }
      case 'replay':
        return this.replay();
      case 'duplicate': {
        const links = [...this.server.links].filter((link) => !link.clientDone && link.receivedUpdates.length > 0);
        if (links.length === 0) return false;
        const link = this.prng.pick(links);
        link.down.push({ kind: 'frame', bytes: encodeSyncUpdate(this.prng.pick(link.receivedUpdates)) });
        this.note(`network: duplicates an update to ${link.client.name}`);
        return true;
      }
      case 'reload':
        return this.reload();
      case 'join':
        if (this.clients.length >= MAX_CLIENTS) return false;
        const client = this.addClient();
        this.note(`${client.name} (${client.doc.clientID}) opens the document`);
        return true;
      case 'leave':
        return this.leave();
      case 'storageFault':
        this.faults.failWrites = !this.faults.failWrites;
        this.note(this.faults.failWrites ? 'storage: writes start failing' : 'storage: writes succeed again');
        return true;
      case 'crash':
        await this.crash();
        return true;
      case 'restart':
        await this.restart();
        return true;
      case 'checkpoint':
      case 'nameVersion':
      case 'restore':
      case 'compact':
        return this.withRoom(action);
      case 'tryToType':
        return this.tryToType();
      case 'comment':
      case 'reply':
      case 'resolve':
      case 'editComment':
      case 'deleteReply': {
        const client = this.prng.pick(this.commentClients);
        const done = commentAction(action, client.doc, client.partner!.doc, this.prng, { name: client.name, color: '#1971c2' }, this.clientClock.now());
        if (done === null) return false;
        if (action === 'comment') this.threadsMade.add(/thread (\S+)\)$/.exec(done)![1]!);
        this.note(`${client.name}${client.online ? '' : ' (offline)'}: ${done}`);
        return true;
      }
    }
  }

  /** A read-only participant types anyway: its client sends the edit, which the server must refuse. */
  private tryToType(): boolean {
    const readOnly = this.clients.filter((client) => client.role !== 'edit' && client.online);
    if (readOnly.length === 0) return false;
    const client = this.prng.pick(readOnly);
    const clientId = this.newClientId();
    this.attempts.add(clientId);
    client.transport.link!.up.push({ kind: 'frame', bytes: encodeSyncUpdate(attemptToType(client.doc, clientId, this.prng)) });
    this.note(`${client.name} (${client.role}) tries to type, as client ${clientId}`);
    return true;
  }

  // Frames.

  /** Delivers the next frame of a random link and direction; false when nothing is in flight. */
  private async deliverOne(): Promise<boolean> {
    const choices: Array<{ link: Link; up: boolean }> = [];
    for (const link of this.allLinks()) {
      if (link.up.length > 0) choices.push({ link, up: true });
      if (link.down.length > 0) choices.push({ link, up: false });
    }
    if (choices.length === 0) return false;
    const { link, up } = this.prng.pick(choices);
    if (up) this.deliverUp(link);
    else await this.deliverDown(link);
    return true;
  }

  private deliverUp(link: Link): void {
    const wire = link.up.shift()!;
    if (link.serverDone || link.server !== this.server) return;
    if (this.settings.frames) this.note(`  ${link.client.name} -> server: ${describeWire(wire)}`);
    if (wire.kind === 'close') link.connection.handleSocketClosed(wire.code);
    else link.connection.receive(wire.bytes, true);
  }

  private async deliverDown(link: Link): Promise<void> {
    const wire = link.down.shift()!;
    if (link.clientDone) return;
    const client = link.client;
    if (this.settings.frames) this.note(`  server -> ${client.name}: ${describeWire(wire)}`);
    if (wire.kind === 'close') {
      link.clientDone = true;
      if (!EXPECTED_CLOSES.has(wire.code)) this.fail(`the server closed ${client.name} with ${wire.code} (${wire.reason})`);
      client.transport.linkLost({ cause: 'server-closed', code: wire.code });
      return;
    }
    const message = decodeMessage(wire.bytes);
    if (message.type === 'sync-step-1') link.accepted = true;
    if (message.type === 'sync-update') link.receivedUpdates.splice(0, Math.max(0, link.receivedUpdates.length - 7), message.update);
    if (message.type === 'saved') client.acknowledge(message.requestId);
    client.transport.deliver(wire.bytes);
    // Checked against storage whenever a server dies and at the end: storage only grows, so an
    // acknowledgement given before the write landed shows at the next crash, and a compaction that
    // drops something at the next check after it.
    // A read-only copy's "saved" covers nothing it holds (its own changes are refused: at most a
    // mark Yjs cleaned up by itself, which the server does too, and may lose in a crash).
    if (message.type === 'saved' && client.session.view.save === 'saved' && client.permission !== 'read') {
      client.shownSaved = Y.mergeUpdates(client.localUpdates);
    }
  }

  private *allLinks(): Iterable<Link> {
    yield* this.server.links;
  }

  // Clients.

  private addClient(role: Role = 'edit', docName = DOC, name = `c${this.nextName++}`): FuzzClient {
    const doc = new Y.Doc();
    doc.clientID = this.newClientId();
    const client = new FuzzClient(name, doc, this.clientClock, (update) => this.remember(update, docName), role, docName);
    (docName === COMMENTS ? this.commentClients : this.clients).push(client);
    return client;
  }

  /** One or two commenters and perhaps a viewer; the first editor comments too. */
  private addCommentParticipants(): void {
    const pair = (text: FuzzClient) => {
      const comments = this.addClient(text.role, COMMENTS, `${text.name}/comments`);
      [text.partner, comments.partner] = [comments, text];
    };
    pair(this.clients[0]!);
    const commenters = this.prng.between(1, 2);
    for (let i = 0; i < commenters; i++) pair(this.addClient('comment'));
    if (this.prng.chance(0.5)) this.addClient('view');
  }

  /** Every client of every document. */
  private everyone(): FuzzClient[] {
    return [...this.clients, ...this.commentClients];
  }

  private newClientId(): number {
    const taken = new Set([...this.everyone(), ...this.gone].map((client) => client.doc.clientID));
    for (const id of this.attempts) taken.add(id);
    for (;;) {
      const id = this.prng.uint32();
      if (!taken.has(id)) return id;
    }
  }

  private remember(update: Uint8Array, docName: string): void {
    const pool = this.poolOf(docName);
    pool.push(update);
    if (pool.length > 200) pool.shift();
  }

  private poolOf(docName: string): Uint8Array[] {
    return docName === COMMENTS ? this.commentPool : this.updatePool;
  }

  private connect(client: FuzzClient): void {
    const link = new Link(client, this.server);
    this.server.links.add(link);
    link.connection = this.server.harness.accept(client.docName, new LinkSocket(link), client.permission);
    this.note(`${client.name} connects`);
    client.transport.linkUp(link);
  }

  private disconnect(): boolean {
    const online = this.everyone().filter((client) => client.online);
    if (online.length === 0) return false;
    const client = this.prng.pick(online);
    const link = client.transport.link!;
    const how = this.prng.pick(['close', 'cut', 'drop'] as const);
    link.clientDone = true;
    link.down.length = 0;
    if (how === 'close') {
      link.up.push({ kind: 'close', code: 1000, reason: 'offline' }); // what was sent still arrives
    } else {
      link.up.length = 0; // lost in flight
      if (how === 'cut') link.halfOpen = true;
      else link.up.push({ kind: 'close', code: ABNORMAL_CLOSURE, reason: 'network' });
    }
    this.note(`${client.name} goes offline (${how})`);
    client.transport.linkLost({ cause: 'device-offline', code: null });
    return true;
  }

  /** A page reload: a new session and Yjs client over the same local copy (IndexedDB). */
  private reload(): boolean {
    const client = this.prng.pick(this.everyone());
    this.retire(client);
    const doc = new Y.Doc();
    doc.clientID = this.newClientId();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(client.doc), 'indexeddb');
    const fresh = new FuzzClient(`${client.name}'`, doc, this.clientClock, (update) => this.remember(update, client.docName), client.role, client.docName);
    (client.docName === COMMENTS ? this.commentClients : this.clients).push(fresh);
    if (client.partner !== null) [fresh.partner, client.partner.partner] = [client.partner, fresh];
    this.note(`${client.name} reloads as ${fresh.name} (${fresh.doc.clientID})`);
    return true;
  }

  /** Leaves for good, only with nothing unsaved: closing a tab over unsent edits loses them by design. */
  private leave(): boolean {
    // Editors without comments: a participant's text and comments go together or not at all.
    const editors = this.clients.filter((client) => client.role === 'edit' && client.partner === null);
    const done = editors.filter((client) => client.online && client.session.view.save === 'saved');
    if (done.length === 0 || editors.length <= 1) return false;
    const client = this.prng.pick(done);
    this.note(`${client.name} closes the document`);
    this.retire(client);
    return true;
  }

  private retire(client: FuzzClient): void {
    const link = client.transport.link;
    client.destroy(); // withdraws its presence while the link is up
    if (link !== null) {
      link.clientDone = true;
      link.down.length = 0;
      link.up.push({ kind: 'close', code: 1001, reason: 'page closed' });
    }
    const list = client.docName === COMMENTS ? this.commentClients : this.clients;
    list.splice(list.indexOf(client), 1);
    this.gone.push(client);
  }

  /**
   * A client sends updates it holds again, in any order: ahead of what they depend on (its own
   * offline edits, one by one and shuffled) or long after. Only what it holds: the server relays an
   * update to everyone but its sender, so a client that sent what it lacks would never get it.
   */
  private replay(): boolean {
    const online = this.everyone().filter((client) => client.online);
    if (online.length === 0) return false;
    const client = this.prng.pick(online);
    const state = Y.encodeStateAsUpdate(client.doc);
    const others = this.prng.shuffled(this.poolOf(client.docName)).slice(0, 10);
    const held = [...client.localUpdates.slice(-10), ...others.filter((update) => contains(state, update))];
    if (held.length === 0) return false;
    const updates = this.prng.shuffled(held).slice(0, this.prng.between(1, 4));
    for (const update of updates) client.transport.link!.up.push({ kind: 'frame', bytes: encodeSyncUpdate(update) });
    this.note(`${client.name} sends ${updates.length} known updates again, out of order`);
    return true;
  }

  // Servers.

  private startServer(): Server {
    this.lives++;
    return new Server(this.lives, this.faults, this.clientClock.now(), this.config);
  }

  /** SIGKILL: nothing more is written, sockets die, and whatever was acknowledged must be on disk. */
  private async crash(): Promise<void> {
    this.note(`server ${this.server.life} crashes`);
    this.killServer();
    await this.checkAcknowledgedStored('after a crash');
    this.server = this.startServer();
  }

  /** SIGTERM: clients told to come back (1012), everything written, then a new server on the same storage. */
  private async restart(): Promise<void> {
    const old = this.server;
    this.note(`server ${old.life} restarts`);
    for (const link of old.links) if (!link.serverDone) link.connection.close(CloseCode.ServiceRestart, 'server restarting', 'shutdown');
    let closed = false;
    old.harness.registry.close().then(
      () => (closed = true),
      (error: unknown) => this.fail(`the registry failed to close: ${String(error)}`),
    );
    // The shutdown timeout: a disk that keeps failing makes it exit without having written everything.
    for (let waited = 0; !closed && waited < 10_000; waited += 100) {
      for (const link of old.links) while (link.down.length > 0) await this.deliverDown(link);
      await this.settle(); // the old server's turns: it is still the current one
      if (!closed) this.advance(100);
    }
    if (!closed) this.note(`server ${old.life} gives up writing at its shutdown timeout`);
    this.killServer();
    await this.checkAcknowledgedStored('after a restart');
    this.server = this.startServer();
  }

  private killServer(): void {
    const old = this.server;
    old.store.kill();
    old.harness.persistence.close();
    for (const link of old.links) {
      link.up.length = 0;
      link.down.length = 0;
      link.serverDone = true;
      if (!link.clientDone) {
        link.clientDone = true;
        link.client.transport.linkLost({ cause: 'server-closed', code: ABNORMAL_CLOSURE });
      }
    }
  }

  /** History and compaction go through the loaded room, as the document API does. */
  private async withRoom(action: 'checkpoint' | 'nameVersion' | 'restore' | 'compact'): Promise<boolean> {
    const { room, release } = await this.settled(this.server.harness.registry.acquire(DOC), 'loading the room');
    try {
      const history = room.history!;
      switch (action) {
        case 'compact':
          this.note('server: compacts the log');
          void room.storage.flushAndCompact();
          return true;
        case 'checkpoint':
        case 'nameVersion': {
          const recorded = action === 'checkpoint' ? history.checkpoint() : history.name(`v${this.step}`, { name: 'Fuzz', color: null });
          const outcome = await this.settledOutcome(recorded, 'recording a version');
          if (!outcome.ok || outcome.value === null) return outcome.ok;
          this.versionContent.set(outcome.value.id, contentOf(room.doc));
          this.note(`server: version ${outcome.value.id} (${outcome.value.meta.kind})`);
          return true;
        }
        case 'restore': {
          const versions = await this.settled(history.list(), 'listing versions');
          if (versions.length === 0) return false;
          const target = this.prng.pick(versions).id;
          // Read first: recording the versions around the restore may thin the target away.
          const expected = contentOf(await this.settled(history.documentAt(target), 'rebuilding a version'));
          // The server's own edits get a client id from the seed too, so that a run replays exactly.
          room.doc.clientID = this.prng.uint32();
          const outcome = await this.settledOutcome(history.restore(target, { name: 'Fuzz', color: null }), 'restoring');
          if (!outcome.ok) return true; // a version write failed (storage faults); the next restore tries again
          const now = contentOf(room.doc);
          if (now !== expected) this.fail(`restoring version ${target} left different content:\n${now}\nexpected\n${expected}`);
          this.versionContent.set(outcome.value.after.id, now);
          this.note(`server: restores version ${target} (as version ${outcome.value.after.id})`);
          return true;
        }
      }
    } finally {
      release();
    }
  }

  // Time and settling.

  private advance(ms: number): void {
    this.server.scheduler.advance(ms);
    this.clientClock.advance(ms);
  }

  /** Lets promise chains run (storage answers, loads) for a few event-loop turns, each ended first. */
  private async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      this.server.scheduler.endTurn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async settledOutcome<T>(work: Promise<T>, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
    work.then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    // Real I/O (LevelDB) takes real time: wait for it, boundedly.
    const deadline = Date.now() + IO_WAIT_MS;
    while (outcome === null && Date.now() < deadline) {
      this.server.scheduler.endTurn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (outcome === null) this.fail(`${what} never finished`);
    return outcome!;
  }

  private async settled<T>(work: Promise<T>, what: string): Promise<T> {
    const outcome = await this.settledOutcome(work, what);
    if (!outcome.ok) this.fail(`${what} failed: ${String(outcome.error)}`);
    return (outcome as { ok: true; value: T }).value;
  }

  /** Faults stop; everyone comes back online and everything is delivered, written and acknowledged. */
  private async quiesce(): Promise<void> {
    this.faults.failWrites = false;
    for (const link of this.server.links) if (link.halfOpen && !link.serverDone) link.connection.onPingTimeout();
    let quietRounds = 0;
    for (let round = 0; round < 400; round++) {
      for (const client of this.everyone()) if (!client.online) this.connect(client);
      let delivered = 0;
      for (; delivered < 100_000 && (await this.deliverOne()); delivered++) {
        if (this.prng.chance(0.2)) this.server.scheduler.endTurn();
      }
      this.server.scheduler.endTurn();
      await this.settle();
      // Quiet, and still quiet after time moved on (timers such as the presence tick had their turn).
      quietRounds = delivered === 0 && this.quiet() ? quietRounds + 1 : 0;
      if (quietRounds === 2) return;
      this.advance(50);
      // A LevelDB write in flight finishes in real time, whatever the manual clocks say.
      if (this.settings.store === 'leveldb') await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
    const states = this.everyone().map((c) => `${c.name}: ${c.session.view.phase}/${c.session.view.save}`).join(', ');
    this.fail(`the run did not settle (${states}; storage ${JSON.stringify(this.server.harness.persistence.health())})`);
  }

  private quiet(): boolean {
    for (const link of this.server.links) if (link.hasFrames) return false;
    const health = this.server.harness.persistence.health();
    return (
      health.ok &&
      health.pendingUpdates === 0 &&
      this.everyone().every((client) => client.session.view.phase === 'synced' && client.session.view.save === 'saved')
    );
  }

  // Invariants.

  private async checkInvariants(): Promise<void> {
    const { room, release } = await this.settled(this.server.harness.registry.acquire(DOC), 'loading the room');
    try {
      for (const client of this.clients) {
        if (client.permission === 'write') this.assertSameDocument(room.doc, client.doc, `${client.name} and the server`);
        else this.assertReadOnlyCopy(room.doc, client);
      }
      const stored = await this.storedBytes();
      const fromStorage = new Y.Doc();
      Y.applyUpdate(fromStorage, stored);
      this.assertSameDocument(room.doc, fromStorage, 'storage and the server');
      await this.checkAcknowledgedStored('at the end');
      await this.checkPresence(DOC, this.clients);
      await this.checkVersions(room.history!);
      if (this.settings.comments === true) await this.checkComments(room.doc);
    } finally {
      release();
    }
  }

  /** Every copy of the comments is the server's and storage's; no attempt to type landed; no thread was lost. */
  private async checkComments(text: Y.Doc): Promise<void> {
    const { room, release } = await this.settled(this.server.harness.registry.acquire(COMMENTS), 'loading the comments');
    try {
      if (room.history !== null) this.fail('the comments document keeps a version history');
      const fromStorage = new Y.Doc();
      Y.applyUpdate(fromStorage, await this.storedBytes(COMMENTS));
      for (const [copy, what] of [...this.commentClients.map((client) => [client.doc, `${client.name} and the server`] as const), [fromStorage, 'stored comments and the server'] as const]) {
        this.assertSameDocument(room.doc, copy, what);
        if (threadsOf(copy) !== threadsOf(room.doc)) this.fail(`${what} hold different threads:\n${threadsOf(copy)}\n${threadsOf(room.doc)}`);
      }
      const storedText = new Y.Doc();
      Y.applyUpdate(storedText, await this.storedBytes(DOC));
      for (const copy of [text, storedText]) {
        const problem = commentsProblem(room.doc, copy, this.threadsMade, this.attempts);
        if (problem !== null) this.fail(`${copy === text ? 'the server' : 'storage'}: ${problem}`);
      }
      await this.checkPresence(COMMENTS, this.commentClients);
    } finally {
      release();
    }
  }

  /**
   * A read-only copy holds everything the server holds. It may hold more, but only what a server
   * relayed and lost in a crash before storing it: a writer that had it sends it again, while the
   * server refuses what a read-only client sends, so its copy keeps it. Never a refused edit.
   */
  private assertReadOnlyCopy(server: Y.Doc, client: FuzzClient): void {
    const [serverState, clientState] = [Y.encodeStateAsUpdate(server), Y.encodeStateAsUpdate(client.doc)];
    if (client.doc.store.pendingStructs !== null || client.doc.store.pendingDs !== null) this.fail(`${client.name}: updates still wait for missing ones`);
    if (!contains(clientState, serverState)) this.fail(`${client.name} lacks what the server holds: ${this.missing(clientState, serverState)}`);
    const refused = [...clientsIn(clientState)].filter((id) => this.attempts.has(id));
    if (refused.length > 0) this.fail(`${client.name} holds refused edits (clients ${refused.join(', ')})`);
    if (contains(serverState, clientState)) this.assertSameDocument(server, client.doc, `${client.name} and the server`);
    else if (this.lives === 1) this.fail(`${client.name} holds what the server never lost: ${this.missing(serverState, clientState)}`);
    else this.note(`${client.name} keeps what a server lost: ${this.missing(serverState, clientState)}`);
  }

  private assertSameDocument(a: Y.Doc, b: Y.Doc, what: string): void {
    for (const doc of [a, b]) {
      if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) this.fail(`${what}: updates still wait for missing ones`);
    }
    const [coverageA, coverageB] = [coverage(Y.encodeStateAsUpdate(a)), coverage(Y.encodeStateAsUpdate(b))];
    if (coverageA !== coverageB) this.fail(`${what} hold different Yjs histories: ${this.missing(Y.encodeStateAsUpdate(b), Y.encodeStateAsUpdate(a))} only in the first, ${this.missing(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b))} only in the second`);
    const [contentA, contentB] = [rawContent(a), rawContent(b)];
    if (contentA !== contentB) {
      let at = 0;
      while (contentA[at] === contentB[at]) at++;
      const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 40), at + 40));
      this.fail(`${what} differ from character ${at}: ${around(contentA)} against ${around(contentB)}`);
    }
  }

  private async checkAcknowledgedStored(when: string): Promise<void> {
    const storedText = await this.storedBytes(DOC);
    const storedComments = this.settings.comments === true ? await this.storedBytes(COMMENTS) : storedText;
    for (const client of [...this.everyone(), ...this.gone]) {
      const stored = client.docName === COMMENTS ? storedComments : storedText;
      if (client.ackedState !== null && !contains(stored, client.ackedState)) {
        this.fail(`${when}: storage lacks what the server acknowledged as saved to ${client.name}: ${this.missing(stored, client.ackedState)}`);
      }
      if (client.shownSaved !== null && !contains(stored, client.shownSaved)) {
        this.fail(`${when}: ${client.name} showed "saved", but storage lacks some of its own edits: ${this.missing(stored, client.shownSaved)}`);
      }
    }
  }

  /**
   * Presence holds exactly the clients that are here, for the server and for each client. In a crowd
   * (presence-audience.ts) a joiner and the clients see only some of them, and never one who left.
   */
  private async checkPresence(docName: string, clients: readonly FuzzClient[]): Promise<void> {
    const expected = clients.map((client) => client.doc.clientID).sort((x, y) => x - y);
    const probe = this.server.harness.connect(docName);
    probe.sync();
    await this.settled(Promise.resolve(), 'the probe joining');
    const onServer = [...probe.presences.keys()].sort((x, y) => x - y);
    probe.close();
    const crowd = expected.length > this.config.presenceCrowdSize;
    const holds = (seen: number[]) =>
      crowd ? seen.every((clientId) => expected.includes(clientId)) : JSON.stringify(seen) === JSON.stringify(expected);
    if (!holds(onServer)) {
      this.fail(`the server's presence in ${docName} is ${JSON.stringify(onServer)}, the clients here are ${JSON.stringify(expected)}`);
    }
    for (const client of clients) {
      const seen = [...client.session.awareness.getStates().keys()].sort((x, y) => x - y);
      if (!holds(seen)) {
        this.fail(`${client.name} sees presence ${JSON.stringify(seen)}, the clients here are ${JSON.stringify(expected)}`);
      }
    }
  }

  /** Every kept version rebuilds, and to what it held when it was recorded (thinning rewrites others). */
  private async checkVersions(history: DocumentHistory): Promise<void> {
    const versions = await this.settled(history.list(), 'listing versions');
    for (const version of versions) {
      const content = contentOf(await this.settled(history.documentAt(version.id), `rebuilding version ${version.id}`));
      const recorded = this.versionContent.get(version.id);
      if (recorded !== undefined && recorded !== content) {
        const list = versions.map((v) => `${v.id} ${v.meta.kind} at ${v.meta.createdAt}${v.meta.restoredFrom === null ? '' : ` from ${v.meta.restoredFrom}`}`);
        this.fail(`version ${version.id} rebuilds to other content than it was recorded with (versions: ${list.join(', ')}):\n${content}\nrecorded\n${recorded}`);
      }
    }
  }

  /**
   * The document storage holds, as one update encoded from a Y.Doc built from snapshot and log.
   * Not the stored bytes merged: an item inserted into a deleted paragraph is deleted by whoever
   * integrates it, and only a document's own encoding says so (the bytes stored as received do not).
   */
  private async storedBytes(docName = DOC): Promise<Uint8Array> {
    const stored = await this.base.load(docName);
    const doc = new Y.Doc();
    doc.transact(() => {
      if (stored.snapshot !== null) Y.applyUpdate(doc, stored.snapshot);
      for (const update of stored.log) Y.applyUpdate(doc, update);
    });
    const state = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    return state;
  }

  // Reporting.

  /** What `update` holds that `stored` lacks, with client ids named. */
  private missing(stored: Uint8Array, update: Uint8Array): string {
    const names = new Map([...this.everyone(), ...this.gone].map((client) => [client.doc.clientID, client.name] as const));
    const name = (text: string) => text.replace(/\b(\d+):/g, (_, id: string) => `${names.get(Number(id)) ?? `server(${id})`}:`);
    const missing = missingFrom(stored, update);
    return missing === null ? 'nothing' : `structs [${name(missing.held)}], deletions [${name(missing.deleted)}]`;
  }

  private note(line: string): void {
    const entry = `#${this.step} ${line}`;
    this.recent.push(entry);
    if (this.recent.length > RECENT_ACTIONS) this.recent.shift();
    this.settings.trace?.(entry);
  }

  private fail(problem: string): never {
    throw new FuzzFailure(this.seed, this.step, problem, [...this.recent]);
  }
}

function describeWire(wire: Wire): string {
  if (wire.kind === 'close') return `close ${wire.code}`;
  const message = decodeMessage(wire.bytes);
  switch (message.type) {
    case 'sync-step-2':
    case 'sync-update':
      return `${message.type} ${coverage(message.update)}`;
    case 'save-request':
    case 'saved':
      return `${message.type} ${message.requestId}`;
    case 'awareness':
      return `awareness ${decodeAwarenessUpdate(message.update, Infinity)
        .map((entry) => `${entry.clientId}@${entry.clock}${entry.state === 'null' ? ' gone' : ''}`)
        .join(' ')}`;
    default:
      return message.type;
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing documents.

/** The body's XML and the title, read without converting anything (a conversion may repair content). */
function rawContent(doc: Y.Doc): string {
  return `${doc.getText(TITLE_FIELD).toString()}\n${doc.getXmlFragment(CONTENT_FIELD).toString()}`;
}

/** The content as the editor shows it, read from a copy (reading may drop what the schema refuses). */
function contentOf(doc: Y.Doc): string {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const { title, content } = readDocument(copy);
  copy.destroy();
  return JSON.stringify({ title, content });
}

/** Which ids an update holds (structs) and which it deletes, per client, as ranges. */
interface Coverage {
  readonly held: Map<number, Array<[number, number]>>;
  readonly deleted: Map<number, Array<[number, number]>>;
}

function coverageOf(update: Uint8Array): Coverage {
  const { structs, ds } = Y.decodeUpdate(update);
  const held = new Map<number, Array<[number, number]>>();
  const deleted = new Map<number, Array<[number, number]>>();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    addRange(held, struct.id.client, struct.id.clock, struct.length);
    // Garbage-collected or emptied structs are deletions too: a transaction's update says so only by them.
    if (struct instanceof Y.GC || (struct instanceof Y.Item && struct.content instanceof Y.ContentDeleted)) {
      addRange(deleted, struct.id.client, struct.id.clock, struct.length);
    }
  }
  for (const [client, items] of ds.clients) for (const item of items) addRange(deleted, client, item.clock, item.len);
  for (const ranges of [held, deleted]) for (const [client, list] of ranges) ranges.set(client, normalized(list));
  return { held, deleted };
}

/** The coverage as text: two updates with the same text hold the same history, however Yjs split their structs. */
function coverage(update: Uint8Array): string {
  const { held, deleted } = coverageOf(update);
  return `${canonical(held)} / ${canonical(deleted)}`;
}

/** Whether `update` holds nothing, and deletes nothing, that `stored` does not. */
function contains(stored: Uint8Array, update: Uint8Array): boolean {
  return missingFrom(stored, update) === null;
}

/** What `update` adds to `stored` (ids held, ids deleted), or null when nothing. */
function missingFrom(stored: Uint8Array, update: Uint8Array): { held: string; deleted: string } | null {
  const [have, wanted] = [coverageOf(stored), coverageOf(update)];
  const held = canonical(difference(wanted.held, have.held));
  const deleted = canonical(difference(wanted.deleted, have.deleted));
  return held === '' && deleted === '' ? null : { held, deleted };
}

/** The parts of `a`'s ranges that `b`'s do not cover. */
function difference(a: Map<number, Array<[number, number]>>, b: Map<number, Array<[number, number]>>): Map<number, Array<[number, number]>> {
  const result = new Map<number, Array<[number, number]>>();
  for (const [client, ranges] of a) {
    const covering = b.get(client) ?? [];
    const left: Array<[number, number]> = [];
    for (const [start, end] of ranges) {
      let from = start;
      for (const [coverStart, coverEnd] of covering) {
        if (coverEnd <= from || coverStart >= end) continue;
        if (coverStart > from) left.push([from, coverStart]);
        from = Math.max(from, coverEnd);
      }
      if (from < end) left.push([from, end]);
    }
    if (left.length > 0) result.set(client, left);
  }
  return result;
}

function normalized(ranges: Array<[number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const [start, end] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

function addRange(ranges: Map<number, Array<[number, number]>>, client: number, clock: number, length: number): void {
  const list = ranges.get(client) ?? [];
  list.push([clock, clock + length]);
  ranges.set(client, list);
}

function canonical(ranges: Map<number, Array<[number, number]>>): string {
  return [...ranges.keys()]
    .sort((a, b) => a - b)
    .map((client) => `${client}:${ranges.get(client)!.map(([start, end]) => `${start}-${end}`).join(',')}`)
    .join(' ');
}
