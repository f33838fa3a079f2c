/**
 * The behaviour every ShareLinkStore must have, run inside the DocumentStore contract
 * (document-store.contract.ts) against each store it opens.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { StorageError, type DocumentStore } from '../../sync-server/storage/document-store';
import {
  isShareLinkStore,
  newShareLinkId,
  ShareLinkRejected,
  type ShareLinkRecord,
  type ShareLinkStore,
} from '../../sync-server/storage/share-link-store';

export type ContractStore = DocumentStore & ShareLinkStore;

export interface ShareLinkContractContext {
  /** The store of the running test (changes when the test reopens it). */
  readonly store: () => ContractStore;
  /** Closes the store and opens another over the same data, or skips the test. */
  readonly closeAndReopen: (context: TestContext) => Promise<ContractStore>;
}

/** Fixed ids, so a failing comparison names them; the shape newShareLinkId makes. */
const ID_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const ID_B = 'BBBBBBBBBBBBBBBBBBBBBB';
const ID_C = 'c-c_cccccccccccccccccc';

function link(id: string, overrides: Partial<ShareLinkRecord> = {}): ShareLinkRecord {
  return { id, name: 'For the reviewers', role: 'view', createdAt: 1_700_000_000_000, expiresAt: null, revokedAt: null, ...overrides };
}

export function runShareLinkContract(context: ShareLinkContractContext): void {
  describe('share links', () => {
    it('is reachable from the document store', () => {
      expect(isShareLinkStore(context.store())).toBe(true);
      expect(newShareLinkId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    it('creates links and lists them newest first, ties in id order', async () => {
      const store = context.store();
      expect(await store.listLinks('doc')).toEqual([]);
      const oldest = link(ID_B, { createdAt: 1_000, role: 'edit' });
      const newest = link(ID_A, { createdAt: 3_000, role: 'owner', expiresAt: 9_000 });
      const sameTimeB = link(ID_B.toLowerCase(), { createdAt: 2_000 });
      const sameTimeA = link(ID_C, { createdAt: 2_000 });
      for (const record of [oldest, sameTimeB, newest, sameTimeA]) await store.createLink('doc', record);

      expect(await store.listLinks('doc')).toEqual([newest, sameTimeB, sameTimeA, oldest]);
      // Links alone do not make a document.
      expect(await store.listDocuments()).toEqual([]);
    });

    it('gets a link by id, and null for an unknown id or document', async () => {
      const store = context.store();
      const record = link(ID_A, { expiresAt: 1_700_000_360_000 });
      await store.createLink('doc', record);

      expect(await store.getLink('doc', ID_A)).toEqual(record);
      expect(await store.getLink('doc', ID_B)).toBeNull();
      expect(await store.getLink('other', ID_A)).toBeNull();
      expect(await store.getLink('doc', 'not an id\u0000/')).toBeNull();
    });

    it('round-trips names in any Unicode and null or number times exactly', async () => {
      const store = context.store();
      const names = ['', 'ü and u\u0308', 'こんにちは 😀', '\u0000 nul, tab\t, "quotes", \\', '%2F/..', 'x'.repeat(200), '😀'.repeat(200)];
      const records = names.map((name, index) =>
        link(`${String(index).padStart(2, '0')}${ID_A.slice(2)}`, { name, createdAt: 10 - index, expiresAt: index % 2 === 0 ? null : 0, revokedAt: index % 3 === 0 ? null : Number.MAX_SAFE_INTEGER }),
      );
      for (const record of records) await store.createLink('doc', record);

      expect(await store.listLinks('doc')).toEqual(records);
      for (const record of records) expect(await store.getLink('doc', record.id)).toEqual(record);
    });

    it('revokes once: a second revocation keeps the first time and still reports the link', async () => {
      const store = context.store();
      await store.createLink('doc', link(ID_A));
      await store.createLink('doc', link(ID_B));

      expect(await store.revokeLink('doc', ID_A, 5_000)).toBe(true);
      expect(await store.revokeLink('doc', ID_A, 6_000)).toBe(true);
      expect(await store.getLink('doc', ID_A)).toEqual(link(ID_A, { revokedAt: 5_000 }));
      expect(await store.getLink('doc', ID_B)).toEqual(link(ID_B));
      expect(await store.revokeLink('doc', ID_C, 5_000)).toBe(false);
      expect(await store.revokeLink('other', ID_A, 5_000)).toBe(false);
      expect(await store.getLink('other', ID_A)).toBeNull();
    });

    it('keeps the links of two documents apart, also under confusable names', async () => {
      const store = context.store();
      const names = ['a', 'a/b', 'a%2Fb', 'a/', '', 'ab'];
      for (const [index, docName] of names.entries()) await store.createLink(docName, link(ID_A, { name: `of ${docName}`, createdAt: index }));
      await store.revokeLink('a', ID_A, 7);

      for (const [index, docName] of names.entries()) {
        const expected = link(ID_A, { name: `of ${docName}`, createdAt: index, revokedAt: docName === 'a' ? 7 : null });
        expect(await store.listLinks(docName), docName).toEqual([expected]);
      }
    });

    it('deletes a document’s links with the document, and only its links', async () => {
      const store = context.store();
      await store.append([{ docName: 'doc', update: Uint8Array.of(1) }]);
      await store.createLink('doc', link(ID_A));
      await store.createLink('doc', link(ID_B));
      await store.createLink('doc/', link(ID_A));
      await store.createLink('links-only', link(ID_A));

      await store.delete('doc');
      await store.delete('links-only');

      expect(await store.listLinks('doc')).toEqual([]);
      expect(await store.getLink('doc', ID_A)).toBeNull();
      expect(await store.listLinks('links-only')).toEqual([]);
      expect(await store.listLinks('doc/')).toEqual([link(ID_A)]);
      // The id is free again for the document made anew under the same name.
      await store.createLink('doc', link(ID_A, { name: 'again' }));
      expect(await store.listLinks('doc')).toEqual([link(ID_A, { name: 'again' })]);
    });

    it('refuses a second link with an id the document has, and changes nothing', async () => {
      const store = context.store();
      await store.createLink('doc', link(ID_A));

      const duplicate = store.createLink('doc', link(ID_A, { name: 'other', role: 'owner', createdAt: 2 }));
      await expect(duplicate).rejects.toBeInstanceOf(ShareLinkRejected);
      await expect(duplicate).rejects.toThrow(/already exists/);
      expect(await store.listLinks('doc')).toEqual([link(ID_A)]);
      // The same id under another document is another link.
      await store.createLink('other', link(ID_A));
      // The store goes on working after the refusal.
      await store.createLink('doc', link(ID_B));
      expect((await store.listLinks('doc')).map((record) => record.id)).toEqual([ID_A, ID_B]);
    });

    it('lets exactly one of concurrent creates with one id win, and keeps one time of concurrent revocations', async () => {
      const store = context.store();
      const creates = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => store.createLink('doc', link(ID_A, { name: `try ${index}` }))));
      expect(creates.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of creates) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ShareLinkRejected);
      const [winner] = await store.listLinks('doc');
      expect(creates[Number(winner?.name.slice('try '.length))]?.status).toBe('fulfilled');

      const times = Array.from({ length: 8 }, (_, index) => 100 + index);
      expect(await Promise.all(times.map((at) => store.revokeLink('doc', ID_A, at)))).toEqual(times.map(() => true));
      const revokedAt = (await store.getLink('doc', ID_A))?.revokedAt;
      expect(times).toContain(revokedAt);
      expect(await store.revokeLink('doc', ID_A, 999)).toBe(true);
      expect((await store.getLink('doc', ID_A))?.revokedAt).toBe(revokedAt);
    });

    it('refuses a malformed record or revocation time, and changes nothing', async () => {
      const store = context.store();
      const malformed: ShareLinkRecord[] = [
        link('short'),
        link(`${ID_A.slice(1)}/`),
        link(ID_A, { name: 'x'.repeat(201) }),
        link(ID_A, { name: 'lone \ud800 surrogate' }),
        link(ID_A, { role: 'admin' as ShareLinkRecord['role'] }),
        link(ID_A, { createdAt: 1.5 }),
        link(ID_A, { createdAt: -1 }),
        link(ID_A, { expiresAt: Number.NaN }),
        link(ID_A, { revokedAt: undefined as unknown as null }),
      ];
      for (const record of malformed) {
        await expect(store.createLink('doc', record), JSON.stringify(record)).rejects.toBeInstanceOf(ShareLinkRejected);
      }
      expect(await store.listLinks('doc')).toEqual([]);

      await store.createLink('doc', link(ID_A));
      await expect(store.revokeLink('doc', ID_A, Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(ShareLinkRejected);
      expect(await store.getLink('doc', ID_A)).toEqual(link(ID_A));
    });

    it('stores exactly the record’s fields and copies them in and out', async () => {
      const store = context.store();
      const record = { ...link(ID_A), extra: 'not stored' };
      await store.createLink('doc', record);
      record.name = 'changed after';

      const read = await store.getLink('doc', ID_A);
      expect(read).toStrictEqual(link(ID_A));
      (read as { name: string }).name = 'changed by a reader';
      expect(await store.getLink('doc', ID_A)).toStrictEqual(link(ID_A));
    });

    it('keeps links, revoked or not, across close and reopen', async (testContext) => {
      const id = newShareLinkId();
      await context.store().createLink('doc', link(id, { name: 'Kept ✓', role: 'edit', expiresAt: 1_800_000_000_000 }));
      await context.store().createLink('doc', link(ID_A, { createdAt: 1 }));
      await context.store().revokeLink('doc', ID_A, 42);

      const reopened = await context.closeAndReopen(testContext);
      expect(await reopened.listLinks('doc')).toEqual([
        link(id, { name: 'Kept ✓', role: 'edit', expiresAt: 1_800_000_000_000 }),
        link(ID_A, { createdAt: 1, revokedAt: 42 }),
      ]);
      expect(await reopened.revokeLink('doc', ID_A, 43)).toBe(true);
      expect((await reopened.getLink('doc', ID_A))?.revokedAt).toBe(42);
    });

    it('rejects every link operation after close with a StorageError', async () => {
      const store = context.store();
      await store.close();

      const calls = [store.createLink('doc', link(ID_A)), store.listLinks('doc'), store.getLink('doc', ID_A), store.revokeLink('doc', ID_A, 1)];
      for (const call of calls) {
        await expect(call).rejects.toBeInstanceOf(StorageError);
        await expect(call).rejects.toThrow(/closed/);
      }
    });
  });
}
