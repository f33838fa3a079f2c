/** Version writes in cluster mode carry the historian token this node holds (memory store, leases in this process). */
import { describe, expect, it } from 'vitest';
import { FencedVersionsStore } from '../../sync-server/cluster/fenced-versions';
import type { StoredVersion } from '../../sync-server/storage/document-store';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { VersionsFencedOut } from '../../sync-server/storage/shared-document-store';
import { MemoryLeaseTable } from '../helpers/memory-lease';

function version(id: number): StoredVersion {
  return {
    id,
    meta: { createdAt: id, kind: 'auto', name: null, authors: [], restoredFrom: null, encoding: 'full' },
    update: new Uint8Array([id]),
  };
}

describe('fenced version writes', () => {
  it('writes while this node holds the historian lease, and refuses without it', async () => {
    const store = new MemoryDocumentStore();
    const leases = new MemoryLeaseTable();
    const lease = leases.lease('a');
    const node = new FencedVersionsStore(store, lease);
    await expect(node.writeVersions('doc', { put: [version(1)], remove: [] })).rejects.toBeInstanceOf(VersionsFencedOut);
    expect(await lease.acquire('doc')).toBe(1);
    // The same holder writes several times under one token (a restore writes two versions).
    await node.writeVersions('doc', { put: [version(1)], remove: [] });
    await node.writeVersions('doc', { put: [version(2)], remove: [] });
    await lease.release('doc');
    await expect(node.writeVersions('doc', { put: [version(3)], remove: [] })).rejects.toBeInstanceOf(VersionsFencedOut);
    expect((await node.listVersions('doc')).map((v) => v.id)).toEqual([1, 2]);
  });

  it('writes nothing for a node that stalled past its lease once another node has written under a newer one', async () => {
    const store = new MemoryDocumentStore();
    const leases = new MemoryLeaseTable();
    const stalled = leases.lease('stalled');
    const next = leases.lease('next');
    expect(await stalled.acquire('doc')).toBe(1);
    leases.expire('doc');
    expect(await next.acquire('doc')).toBe(2);
    await new FencedVersionsStore(store, next).writeVersions('doc', { put: [version(1)], remove: [] });
    await expect(new FencedVersionsStore(store, stalled).writeVersions('doc', { put: [version(2)], remove: [1] })).rejects.toBeInstanceOf(
      VersionsFencedOut,
    );
    expect((await store.listVersions('doc')).map((v) => v.id)).toEqual([1]);
  });

  it('passes everything else to the shared store as it is', async () => {
    const store = new MemoryDocumentStore();
    const node = new FencedVersionsStore(store, new MemoryLeaseTable().lease('a'));
    expect(node.kind).toBe('memory');
    await node.append([{ docName: 'doc', update: new Uint8Array([1]) }]);
    await node.compact('doc', new Uint8Array([2]));
    expect(await store.load('doc')).toEqual({ snapshot: new Uint8Array([2]), log: [] });
    expect(await node.listDocuments()).toEqual(['doc']);
  });
});
