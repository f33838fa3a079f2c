/**
 * What must hold once the faults stop. Each check returns the failures it found (empty: it held),
 * described well enough to start debugging from: which document, which node, what is missing.
 */
import * as Y from 'yjs';
import { PostgresDocumentStore } from '../../sync-server/storage/postgres-store';
import { connectClient, textOf } from '../helpers/server-harness';
import type { NodeProcess } from './node-process';
import type { Typist } from './typist';

/**
 * How much a node's RSS may grow from after warm-up to after the settle: ×1.25, plus 40 MB. A
 * healthy node ends 10–35 MB above its warm-up figure (V8 keeps the old space it grew under the
 * faults' bursts, and the documents are larger); a leak of what a fault queued grows with the run.
 */
export const MEMORY_GROWTH_FACTOR = 1.25;
export const MEMORY_SLACK_BYTES = 40 * 1024 * 1024;
const LISTED = 5;

/** What the convergence check needs of a client: who it is, what it typed, the text it holds now. */
export type TypingClient = Pick<Typist, 'name' | 'doc' | 'typed' | 'text'>;

export interface StoredDocumentText {
  /** The text a fresh node would rebuild (snapshot, then the log). */
  readonly text: string;
  /**
   * Every stored byte as Latin-1, to search for a marker's characters: an update that is stored
   * but cannot be applied (Yjs holds it back while an earlier one of its client is missing) has
   * them, the rebuilt text does not.
   */
  readonly raw: string;
}

/** Every document as stored in PostgreSQL. */
export async function storedDocuments(connectionString: string, docs: readonly string[]): Promise<Map<string, StoredDocumentText>> {
  const store = await PostgresDocumentStore.open({ connectionString, queryTimeoutMs: 10_000 });
  try {
    const stored = new Map<string, StoredDocumentText>();
    for (const doc of docs) {
      const { snapshot, log } = await store.load(doc);
      const ydoc = new Y.Doc();
      if (snapshot) Y.applyUpdate(ydoc, snapshot);
      for (const update of log) Y.applyUpdate(ydoc, update);
      const raw = [snapshot, ...log].map((bytes) => (bytes ? Buffer.from(bytes).toString('latin1') : '')).join('|');
      stored.set(doc, { text: ydoc.getText('t').toString(), raw });
    }
    return stored;
  } finally {
    await store.close();
  }
}

/** What the acknowledgement check needs of a client: who it is, what it typed, what "saved" covered. */
export type AcknowledgedClient = Pick<Typist, 'name' | 'doc' | 'typed' | 'acknowledged'>;

/**
 * Every marker a "saved" answer covered is in the store. The answers are taken before the store is
 * read: a "saved" answer follows its commit, so each one taken then is in what the read sees, while
 * one that arrives during the read (the clients stay connected) may have been committed after it.
 */
export async function acknowledgedLost(
  typists: readonly AcknowledgedClient[],
  readStored: () => Promise<ReadonlyMap<string, StoredDocumentText>>,
): Promise<string[]> {
  const answered = typists.map((typist) => ({ typist, acknowledged: [...typist.acknowledged] }));
  const stored = await readStored();
  const failures: string[] = [];
  for (const { typist, acknowledged } of answered) {
    const { text, raw } = stored.get(typist.doc) ?? { text: '', raw: '' };
    const missing = acknowledged.filter((marker) => !text.includes(marker));
    if (missing.length === 0) continue;
    const heldBack = missing.filter((marker) => raw.includes(marker));
    const firstMissingTyped = typist.typed.find((marker) => !text.includes(marker));
    failures.push(
      `${typist.name}: ${missing.length} of ${acknowledged.length} edits acknowledged as saved are not in the text PostgreSQL rebuilds ` +
        `(${list(missing)}); ${heldBack.length} of them are stored but cannot be applied for want of an earlier update` +
        `; the first of its edits missing there is ${firstMissingTyped ?? 'none'}`,
    );
  }
  return failures;
}

/**
 * The documents whose clients do not all hold the same text, or whose text lacks a marker somebody
 * typed. Each client's text is read once: reading it serializes the Y.Text, and the clients share
 * this process, so a check that read it per marker starved them (no frames read, no pings answered).
 */
export function divergence(typists: readonly TypingClient[]): string[] {
  const failures: string[] = [];
  for (const [doc, ofDoc] of groupBy(typists, (typist) => typist.doc)) {
    const typed = ofDoc.flatMap((typist) => typist.typed);
    const held = ofDoc.map((typist) => ({ typist, text: typist.text }));
    const texts = new Set(held.map(({ text }) => text));
    const lacking = held
      .map(({ typist, text }) => {
        const present = new Set(markersOf(text));
        return { typist, missing: typed.filter((marker) => !present.has(marker)) };
      })
      .filter(({ missing }) => missing.length > 0);
    if (texts.size === 1 && lacking.length === 0) continue;
    const detail = lacking.map(({ typist, missing }) => `${typist.name} lacks ${missing.length} (${list(missing)})`).join('; ');
    failures.push(`${doc}: ${texts.size} different texts among ${ofDoc.length} clients${detail ? `; ${detail}` : ''}`);
  }
  return failures;
}

/** A new client on every node, per document: each must see `expected` within `timeoutMs`. */
export async function freshClientsDisagree(nodes: readonly NodeProcess[], expected: ReadonlyMap<string, string>, timeoutMs: number): Promise<string[]> {
  const failures: string[] = [];
  const clients = [...expected.keys()].flatMap((doc) => nodes.map((node) => ({ doc, node, provider: connectClient(node.url, doc) })));
  try {
    const deadline = Date.now() + timeoutMs;
    let wrong = clients;
    // Bounded by the deadline; polls every 100 ms.
    while (Date.now() < deadline) {
      wrong = clients.filter(({ doc, provider }) => !provider.synced || textOf(provider) !== expected.get(doc));
      if (wrong.length === 0) return [];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const { doc, node, provider } of wrong) {
      const want = expected.get(doc) ?? '';
      const got = textOf(provider);
      failures.push(
        `a fresh client of ${doc} on ${node.name} ${provider.synced ? 'synced' : 'never synced'}: ${got.length} characters, the others ${want.length}` +
          `; missing ${list(markersOf(want).filter((marker) => !got.includes(marker)))}`,
      );
    }
    return failures;
  } finally {
    for (const { provider } of clients) provider.destroy();
  }
}

export interface MemorySample {
  readonly node: string;
  readonly afterWarmUp: number;
  readonly afterSettle: number;
}

export function memoryNotReturned(samples: readonly MemorySample[]): string[] {
  return samples
    .filter(({ afterWarmUp, afterSettle }) => afterSettle > afterWarmUp * MEMORY_GROWTH_FACTOR + MEMORY_SLACK_BYTES)
    .map(({ node, afterWarmUp, afterSettle }) => `${node}: RSS ${mb(afterSettle)} after the settle, ${mb(afterWarmUp)} after warm-up (allowed ×${MEMORY_GROWTH_FACTOR} + ${mb(MEMORY_SLACK_BYTES)})`);
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function markersOf(text: string): string[] {
  return text.match(/\[[^\]]+\]/g) ?? [];
}

function list(markers: readonly string[]): string {
  const shown = markers.slice(0, LISTED).join(' ');
  return markers.length > LISTED ? `${shown} and ${markers.length - LISTED} more` : shown;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}
