/**
 * The home page's "recently opened" list, kept in this browser only. Parsing is defensive: the
 * stored value is user-controlled and may come from an older version of the app.
 */
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
    token: entry.token ?? previous?.token ?? null,
  };
  return [updated, ...documents.filter((doc) => doc.id !== entry.id)].slice(0, MAX_RECENT_DOCUMENTS);
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
