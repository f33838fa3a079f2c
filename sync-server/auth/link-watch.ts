/**
 * The open connections of each version 2 link, so that a link's end reaches them: a revocation
 * (here, or announced by another node) closes them at once, an expiry within a second of its
 * time, and a periodic re-check from the store closes those of links revoked on a node whose
 * message never arrived. Connections of other links are never touched.
 */
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { Logger } from '../logger';
import type { Scheduler, TimerHandle } from '../scheduler';
import { EXPIRED_REASON, recordRefusal, REVOKED_REASON, type LinkGrant } from './access-policy';
import type { LinkRecords } from './link-records';

/** What a watched connection must offer: a close from the server side. */
export interface LinkHolder {
  close(code: CloseCode, reason: string): void;
}

interface WatchedLink {
  readonly docName: string;
  readonly linkId: string;
  readonly role: LinkGrant['role'];
  expiresAt: number | null;
  readonly holders: Set<LinkHolder>;
}

export interface LinkWatchOptions {
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly records: LinkRecords;
  /** How often expiries are checked (ms); an expired link's connections close within this of its time. */
  readonly expiryCheckMs?: number;
  /** How often every watched link is read again from the store (ms). */
  readonly recheckMs?: number;
}

const RECENT_REVOCATION_MS = 60_000;

export class LinkWatch {
  private readonly links = new Map<string, WatchedLink>();
  private readonly linkOf = new Map<LinkHolder, WatchedLink>();
  /**
   * Links revoked here lately, and when: a connection whose lookup began before the revocation and
   * ended after it is admitted with the old record, and is closed as it arrives instead.
   */
  private readonly recentlyRevoked = new Map<string, number>();
  private readonly expiryTimer: TimerHandle;
  private readonly recheckTimer: TimerHandle;
  private rechecking = false;

  constructor(private readonly options: LinkWatchOptions) {
    this.expiryTimer = options.scheduler.setInterval(() => this.closeExpired(), options.expiryCheckMs ?? 1_000);
    this.recheckTimer = options.scheduler.setInterval(() => void this.recheck(), options.recheckMs ?? 30_000);
  }

  get watchedLinks(): number {
    return this.links.size;
  }

  /**
   * Watches `holder`, admitted by `grant` to `docName`; a version 1 grant has no record to watch. A
   * connection to a document's comments is watched under its text document, whose link admitted it:
   * revoking or expiring that link closes both.
   */
  track(holder: LinkHolder, connectedTo: string, grant: LinkGrant): void {
    if (grant.linkId === null) return;
    const docName = commentedDocumentOf(connectedTo) ?? connectedTo;
    const key = linkKey(docName, grant.linkId);
    if (this.recentlyRevoked.has(key)) {
      holder.close(CloseCode.Forbidden, REVOKED_REASON);
      return;
    }
    let link = this.links.get(key);
    if (link === undefined) {
      link = { docName, linkId: grant.linkId, role: grant.role, expiresAt: grant.expiresAt, holders: new Set() };
      this.links.set(key, link);
    }
    link.holders.add(holder);
    this.linkOf.set(holder, link);
  }

  untrack(holder: LinkHolder): void {
    const link = this.linkOf.get(holder);
    if (link === undefined) return;
    this.linkOf.delete(holder);
    link.holders.delete(holder);
    if (link.holders.size === 0) this.links.delete(linkKey(link.docName, link.linkId));
  }

  /** The link was revoked (here or on another node): its record is read again, its connections closed. */
  revoked(docName: string, linkId: string): void {
    this.options.records.invalidate(docName, linkId);
    this.recentlyRevoked.set(linkKey(docName, linkId), this.options.scheduler.now());
    const link = this.links.get(linkKey(docName, linkId));
    if (link !== undefined) this.end(link, REVOKED_REASON);
  }

  stop(): void {
    this.expiryTimer.cancel();
    this.recheckTimer.cancel();
  }

  private closeExpired(): void {
    const now = this.options.scheduler.now();
    // Any lookup under way at a revocation has ended long before this: a later one sees the record.
    for (const [key, at] of this.recentlyRevoked) if (now - at > RECENT_REVOCATION_MS) this.recentlyRevoked.delete(key);
    for (const link of [...this.links.values()]) {
      if (link.expiresAt !== null && link.expiresAt <= now) this.end(link, EXPIRED_REASON);
    }
  }

  /** Reads every watched link from the store, past the cache; one pass at a time. */
  private async recheck(): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      for (const link of [...this.links.values()]) {
        let refusal: string | null;
        try {
          const record = await this.options.records.get(link.docName, link.linkId, { fresh: true });
          refusal = recordRefusal(record, link.role, this.options.scheduler.now());
          if (record !== null) link.expiresAt = record.expiresAt;
        } catch (error) {
          // The store cannot answer now: the connections stay, and the next pass asks again.
          this.options.logger.warn({ err: error, doc: link.docName }, 'share link re-check failed');
          continue;
        }
        if (refusal !== null && this.links.get(linkKey(link.docName, link.linkId)) === link) this.end(link, refusal);
      }
    } finally {
      this.rechecking = false;
    }
  }

  private end(link: WatchedLink, reason: string): void {
    this.links.delete(linkKey(link.docName, link.linkId));
    this.options.logger.info({ doc: link.docName, link: link.linkId, connections: link.holders.size, reason }, 'closing the connections of a share link');
    for (const holder of [...link.holders]) {
      this.linkOf.delete(holder);
      holder.close(CloseCode.Forbidden, reason);
    }
    link.holders.clear();
  }
}

function linkKey(docName: string, linkId: string): string {
  return `${linkId}\u0000${docName}`;
}
