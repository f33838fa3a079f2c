/**
 * The document API against a real server on 127.0.0.1, with stock y-websocket clients editing the
 * same documents: content in every format, writes that editors see live, versions, restore,
 * tokens on every route, and hostile input.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { JSONContent } from '@tiptap/core';
import type { WebsocketProvider } from 'y-websocket';
import { contentTools, readDocument, renderDocument } from '../../lib/editor/document-export';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  freePort,
  removeDir,
  roundTrip,
  spawnServer,
  waitForSync,
} from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

interface Created {
  id: string;
  editToken: string;
  viewToken: string;
}

const fixture = useServerPerTest();

async function start(env: Record<string, string> = {}): Promise<void> {
  await fixture.start({ AUTH: 'on', HISTORY_IDLE_MS: '300', MAX_API_BODY_BYTES: '4096', ...env });
}

async function newDocument(): Promise<Created> {
  const response = await fetch(`http://127.0.0.1:${fixture.server.port}/docs`, { method: 'POST' });
  return (await response.json()) as Created;
}

function api(path: string, init: { method?: string; token?: string; headers?: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
  return fetch(`http://127.0.0.1:${fixture.server.port}${path}`, { method: init.method ?? 'GET', headers, body: init.body });
}

function editor(created: Created, token = created.editToken, doc = new Y.Doc()): WebsocketProvider {
  const provider = connectClient(fixture.server.url, created.id, doc, { token });
  fixture.providers.push(provider);
  return provider;
}

function write(provider: WebsocketProvider, markdown: string): void {
  writeDocument(provider.doc, { title: provider.doc.getText('title').toString(), content: parseContent(markdown, 'markdown') }, 'local');
}

function markdownOf(doc: Y.Doc): string {
  return renderDocument(readDocument(doc), 'markdown');
}

describe('document API: content', () => {
  it('reads the content as JSON, HTML, Markdown and text, by ?format= or Accept, with an edit or a view token', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    ada.doc.getText('title').insert(0, 'Plan');
    write(ada, 'Hello **world**\n\n- one');
    const path = `/docs/${created.id}`;
    await waitFor(async () => (await (await api(`${path}?format=markdown`, { token: created.viewToken })).text()).includes('world'));

    const markdown = await api(`${path}?format=markdown`, { token: created.editToken });
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await markdown.text()).toBe('# Plan\n\nHello **world**\n\n- one');
    const html = await api(path, { token: created.viewToken, headers: { Accept: 'text/html' } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('<p>Hello <strong>world</strong></p><ul><li><p>one</p></li></ul>');
    expect(await (await api(`${path}?format=text`, { token: created.viewToken })).text()).toBe('Plan\n\nHello world\n\none\n');
    const json = (await (await api(path, { token: created.viewToken })).json()) as { title: string; content: { type: string } };
    expect(json.title).toBe('Plan');
    expect(json.content.type).toBe('doc');
  });

  it('refuses requests without a token (401) and with another document’s (403), sending none of the content', async () => {
    await start();
    const [created, other] = [await newDocument(), await newDocument()];
    const ada = editor(created);
    await waitForSync(ada);
    write(ada, 'secret text');
    await waitFor(async () => (await (await api(`/docs/${created.id}?format=text`, { token: created.editToken })).text()).includes('secret'));
    for (const [path, method] of [
      [`/docs/${created.id}`, 'GET'],
      [`/docs/${created.id}/versions`, 'GET'],
      [`/docs/${created.id}/versions`, 'POST'],
      [`/docs/${created.id}/versions/1`, 'GET'],
      [`/docs/${created.id}/versions/1/restore`, 'POST'],
      [`/docs/${created.id}/content`, 'POST'],
    ] as const) {
      const none = await api(path, { method });
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      expect(await none.text()).not.toContain('secret');
      const wrong = await api(path, { method, token: other.editToken });
      expect(wrong.status, `${method} ${path} with another document's token`).toBe(403);
      expect(await wrong.text()).not.toContain('secret');
    }
  });

  it('appends and replaces from Markdown and HTML as one change every connected editor sees at once', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    write(ada, 'first');
    const path = `/docs/${created.id}/content`;
    await waitFor(async () => (await (await api(`/docs/${created.id}?format=text`, { token: created.editToken })).text()).includes('first'));

    const appended = await api(path, { method: 'POST', token: created.editToken, headers: { 'Content-Type': 'text/markdown' }, body: '## Added\n\nby the API' });
    expect(appended.status).toBe(200);
    await waitFor(() => markdownOf(ada.doc) === 'first\n\n## Added\n\nby the API', { what: 'the editor to see the append' });

    const replaced = await api(`${path}?mode=replace`, {
      method: 'POST',
      token: created.editToken,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: '<p>Replaced <em>all</em></p><script>alert(1)</script>',
    });
    expect(replaced.status).toBe(200);
    await waitFor(() => markdownOf(ada.doc) === 'Replaced *all*', { what: 'the editor to see the replacement' });
  });

  it('refuses malformed writes with a clear 4xx and changes nothing', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    write(ada, 'untouched');
    const path = `/docs/${created.id}/content`;
    const token = created.editToken;
    const cases: Array<[string, Parameters<typeof api>[1], number, RegExp]> = [
      [path, { method: 'POST', token, headers: { 'Content-Type': 'application/pdf' }, body: 'x' }, 415, /Markdown/],
      [`${path}?mode=merge`, { method: 'POST', token, headers: { 'Content-Type': 'text/markdown' }, body: 'x' }, 400, /append or replace/],
      [path, { method: 'POST', token, headers: { 'Content-Type': 'text/markdown' }, body: 'x'.repeat(5000) }, 413, /larger than 4096/],
      [path, { method: 'POST', token, headers: { 'Content-Type': 'text/markdown' }, body: Uint8Array.from([0x61, 0xff, 0xfe]) }, 400, /UTF-8/],
      [path, { method: 'POST', token: created.viewToken, headers: { 'Content-Type': 'text/markdown' }, body: 'vandal' }, 403, /edit link/],
      [path, { method: 'GET', token }, 405, /method/],
      [`/docs/${created.id}?format=pdf`, { token }, 400, /format/],
      [`/docs/${created.id}/versions/abc`, { token }, 400, /version id/],
      [`/docs/${created.id}/versions/0`, { token }, 400, /version id/],
      [`/docs/${created.id}/versions/99`, { token }, 404, /no version 99/],
      [`/docs/${created.id}/versions`, { method: 'POST', token, body: '{"name": ""}' }, 400, /needs a name/],
      [`/docs/${created.id}/versions`, { method: 'POST', token, body: 'not json' }, 400, /JSON/],
      [`/docs/${created.id}/versions`, { method: 'POST', token, body: '{"name":"x","author":{"name":""}}' }, 400, /author.name/],
      [`/docs/${created.id}/versions`, { method: 'POST', token, body: '{"name":"x","author":{"name":"A","color":"red;"}}' }, 400, /author.color/],
      [`/docs/${created.id}/versions/1/restore`, { method: 'POST', token, body: '[1]' }, 400, /author/],
      [`/docs/%E0%A4%A/content`, { method: 'POST', token, body: 'x' }, 400, /URL segment/],
    ];
    for (const [target, init, status, message] of cases) {
      const response = await api(target, init);
      expect(response.status, `${init?.method ?? 'GET'} ${target}`).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    // Anything a refused request had changed would reach Ada before the answer to her ping.
    await roundTrip(ada);
    expect(markdownOf(ada.doc)).toBe('untouched');
    expect(await (await api(`/docs/${created.id}?format=markdown`, { token })).text()).toBe('untouched');
  });
});

/** The link targets in a Y.Doc as y-prosemirror stores them: a `link` attribute on formatted text. */
function linkTargetsIn(doc: Y.Doc): unknown[] {
  const targets: unknown[] = [];
  const visit = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText | Y.XmlHook): void => {
    if (node instanceof Y.XmlText) {
      for (const op of node.toDelta() as Array<{ attributes?: { link?: { href?: unknown } } }>) if (op.attributes?.link) targets.push(op.attributes.link.href);
    } else if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) {
      node.toArray().forEach(visit);
    }
  };
  visit(doc.getXmlFragment('content'));
  return targets;
}

/** Every link target a Markdown reader (TipTap's, on marked) finds in `markdown`. */
function markdownLinkTargets(markdown: string): unknown[] {
  const targets: unknown[] = [];
  const visit = (node: JSONContent): void => {
    for (const mark of node.marks ?? []) if (mark.type === 'link') targets.push(mark.attrs?.['href']);
    node.content?.forEach(visit);
  };
  visit(contentTools().markdown.parse(markdown));
  return targets;
}

/** What a stock Yjs client can write: one paragraph of words, each a link to any target at all. */
function writeLinksStraightIntoDoc(doc: Y.Doc, links: ReadonlyArray<readonly [string, string, string?]>): void {
  doc.transact(() => {
    const paragraph = new Y.XmlElement('paragraph');
    doc.getXmlFragment('content').insert(0, [paragraph]);
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    for (const [word, href, title] of links) {
      text.insert(text.length, word, { link: { href, title: title ?? null } });
      text.insert(text.length, ' ', { link: null });
    }
  });
}

/** Every export of the document and, when `versionId` is given, of that version: format → body. */
async function everyExport(created: Created, versionId?: number): Promise<Array<[string, string]>> {
  const exported: Array<[string, string]> = [];
  for (const format of ['json', 'html', 'markdown', 'text']) {
    exported.push([`content as ${format}`, await (await api(`/docs/${created.id}?format=${format}`, { token: created.editToken })).text()]);
    if (versionId !== undefined) {
      const path = `/docs/${created.id}/versions/${versionId}?format=${format}`;
      exported.push([`version as ${format}`, await (await api(path, { token: created.editToken })).text()]);
    }
  }
  return exported;
}

function expectNoRefusedTargets(exported: Array<[string, string]>, words: readonly string[]): void {
  for (const [what, body] of exported) {
    expect(body, what).not.toMatch(/alert|script:|data:|file:/i);
    for (const word of words) expect(body, `${what} keeps the text "${word}"`).toContain(word);
    if (!what.endsWith('text')) expect(body, `${what} keeps the allowed link`).toContain('https://ok.example/fine');
  }
}

describe('document API: link targets', () => {
  const refusedWords = ['one', 'two', 'three', 'four', 'five', 'six', 'seven'];

  it('drops links that run code from imported Markdown, keeps their text, and exports none of them', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    const markdown =
      '[one](javascript:alert(1)) [two](data:text/html,alert2) [three](&#106;avascript:alert(3)) [four](<JaVa\tScRiPt:alert(4)>) ' +
      '[five](%6Aavascript:alert(5)) [six](vbscript:alert(6)) [seven](file:///alert7) [nine](https://ok.example/fine) [ten](#top)';
    const written = await api(`/docs/${created.id}/content`, { method: 'POST', token: created.editToken, headers: { 'Content-Type': 'text/markdown' }, body: markdown });
    expect(written.status).toBe(200);
    await waitFor(() => markdownOf(ada.doc).includes('ten'), { what: 'the editor to see the import' });

    expect(linkTargetsIn(ada.doc)).toEqual(['https://ok.example/fine', '#top']);
    expectNoRefusedTargets(await everyExport(created), refusedWords);
  });

  it('drops links that run code from imported HTML, keeps their text, and exports none of them', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    const html =
      '<p><a href="javascript:alert(1)">one</a> <a href=" JaVa&#09;ScRiPt:alert(2)">two</a> <a href="&amp;#106;avascript:alert(3)">three</a> ' +
      '<a href="%6Aavascript:alert(4)">four</a> <a href="data:text/html,alert5">five</a> <a href="java&NewLine;script&colon;alert(6)">six</a> ' +
      '<a href="&#x6A;ava&#x09;script&#58;alert(7)">seven</a> <a href="https://ok.example/fine">nine</a></p>';
    const written = await api(`/docs/${created.id}/content?mode=replace`, { method: 'POST', token: created.editToken, headers: { 'Content-Type': 'text/html' }, body: html });
    expect(written.status).toBe(200);
    await waitFor(() => markdownOf(ada.doc).includes('nine'), { what: 'the editor to see the import' });

    expect(linkTargetsIn(ada.doc)).toEqual(['https://ok.example/fine']);
    expectNoRefusedTargets(await everyExport(created), refusedWords);
  });

  it('exports no link that runs code when a stock client wrote it straight into the Y.Doc, in the document or a version of it', async () => {
    await start();
    const created = await newDocument();
    const mallory = editor(created);
    await waitForSync(mallory);
    writeLinksStraightIntoDoc(mallory.doc, [
      ['one', 'javascript:alert(1)'],
      ['two', 'data:text/html,<script>alert(2)</script>'],
      ['three', '&#106;avascript:alert(3)'],
      ['four', ' JaVa\tScRiPt:alert(4)'],
      ['five', 'java\nscript:alert(5)'],
      ['six', 'vbscript:alert(6)'],
      ['seven', '%6Aavascript:alert(7)'],
      ['nine', 'https://ok.example/fine'],
    ]);
    await waitFor(async () => (await (await api(`/docs/${created.id}?format=text`, { token: created.editToken })).text()).includes('nine'), {
      what: 'the server to have the links',
    });
    const named = await api(`/docs/${created.id}/versions`, { method: 'POST', token: created.editToken, body: '{"name":"with links"}' });
    expect(named.status).toBe(201);
    const { id } = (await named.json()) as { id: number };

    expectNoRefusedTargets(await everyExport(created, id), refusedWords);
  });

  it('exports a Markdown link a stock client wrote as exactly that link, whatever its target and title hold', async () => {
    await start();
    const created = await newDocument();
    const mallory = editor(created);
    await waitForSync(mallory);
    writeLinksStraightIntoDoc(mallory.doc, [
      ['one', 'https://ok.example/) [p](javascript:alert(1)'],
      ['two', 'https://ok.example/two', '") [q](javascript:alert(2)'],
      ['three', 'https://ok.example/<x>\n\n[r](javascript:alert(3))'],
    ]);
    await waitFor(async () => (await (await api(`/docs/${created.id}?format=text`, { token: created.editToken })).text()).includes('three'), {
      what: 'the server to have the links',
    });

    const markdown = await (await api(`/docs/${created.id}?format=markdown`, { token: created.editToken })).text();
    expect(markdownLinkTargets(markdown)).toEqual([
      'https://ok.example/)%20[p](javascript:alert(1)', // the space as a browser sends it
      'https://ok.example/two',
      'https://ok.example/<x>%0A%0A[r](javascript:alert(3))',
    ]);
  });
});

describe('document API: versions', () => {
  it('lists versions as people edit, names one, and restores it live to a connected editor', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    ada.awareness.setLocalStateField('user', { name: 'Ada', color: '#d9480f' });
    write(ada, 'the good text');
    const versionsPath = `/docs/${created.id}/versions`;
    const list = async () =>
      ((await (await api(versionsPath, { token: created.editToken })).json()) as { versions: Array<{ id: number; kind: string; name: string | null; authors: unknown[] }> }).versions;
    await waitFor(async () => (await list()).length === 1, { what: 'an automatic version after the pause' });
    expect((await list())[0]!.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);

    const named = await api(versionsPath, {
      method: 'POST',
      token: created.editToken,
      body: JSON.stringify({ name: 'Good', author: { name: 'Ada', color: '#d9480f' } }),
    });
    expect(named.status).toBe(201);
    const good = (await named.json()) as { id: number; name: string; authors: unknown[] };
    expect(good.name).toBe('Good');
    expect(good.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);
    const missing = await api(`${versionsPath}/999`, { token: created.editToken });
    expect(await missing.json()).toMatchObject({ code: 'version_not_found' });

    write(ada, ''); // everything deleted
    await waitFor(async () => (await (await api(`/docs/${created.id}?format=text`, { token: created.editToken })).text()) === '\n');
    const viewer = await api(versionsPath, { token: created.viewToken });
    expect(viewer.status).toBe(403);

    const old = await api(`${versionsPath}/${good.id}?format=markdown`, { token: created.editToken });
    expect(await old.text()).toBe('the good text');
    const restored = await api(`${versionsPath}/${good.id}/restore`, {
      method: 'POST',
      token: created.editToken,
      body: JSON.stringify({ author: { name: 'Bob', color: '#1971c2' } }),
    });
    expect(restored.status).toBe(200);
    expect(((await restored.json()) as { restored: { authors: unknown[] } }).restored.authors).toContainEqual({ name: 'Bob', color: '#1971c2' });
    await waitFor(() => markdownOf(ada.doc) === 'the good text', { what: 'the editor to see the restore' });
    const kinds = (await list()).map((version) => version.kind);
    expect(kinds.slice(0, 2)).toEqual(['restore', 'before-restore']);
  });

  it('a stock client offline during the restore merges what it typed on top of the restored content', async () => {
    await start();
    const created = await newDocument();
    const ada = editor(created);
    await waitForSync(ada);
    write(ada, 'keep this\n\nand this');
    const versionsPath = `/docs/${created.id}/versions`;
    const v1 = (await (await api(versionsPath, { method: 'POST', token: created.editToken, body: '{"name":"v1"}' })).json()) as { id: number };
    write(ada, 'keep this\n\nand this\n\nthen a mistake');

    const carolDoc = new Y.Doc();
    const carol = editor(created, created.editToken, carolDoc);
    await waitFor(() => markdownOf(carolDoc).includes('mistake'), { what: 'Carol synced' });
    carol.disconnect();
    const paragraph = carolDoc.getXmlFragment('content').get(0) as Y.XmlElement;
    (paragraph.get(0) as Y.XmlText).insert('keep this'.length, ', typed offline');

    expect((await api(`${versionsPath}/${v1.id}/restore`, { method: 'POST', token: created.editToken })).status).toBe(200);
    await waitFor(() => markdownOf(ada.doc) === 'keep this\n\nand this', { what: 'the restore' });
    carol.connect();
    await waitFor(() => markdownOf(ada.doc) === 'keep this, typed offline\n\nand this', { what: 'the offline edit merged' });
    await waitFor(() => markdownOf(carolDoc) === 'keep this, typed offline\n\nand this', { what: 'Carol converged' });
  });

  it('says so when history is off', async () => {
    await start({ HISTORY: 'off' });
    const created = await newDocument();
    const response = await api(`/docs/${created.id}/versions`, { token: created.editToken });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'history_off', error: expect.stringMatching(/HISTORY=off/) });
  });
});

// node's fetch cannot send a body without a length; a raw request shows the limit holds when streaming too.
describe('document API: streamed bodies', () => {
  it('stops reading a streamed body past the limit and answers 413', async () => {
    await start();
    const created = await newDocument();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: fixture.server.port,
          path: `/docs/${created.id}/content`,
          method: 'POST',
          headers: { Authorization: `Bearer ${created.editToken}`, 'Content-Type': 'text/markdown', 'Transfer-Encoding': 'chunked' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('y'.repeat(1000));
      req.end();
    });
    expect(status).toBe(413);
  });
});

describe('version history across kill -9', () => {
  it('leaves every listed version readable when the server dies while recording them', async () => {
    // The real entry point as a child process, recording a version every 100 ms while a client types.
    const port = await freePort();
    const child = await spawnServer(fixture.dataDir + '-child', port, { HISTORY_IDLE_MS: '100', HISTORY_MAX_INTERVAL_MS: '100', LOG_LEVEL: 'fatal' });
    const writer = connectClient(child.url, 'busy');
    fixture.providers.push(writer);
    await waitForSync(writer);
    for (let round = 0; round < 30; round++) {
      write(writer, `paragraph ${round}\n\n`.repeat(20));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await child.kill('SIGKILL');
    destroyAll(fixture.providers.splice(0));

    const restarted = await spawnServer(fixture.dataDir + '-child', port, { LOG_LEVEL: 'fatal' });
    try {
      const versions = ((await (await fetch(`http://127.0.0.1:${port}/docs/busy/versions`)).json()) as { versions: Array<{ id: number }> })
        .versions;
      expect(versions.length).toBeGreaterThan(3);
      for (const { id } of versions) {
        const response = await fetch(`http://127.0.0.1:${port}/docs/busy/versions/${id}?format=text`);
        expect(response.status, `version ${id}`).toBe(200);
        expect(await response.text()).toMatch(/paragraph \d+/);
      }
    } finally {
      await restarted.kill('SIGKILL');
      await removeDir(fixture.dataDir + '-child');
    }
  });
});
