/**
 * The access check of version 2 tokens against their link records, and the watch that ends a
 * link's open connections, over the in-memory store and a manual clock (no sockets, no sleeps).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../lib/protocol/close-codes';
import { LinkWatch } from '../../sync-server/auth/link-watch';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import type { ShareLinkRecord } from '../../sync-server/storage/share-link-store';
import { accessPolicyFixture, grantOf, RecordingHolder } from '../helpers/access-policy-fixture';

const logger = pino({ level: 'silent' });

/** The real memory store, counting the record lookups it answers. */
class CountingStore extends MemoryDocumentStore {
  lookups = 0;
  override getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    this.lookups++;
    return super.getLink(docName, linkId);
  }
}

function setUp() {
  return accessPolicyFixture(new CountingStore());
}

describe('the access check of link records', () => {
  it('admits each role of a new document with its permission, and version 1 tokens on their signature', async () => {
    const { access } = setUp();
    const doc = await access.createDocument();
    expect(await access.decide(doc.id, doc.ownerToken!)).toMatchObject({ granted: true, permission: 'write', grant: { role: 'owner', version: 2 } });
    expect(await access.decide(doc.id, doc.editToken)).toMatchObject({ granted: true, permission: 'write', grant: { role: 'edit' } });
    expect(await access.decide(doc.id, doc.viewToken)).toMatchObject({ granted: true, permission: 'read', grant: { role: 'view' } });
    const legacy = access.newDocument();
    expect(await access.decide(legacy.id, legacy.editToken)).toMatchObject({ granted: true, grant: { role: 'edit', version: 1, linkId: null } });
  });

  it('refuses a forged or altered token without a lookup, and as unauthenticated', async () => {
    const { access, store } = setUp();
    const doc = await access.createDocument();
    const altered = doc.editToken.slice(0, 10) + (doc.editToken[10] === 'A' ? 'B' : 'A') + doc.editToken.slice(11);
    store.lookups = 0;
    for (const token of [altered, 'x'.repeat(75), doc.editToken.slice(1)]) {
      expect(await access.decide(doc.id, token)).toMatchObject({ granted: false, closeCode: CloseCode.Forbidden, unauthenticated: true });
    }
    expect(await access.decide('another-document', doc.editToken)).toMatchObject({ granted: false, unauthenticated: true });
    expect(await access.decide(doc.id, null)).toMatchObject({ granted: false, closeCode: CloseCode.Unauthorized, unauthenticated: true });
    expect(store.lookups).toBe(0);
  });

  it('refuses a revoked link once its cache entry is dropped, and an expired one at the request time', async () => {
    const { access, store, records, scheduler } = setUp();
    const doc = await access.createDocument();
    const record = await access.createRecord(doc.id, 'edit', 'Guest', scheduler.now() + 10_000);
    const token = access.tokenOf(doc.id, record);
    expect((await access.decide(doc.id, token)).granted).toBe(true);
    expect((await access.decide(doc.id, token)).granted).toBe(true);
    expect(store.lookups).toBe(1); // the second from the cache
    await store.revokeLink(doc.id, record.id, scheduler.now());
    records.invalidate(doc.id, record.id);
    expect(await access.decide(doc.id, token)).toMatchObject({ granted: false, reason: 'this link was revoked', unauthenticated: false });

    const short = await access.createRecord(doc.id, 'view', '', scheduler.now() + 3_000);
    const shortToken = access.tokenOf(doc.id, short);
    expect((await access.decide(doc.id, shortToken)).granted).toBe(true);
    scheduler.advance(3_000);
    expect(await access.decide(doc.id, shortToken)).toMatchObject({ granted: false, reason: 'this link has expired' });
  });

  it('hands on the default links of the holder’s role or below, and none that was revoked', async () => {
    const { access, store, scheduler } = setUp();
    const doc = await access.createDocument();
    const owner = grantOf(await access.decide(doc.id, doc.ownerToken!));
    const viewer = grantOf(await access.decide(doc.id, doc.viewToken));
    const commenter = grantOf(await access.decide(doc.id, doc.commentToken!));
    const { editToken, commentToken, viewToken } = doc;
    expect(await access.shareTokens(doc.id, owner)).toEqual({ id: doc.id, editToken, commentToken, viewToken });
    expect(await access.shareTokens(doc.id, commenter)).toEqual({ id: doc.id, commentToken, viewToken });
    expect(await access.shareTokens(doc.id, viewer)).toEqual({ id: doc.id, viewToken });
    const edit = (await store.listLinks(doc.id)).find((record) => record.role === 'edit')!;
    await store.revokeLink(doc.id, edit.id, scheduler.now());
    expect(await access.shareTokens(doc.id, owner)).toEqual({ id: doc.id, commentToken, viewToken });
  });
});

describe('the watch over a link’s open connections', () => {
  async function watched() {
    const context = setUp();
    const watch = new LinkWatch({ scheduler: context.scheduler, logger, records: context.records, expiryCheckMs: 1_000, recheckMs: 30_000 });
    const doc = await context.access.createDocument();
    const admit = async (token: string) => {
      const holder = new RecordingHolder();
      watch.track(holder, doc.id, grantOf(await context.access.decide(doc.id, token)));
      return holder;
    };
    return { ...context, watch, doc, admit };
  }

  it('a revocation closes that link’s connections only, and one admitted just after it', async () => {
    const { access, watch, doc, admit, scheduler } = await watched();
    const guest = await access.createRecord(doc.id, 'edit', 'Guest', null);
    const guestToken = access.tokenOf(doc.id, guest);
    const [first, second, other, legacy] = [await admit(guestToken), await admit(guestToken), await admit(doc.editToken), new RecordingHolder()];
    watch.track(legacy, doc.id, { role: 'edit', version: 1, linkId: null, expiresAt: null });
    watch.revoked(doc.id, guest.id);
    expect(first.closed).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    expect(second.closed).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    expect(other.closed).toBeNull();
    expect(legacy.closed).toBeNull();
    // Admitted by a lookup that began before the revocation.
    const late = new RecordingHolder();
    watch.track(late, doc.id, { role: 'edit', version: 2, linkId: guest.id, expiresAt: null });
    expect(late.closed?.reason).toBe('this link was revoked');
    scheduler.advance(120_000);
    watch.stop();
  });

  it('an expiry closes the link’s connections within a second of its time', async () => {
    const { access, watch, doc, admit, scheduler } = await watched();
    const record = await access.createRecord(doc.id, 'view', '', scheduler.now() + 2_500);
    const holder = await admit(access.tokenOf(doc.id, record));
    const other = await admit(doc.viewToken);
    scheduler.advance(2_499);
    expect(holder.closed).toBeNull();
    scheduler.advance(1_000);
    expect(holder.closed).toEqual({ code: CloseCode.Forbidden, reason: 'this link has expired' });
    expect(other.closed).toBeNull();
    watch.stop();
  });

  it('the periodic re-check closes a link revoked in the store without a word to this node', async () => {
    const { access, watch, doc, admit, scheduler, store } = await watched();
    const record = await access.createRecord(doc.id, 'edit', 'Elsewhere', null);
    const holder = await admit(access.tokenOf(doc.id, record));
    const other = await admit(doc.editToken);
    await store.revokeLink(doc.id, record.id, scheduler.now());
    scheduler.advance(29_999);
    await scheduler.settle();
    expect(holder.closed).toBeNull();
    scheduler.advance(1);
    await scheduler.settle();
    expect(holder.closed).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    expect(other.closed).toBeNull();
    expect(watch.watchedLinks).toBe(1);
    watch.stop();
  });
});
