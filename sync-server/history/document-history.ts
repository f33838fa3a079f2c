/**
 * One loaded document's version history: the server records versions by itself (checkpoint-
 * schedule.ts), people name versions, and a restore brings an old version back as a new change,
 * bracketed by a version of what was there before it and one of the result. Stored history is
 * never rewritten except by retention (retention.ts), which drops aged versions and keeps the
 * rest rebuildable (version-encoding.ts).
 *
 * Versions are recorded one at a time per document, off the edit path: an edit only marks the
 * document dirty and notes who made it.
 *
 * In cluster mode every node holding the document keeps this schedule (it sees every edit, with its
 * author, through the relay), and the node that holds the document's historian lease when a version
 * is due records it; the others learn of it from the stored list, which they read afresh for every
 * operation. The lease's token fences the write, so a node that stalled past its lease writes nothing:
 * cluster mode hands the rooms a store whose version writes carry the token this node holds
 * (cluster/fenced-versions.ts), and this file only takes and releases the lease.
 */
import type * as Y from 'yjs';
import { contentConversions } from '../document/content-conversions';
import type { DocumentStorage } from '../document/document-storage';
import type { Logger } from '../logger';
import type { Scheduler } from '../scheduler';
import type { StoredVersion, VersionAuthor, VersionInfo, VersionMeta } from '../storage/document-store';
import { CheckpointSchedule, type CheckpointTiming } from './checkpoint-schedule';
import { versionsToThin, type RetentionPolicy } from './retention';
import {
  chainTo,
  documentFromState,
  encodeVersion,
  positionAfter,
  removalRange,
  removalRewrite,
  stateOfChain,
  type ChainPosition,
} from './version-encoding';

export interface HistoryOptions extends CheckpointTiming {
  readonly retention: RetentionPolicy;
}

/** Transaction origin of a restore: a change of the server's own, relayed to every connection. */
export const RESTORE_ORIGIN = Symbol('restore');

export class VersionNotFound extends Error {
  override readonly name = 'VersionNotFound';
}

/** Cluster mode: another node kept the right to write versions for longer than a request waits. */
export class HistoryBusy extends Error {
  override readonly name = 'HistoryBusy';
}

/**
 * Cluster mode: the right to write a document's versions, held by one node at a time. Its token
 * reaches the version writes through the store cluster mode gives the document, not through here.
 */
export interface HistoryRecorder {
  /** The lease's fencing token when this node holds it now, null while another node does. */
  acquire(): Promise<number | null>;
  release(): Promise<void>;
}

/** How long a named version or a restore waits for another node's version write to end. */
const RECORDER_WAIT_MS = 10_000;
const RECORDER_RETRY_MS = 100;

/** Stands in for an editor whose version could not be written: its author waits for the next attempt. */
class UnrecordedAuthor {
  constructor(readonly author: VersionAuthor) {}
}

/** `Editor`: whoever makes an edit, as the room tells them apart (a connection, or a named actor such as the document API). */
export class DocumentHistory<Editor extends object = object> {
  private readonly schedule: CheckpointSchedule;
  /**
   * Who edited since the newest version, and when last. The identity is the newest one the editor
   * was seen with at its first edit or as its presence went: clients withdraw their presence before
   * their socket closes, so by the time a version is recorded it may be gone.
   */
  private readonly editors = new Map<Editor | UnrecordedAuthor, { identity: VersionAuthor | null; lastEditAt: number }>();
  /** Loaded on first use: the stored list, and where the chain of versions leaves off. */
  private state: { versions: VersionInfo[]; position: ChainPosition | null } | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly doc: Y.Doc,
    private readonly storage: DocumentStorage,
    private readonly options: HistoryOptions,
    private readonly deps: {
      readonly scheduler: Scheduler;
      readonly logger: Logger;
      /** The name and colour an editor has in presence now, if any (not parsed anew for every call). */
      identityOf(editor: Editor): VersionAuthor | null;
      /** Who may write versions now, when other servers write them too (a lease); null: this server alone. */
      readonly recorder: HistoryRecorder | null;
    },
  ) {
    this.schedule = new CheckpointSchedule(options, deps.scheduler, () => void this.checkpoint().catch(() => undefined));
  }

  /**
   * An update from `editor` was applied (the hot path: keep it cheap). Who it is is asked once per
   * version, at its first edit; a later name is learnt as its presence goes, or when the version is recorded.
   */
  noteEdit(editor: Editor): void {
    const at = this.schedule.noteEdit();
    const known = this.editors.get(editor);
    if (known === undefined) this.editors.set(editor, { identity: this.deps.identityOf(editor), lastEditAt: at });
    else known.lastEditAt = at;
  }

  /**
   * An editor's presence is about to go (withdrawn, or its connection closing): remember who it is
   * now, in case it named itself, or renamed, since its last edit.
   */
  presenceLeaving(editor: Editor): void {
    const known = this.editors.get(editor);
    if (known === undefined) return;
    const identity = this.deps.identityOf(editor);
    if (identity !== null) known.identity = identity;
  }

  /** The last editor left: what they did becomes a version now rather than after the pause. */
  lastEditorLeft(): void {
    if (this.schedule.dirty) void this.checkpoint().catch(() => undefined);
  }

  /** Newest version last. */
  list(): Promise<VersionInfo[]> {
    return this.serially(async () => [...(await this.loaded()).versions]);
  }

  /** Records the current state if anything changed since the newest version; resolves with it (or null). */
  checkpoint(): Promise<VersionInfo | null> {
    return this.serially(async () => {
      if (!this.schedule.dirty) return null;
      const recorder = this.deps.recorder;
      if (!recorder) return this.record({ kind: 'auto', name: null, restoredFrom: null });
      const fence = await recorder.acquire();
      // Another node is writing a version now: it holds what this one would.
      if (fence === null) return this.recordedElsewhere(this.deps.scheduler.now());
      try {
        // Every node's schedule fires at about the same time: the first to get the lease records.
        const newest = (await this.loaded()).versions.at(-1);
        const since = this.schedule.pendingSince;
        if (newest !== undefined && since !== null && newest.meta.createdAt >= since) return this.recordedElsewhere(newest.meta.createdAt);
        return await this.record({ kind: 'auto', name: null, restoredFrom: null });
      } finally {
        await recorder.release().catch(() => undefined);
      }
    });
  }

  /** Records the current state under a name people chose. */
  name(name: string, by: VersionAuthor): Promise<VersionInfo> {
    return this.serially(() => this.asRecorder(() => this.record({ kind: 'named', name, restoredFrom: null }, [by])));
  }

  /** A version's content as a document of its own. */
  async documentAt(id: number): Promise<Y.Doc> {
    return this.serially(() => this.rebuild(id));
  }

  /**
   * Makes the content equal to version `id` as a new change (relayed, stored and merged like any
   * edit). The state before it becomes a version if no version holds it yet, and so does the result.
   */
  restore(id: number, by: VersionAuthor): Promise<{ readonly before: VersionInfo; readonly after: VersionInfo }> {
    return this.serially(() => this.asRecorder(async () => {
      const old = await this.rebuild(id);
      const { readDocument, writeDocument } = await contentConversions();
      const { versions } = await this.loaded();
      const newest = versions.at(-1);
      const before =
        this.schedule.dirty || newest === undefined ? await this.record({ kind: 'before-restore', name: null, restoredFrom: null }) : newest;
      try {
        writeDocument(this.doc, readDocument(old), RESTORE_ORIGIN);
      } finally {
        old.destroy();
      }
      const after = await this.record({ kind: 'restore', name: null, restoredFrom: id }, [by]);
      return { before, after };
    }));
  }

  /** Records what is not in a version yet (before an unload or a stop). */
  flush(): Promise<void> {
    return this.checkpoint().then(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.schedule.cancel();
  }

  /** Edits up to `at` are in a version another node recorded. */
  private recordedElsewhere(at: number): null {
    this.schedule.recordedElsewhere(at);
    for (const [editor, { lastEditAt }] of this.editors) if (lastEditAt <= at) this.editors.delete(editor);
    return null;
  }

  /** Runs `work` holding the right to write versions (always, on a single node); waits for it within bounds. */
  private async asRecorder<T>(work: () => Promise<T>): Promise<T> {
    const recorder = this.deps.recorder;
    if (!recorder) return work();
    const deadline = this.deps.scheduler.now() + RECORDER_WAIT_MS;
    let fence = await recorder.acquire();
    while (fence === null) {
      if (this.deps.scheduler.now() >= deadline) throw new HistoryBusy('another server is writing versions of this document; try again');
      await new Promise<void>((resolve) => this.deps.scheduler.setTimeout(resolve, RECORDER_RETRY_MS));
      fence = await recorder.acquire();
    }
    try {
      // What other nodes recorded before the lease was ours.
      this.state = null;
      return await work();
    } finally {
      await recorder.release().catch(() => undefined);
    }
  }

  private async record(
    what: Pick<VersionMeta, 'kind' | 'name' | 'restoredFrom'>,
    extraAuthors: readonly VersionAuthor[] = [],
  ): Promise<VersionInfo> {
    const state = await this.loaded();
    if (state.position === null && state.versions.length > 0) state.position = await this.positionOf(state.versions);
    // Everything below up to the write is synchronous: the version holds exactly the edits noted so far.
    const captured = this.schedule.capture();
    const encoded = encodeVersion(this.doc, state.position);
    const authors = uniqueAuthors([...this.takeAuthors(), ...extraAuthors]);
    const id = (state.versions.at(-1)?.id ?? 0) + 1;
    const meta: VersionMeta = { createdAt: this.deps.scheduler.now(), ...what, authors, encoding: encoded.encoding };
    const version: StoredVersion = { id, meta, update: encoded.update };
    const remove = versionsToThin([...state.versions, version], meta.createdAt, this.options.retention);
    let rewritten: StoredVersion[] = [];
    try {
      if (remove.length > 0) rewritten = await this.rewriteFor([...state.versions, version], remove, version);
      const replaced = new Map(rewritten.map((v) => [v.id, v] as const));
      await this.storage.writeVersions({ put: replaced.has(id) ? rewritten : [version, ...rewritten], remove });
    } catch (error) {
      // Not recorded: the edits stay marked, and so do their authors, for the next attempt.
      for (const author of authors) this.editors.set(new UnrecordedAuthor(author), { identity: author, lastEditAt: meta.createdAt });
      throw error;
    }
    const removing = new Set(remove);
    const replaced = new Map(rewritten.map((v) => [v.id, v.meta] as const));
    state.versions = [...state.versions, { id, meta }]
      .filter((v) => !removing.has(v.id))
      .map((v) => ({ id: v.id, meta: replaced.get(v.id) ?? v.meta }));
    // A rewrite may have turned the newest chain into another shape: learn it again when next needed.
    state.position = rewritten.length === 0 ? encoded.next : null;
    this.schedule.recorded(captured);
    this.deps.logger.debug({ doc: this.storage.docName, version: id, kind: what.kind, bytes: encoded.update.byteLength, thinned: remove.length }, 'version recorded');
    return { id, meta };
  }

  /** The versions that must change so that removing `remove` leaves every other one rebuildable. */
  private async rewriteFor(versions: VersionInfo[], remove: number[], pending: StoredVersion): Promise<StoredVersion[]> {
    const range = removalRange(versions, remove);
    const stored = await this.storage.loadVersions(range.filter((id) => id !== pending.id));
    const loaded = range.includes(pending.id) ? [...stored, pending] : stored;
    return removalRewrite(loaded, new Set(remove));
  }

  private takeAuthors(): VersionAuthor[] {
    const authors: VersionAuthor[] = [];
    for (const [editor, { identity }] of this.editors) {
      // Each editor once, by its newest name: a rename is one person, not two.
      const author = (editor instanceof UnrecordedAuthor ? null : this.deps.identityOf(editor)) ?? identity;
      if (author !== null) authors.push(author);
    }
    this.editors.clear();
    return authors;
  }

  private async rebuild(id: number): Promise<Y.Doc> {
    const { versions } = await this.loaded();
    const chain = chainTo(versions, id);
    if (chain.length === 0) throw new VersionNotFound(`no version ${id}`);
    return documentFromState(stateOfChain(await this.storage.loadVersions(chain)));
  }

  private async loaded(): Promise<{ versions: VersionInfo[]; position: ChainPosition | null }> {
    if (this.state !== null) return this.state;
    const versions = await this.storage.listVersions();
    this.state = { versions, position: versions.length === 0 ? null : await this.positionOf(versions) };
    return this.state;
  }

  private async positionOf(versions: readonly VersionInfo[]): Promise<ChainPosition> {
    return positionAfter(await this.storage.loadVersions(chainTo(versions, versions.at(-1)!.id)));
  }

  /** One history operation at a time per document; a failed one does not stop the next. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('the document was unloaded'));
    const run = this.tail.then(() => {
      // Shared with other nodes, the stored list may have grown since it was read.
      if (this.deps.recorder) this.state = null;
      return work();
    });
    this.tail = run.catch((error: unknown) => {
      this.deps.logger.warn({ err: error, doc: this.storage.docName }, 'history operation failed');
    });
    return run;
  }
}

function uniqueAuthors(authors: readonly VersionAuthor[]): VersionAuthor[] {
  const seen = new Map<string, VersionAuthor>();
  for (const author of authors) seen.set(`${author.name}\u0000${author.color ?? ''}`, author);
  return [...seen.values()];
}
