/**
 * The sync server's version history, asked with the page's own share token: the list, one
 * version's content, naming the current state and restoring a version. Every way a request can go
 * wrong ends in a VersionHistoryError whose message a person can act on (the panel shows it with a
 * retry); a server that does not answer ends in one too, after `timeoutMs`.
 */
import type { JSONContent } from '@tiptap/core';
import type { PortableDocument } from '../../editor/document-export';
import { fetchWithin, FetchWithinError, type Fetch } from '../page/fetch-within';

export type VersionKind = 'auto' | 'named' | 'before-restore' | 'restore';

export interface VersionAuthor {
  readonly name: string;
  /** Null for actors without a presence colour, such as the document API. */
  readonly color: string | null;
}

export interface VersionSummary {
  readonly id: number;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly kind: VersionKind;
  readonly name: string | null;
  readonly authors: readonly VersionAuthor[];
  readonly restoredFrom: number | null;
}

export interface RestoreResult {
  /** The version holding what was there just before the restore: restoring it undoes the restore. */
  readonly before: VersionSummary;
  readonly restored: VersionSummary;
}

export type VersionHistoryProblem = 'unreachable' | 'timeout' | 'forbidden' | 'not-found' | 'rejected' | 'server';

export class VersionHistoryError extends Error {
  override readonly name = 'VersionHistoryError';
  constructor(
    readonly problem: VersionHistoryProblem,
    message: string,
  ) {
    super(message);
  }
}

export const VERSION_HISTORY_TIMEOUT_MS = 10_000;

export interface VersionHistoryClientOptions {
  /** The sync server's HTTP base, e.g. http://host:1234 (see sync-url.ts). */
  readonly httpBase: string;
  readonly docId: string;
  /** The share token; null in open mode (AUTH=off), where no Authorization header is needed. */
  readonly token: string | null;
  /** Who names and restores, as this person appears in presence: versions credit them. */
  readonly author?: { readonly name: string; readonly color: string } | null;
  readonly fetchImpl?: Fetch;
  readonly timeoutMs?: number;
}

export class VersionHistoryClient {
  private readonly fetchImpl: Fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: VersionHistoryClientOptions) {
    // Bound: a bare `fetch` called as a method of another object throws "Illegal invocation".
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? VERSION_HISTORY_TIMEOUT_MS;
  }

  /** Newest first. */
  async list(): Promise<VersionSummary[]> {
    const body = await this.request('GET', '/versions', 'the version list');
    const versions = isRecord(body) && Array.isArray(body['versions']) ? body['versions'] : null;
    if (versions === null) throw malformed();
    return versions.map(parseVersion);
  }

  async content(versionId: number): Promise<PortableDocument> {
    const body = await this.request('GET', `/versions/${versionId}?format=json`, `version ${versionId}`);
    if (!isRecord(body) || typeof body['title'] !== 'string' || !isRecord(body['content'])) throw malformed();
    // The shape inside is the schema's business: the preview reads it through ProseMirror's schema.
    return { title: body['title'], content: body['content'] as JSONContent };
  }

  async name(name: string): Promise<VersionSummary> {
    return parseVersion(await this.request('POST', '/versions', 'the version list', JSON.stringify({ name, ...this.authorField() })));
  }

  async restore(versionId: number): Promise<RestoreResult> {
    const body = await this.request('POST', `/versions/${versionId}/restore`, `version ${versionId}`, JSON.stringify(this.authorField()));
    if (!isRecord(body)) throw malformed();
    return { before: parseVersion(body['before']), restored: parseVersion(body['restored']) };
  }

  private authorField(): { author?: { name: string; color: string } } {
    const author = this.options.author;
    return author ? { author: { name: author.name, color: author.color } } : {};
  }

  private async request(method: 'GET' | 'POST', path: string, what: string, body?: string): Promise<unknown> {
    const { httpBase, docId, token } = this.options;
    const headers: Record<string, string> = {};
    if (token !== null) headers['Authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      const url = `${httpBase}/docs/${encodeURIComponent(docId)}${path}`;
      response = await fetchWithin(this.fetchImpl, url, { method, headers, ...(body !== undefined ? { body } : {}) }, this.timeoutMs);
    } catch (error) {
      if (error instanceof FetchWithinError) throw new VersionHistoryError(error.kind, error.message);
      throw error;
    }
    if (!response.ok) throw await refusal(response, what);
    try {
      return (await response.json()) as unknown;
    } catch {
      throw malformed();
    }
  }
}

async function refusal(response: Response, what: string): Promise<VersionHistoryError> {
  const body: unknown = await response.json().catch(() => null);
  const reason = isRecord(body) && typeof body['error'] === 'string' ? body['error'] : null;
  const code = isRecord(body) && typeof body['code'] === 'string' ? body['code'] : null;
  switch (response.status) {
    case 401:
    case 403:
      return new VersionHistoryError('forbidden', 'Version history needs an edit link; this link does not allow it.');
    case 404:
      return new VersionHistoryError(
        'not-found',
        code === 'history_off' ? 'Version history is turned off on this server.' : `The server no longer has ${what}.`,
      );
    default:
      return response.status >= 500
        ? new VersionHistoryError('server', `The sync server could not do that (${response.status}).`)
        : new VersionHistoryError('rejected', reason ?? `The sync server refused the request (${response.status}).`);
  }
}

function malformed(): VersionHistoryError {
  return new VersionHistoryError('server', 'The sync server sent an answer the page does not understand.');
}

const kinds: readonly VersionKind[] = ['auto', 'named', 'before-restore', 'restore'];

function parseVersion(value: unknown): VersionSummary {
  if (!isRecord(value)) throw malformed();
  const { id, createdAt, kind, name, authors, restoredFrom } = value;
  if (typeof id !== 'number' || typeof createdAt !== 'string' || !kinds.includes(kind as VersionKind)) throw malformed();
  return {
    id,
    createdAt,
    kind: kind as VersionKind,
    name: typeof name === 'string' ? name : null,
    authors: Array.isArray(authors) ? authors.filter(isAuthor).map((a) => ({ name: a.name, color: typeof a.color === 'string' ? a.color : null })) : [],
    restoredFrom: typeof restoredFrom === 'number' ? restoredFrom : null,
  };
}

function isAuthor(value: unknown): value is { name: string; color?: unknown } {
  return isRecord(value) && typeof value['name'] === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
