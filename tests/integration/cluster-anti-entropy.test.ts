/**
 * Anti-entropy between nodes (cluster/state-digest.ts): a divergence that no entry announces, of any
 * cause, heals within about one digest period. Two relays in this process against a real Redis,
 * each holding its own copy of a document; the divergence is made by changing one copy without
 * publishing the change, as if its entry had vanished without a trace.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StreamRelay } from '../../sync-server/cluster/stream-relay';
import { createLogger } from '../../sync-server/logger';
import { documentDigest, type DocumentChannel, type RelayedDocument, type StateDigest } from '../../sync-server/cluster/relayed-document';
import { waitFor } from '../helpers/poll';
import { RedisServer } from '../helpers/redis';

let redis: RedisServer;
const relays: StreamRelay[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
}, 30_000);

afterAll(async () => {
  await redis?.destroy();
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
});

const UNPUBLISHED = Symbol('unpublished');

/** A node's copy of one document: a Y.Doc whose own edits go to the stream, as a room's do. */
class NodeCopy implements RelayedDocument {
  readonly doc = new Y.Doc();
  private channel: DocumentChannel | null = null;
  private seq = 0;

  constructor() {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === null) this.channel?.publishUpdate(update, null, ++this.seq);
    });
  }

  open(relay: StreamRelay, name: string): this {
    this.channel = relay.open(name, this);
    // Everything counts as stored at once: nothing is held unconfirmed for long.
    this.doc.on('update', () => this.channel?.confirmStored(this.seq));
    return this;
  }

  get text(): string {
    return this.doc.getText('t').toString();
  }

  applyRemoteUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, 'remote');
  }
  applyRemotePresence(): void {}
  diffFor(stateVector: Uint8Array): Uint8Array | null {
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }
  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }
  digest(): StateDigest {
    return documentDigest(this.doc);
  }
  keepRelayed(): void {}
}

async function startRelay(): Promise<StreamRelay> {
  const relay = new StreamRelay(redis.url, { logger: createLogger('error') });
  relays.push(relay);
  await relay.start();
  return relay;
}

describe('cluster mode: anti-entropy', { timeout: 30_000 }, () => {
  it('heals content one node has and never published, and a deletion it never published, within about one period', async () => {
    const [first, second] = [await startRelay(), await startRelay()];
    const a = new NodeCopy().open(first, 'drift');
    const b = new NodeCopy().open(second, 'drift');
    a.doc.getText('t').insert(0, 'shared text');
    await waitFor(() => b.text === 'shared text', { what: 'the published edit to reach B' });

    // B gains text that no entry carries: only the digests can show A lacks it.
    const lost = new Y.Doc();
    Y.applyUpdate(lost, Y.encodeStateAsUpdate(b.doc));
    lost.getText('t').insert(0, '[never relayed] ');
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(lost, Y.encodeStateVector(b.doc)), UNPUBLISHED);
    let started = performance.now();
    await waitFor(() => a.text === '[never relayed] shared text', { what: 'A to get what only B had', timeoutMs: 10_000 });
    const contentSeconds = (performance.now() - started) / 1000;

    // A deletion adds no struct: state vectors stay equal, the delete-set hashes differ.
    b.doc.transact(() => b.doc.getText('t').delete(0, '[never relayed] '.length), UNPUBLISHED);
    started = performance.now();
    await waitFor(() => a.text === 'shared text', { what: 'A to get a deletion only B had', timeoutMs: 10_000 });
    const deletionSeconds = (performance.now() - started) / 1000;
    console.log(`anti-entropy: missing content healed in ${contentSeconds.toFixed(2)} s, a missing deletion in ${deletionSeconds.toFixed(2)} s`);
    // One digest period is 3 s, ±20 %; one round trip more.
    expect(Math.max(contentSeconds, deletionSeconds)).toBeLessThan(5);
    expect(first.health().digestMismatches).toBeGreaterThanOrEqual(2);
    expect(b.text).toBe('shared text');
  });
});
