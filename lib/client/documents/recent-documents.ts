/**
 * The home page's "recently opened" list, kept in this browser only. Parsing is defensive: the
 * stored value is user-controlled and may come from an older version of the app (entries of every
 * version have the same fields). Each entry keeps the strongest link this browser has opened the
 * document with, so the person who created it returns as its owner even after opening it once
 * through an edit or view link.
 */
import { parseToken } from '../../auth/capability-token';
import { ROLES } from '../../auth/roles';
export interface RecentDocument {
  readonly id: string;
  readonly title: string;
  readonly openedAt: number;
  /** The share-link token this browser opened it with: without it the list's link would not open. */
  readonly token: string | null;
}

export interface DocumentVisit {
  readonly id: string;
  readonly title?: string;
  readonly token?: string | null;
  readonly openedAt: number;
}

export const RECENT_DOCUMENTS_KEY = 'tandem:recent-documents';
export const MAX_RECENT_DOCUMENTS = 30;

export function parseRecentDocuments(raw: string | null): RecentDocument[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const documents: RecentDocument[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, title, openedAt, token } = item as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) continue;
    documents.push({
      id,
      title: typeof title === 'string' ? title : '',
      openedAt: typeof openedAt === 'number' && Number.isFinite(openedAt) ? openedAt : 0,
      token: typeof token === 'string' && token.length > 0 ? token : null,
    });
  }
  return documents.sort((a, b) => b.openedAt - a.openedAt);
}

/** Records a visit (or a new title) for `id`, newest first, bounded in length. */
export function rememberDocument(documents: readonly RecentDocument[], entry: DocumentVisit): RecentDocument[] {
  const previous = documents.find((doc) => doc.id === entry.id);
  const updated: RecentDocument = {
    id: entry.id,
    title: entry.title ?? previous?.title ?? '',
    openedAt: entry.openedAt,
    token: strongerToken(entry.token ?? null, previous?.token ?? null),
  };
  return [updated, ...documents.filter((doc) => doc.id !== entry.id)].slice(0, MAX_RECENT_DOCUMENTS);
}

/**
 * The token of the higher role; on a tie the newer one (a link made again replaces the old). A
 * token this version cannot read ranks lowest: it is kept only when there is nothing else.
 */
function strongerToken(newer: string | null, older: string | null): string | null {
  if (newer === null || older === null) return newer ?? older;
  return rank(older) > rank(newer) ? older : newer;
}

function rank(token: string): number {
  const role = parseToken(token)?.role;
  return role === undefined ? -1 : ROLES.indexOf(role);
}

export function loadRecentDocuments(storage: Storage): RecentDocument[] {
  try {
    return parseRecentDocuments(storage.getItem(RECENT_DOCUMENTS_KEY));
  } catch {
    return [];
  }
}

export function saveRecentDocument(storage: Storage, entry: DocumentVisit): void {
  try {
    storage.setItem(RECENT_DOCUMENTS_KEY, JSON.stringify(rememberDocument(loadRecentDocuments(storage), entry)));
  } catch {
    // Storage may be full or disabled (private mode); the list is a convenience, not data.
  }
}
