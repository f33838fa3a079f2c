/**
 * The refusal of a read-only connection's edits: not applied, told once, logged once per connection
 * with its document, role and link (never a token), and every refusal counted in a metric.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeMessage } from '../../lib/protocol/messages';
import { ServerMetrics } from '../../sync-server/metrics';
import { WritePermission, type ConnectionGrant, type Permission } from '../../sync-server/room/permissions';

class Sender {
  readonly sent: Uint8Array[] = [];
  constructor(
    readonly permission: Permission,
    readonly grant: ConnectionGrant | null,
  ) {}
  send(message: Uint8Array): void {
    this.sent.push(message);
  }
}

function anEdit(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

async function refusals(metrics: ServerMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.refusedUpdates.get();
  return Object.fromEntries(values.map((value) => [String(value.labels.role), value.value]));
}

describe('the write permission of a connection', () => {
  it('refuses a read-only edit: told and logged once per connection, counted every time', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new ServerMetrics();
    const permission = new WritePermission('doc-1', { logger, metrics });
    const commenter = new Sender('read', { role: 'comment', linkId: 'L'.repeat(22) });
    const viewer = new Sender('read', { role: 'view', linkId: null });
    const editor = new Sender('write', { role: 'edit', linkId: 'E'.repeat(22) });

    const held = new Y.Doc();
    expect(permission.allows(commenter, anEdit('one'), held)).toBe(false);
    expect(permission.allows(commenter, anEdit('two'), held)).toBe(false);
    expect(permission.allows(commenter, Y.encodeStateAsUpdate(new Y.Doc()), held)).toBe(false); // a sync's empty update: no edit
    expect(permission.allows(viewer, anEdit('three'), held)).toBe(false);
    expect(permission.allows(editor, anEdit('four'), held)).toBe(true);

    expect(commenter.sent.map((message) => decodeMessage(message))).toEqual([{ type: 'permission-denied', reason: 'read-only access: edits are not accepted' }]);
    expect(viewer.sent).toHaveLength(1);
    expect(editor.sent).toEqual([]);
    expect(logs.map(({ level, doc, role, link, msg }) => ({ level, doc, role, link, msg }))).toEqual([
      { level: 30, doc: 'doc-1', role: 'comment', link: 'L'.repeat(22), msg: 'edit of a read-only connection refused' },
      { level: 30, doc: 'doc-1', role: 'view', link: null, msg: 'edit of a read-only connection refused' },
    ]);
    expect(await refusals(metrics)).toEqual({ comment: 2, view: 1 });
    expect(await metrics.registry.metrics()).toContain('tandem_refused_updates_total{role="comment"} 2');
  });

  it('takes a read-only page sending back what the server already holds (its offline copy, on load) for no edit', async () => {
    const logs: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const metrics = new ServerMetrics();
    const permission = new WritePermission('doc-1', { logger, metrics });
    const held = new Y.Doc();
    held.getText('t').insert(0, 'hello world');
    held.getText('t').delete(0, 6);
    const copy = Y.encodeStateAsUpdate(held);
    const commenter = new Sender('read', { role: 'comment', linkId: null });

    expect(permission.allows(commenter, copy, held)).toBe(false);
    expect(commenter.sent).toEqual([]);
    expect(logs).toEqual([]);
    expect(await refusals(metrics)).toEqual({});

    // What is new is an edit, refused as ever: a deletion of held text as much as new text.
    const deletion = new Y.Doc();
    Y.applyUpdate(deletion, copy);
    deletion.getText('t').delete(0, 1);
    const deletes = Y.encodeStateAsUpdate(deletion, Y.encodeStateVector(held));
    expect(permission.allows(commenter, deletes, held)).toBe(false);
    expect(commenter.sent).toHaveLength(1);
    expect(logs).toHaveLength(1);
    expect(await refusals(metrics)).toEqual({ comment: 1 });
  });
});
