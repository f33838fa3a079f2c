import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readDocument, renderDocument } from '../../lib/editor/document-export';
import { ContentError, appendedContent, parseContent, writeDocument } from '../../lib/editor/document-import';

const markdown = [
  '# Plan',
  '',
  'Hello **bold**, *italic*, ~~gone~~, `code` and a [link](https://example.org).',
  '',
  '- one',
  '- two',
  '',
  '1. first',
  '',
  '> quoted',
  '',
  '```js',
  'let x = 1;',
  '```',
  '',
  '---',
].join('\n');

function documentFrom(source: string, title = ''): Y.Doc {
  const doc = new Y.Doc();
  writeDocument(doc, { title, content: parseContent(source, 'markdown') }, 'test');
  return doc;
}

describe('document export', () => {
  it('renders the same content as Markdown, HTML, text and JSON', () => {
    const doc = documentFrom(markdown, 'Weekly notes');
    const read = readDocument(doc);
    expect(renderDocument(read, 'markdown')).toBe(`# Weekly notes\n\n${markdown}`);
    const html = renderDocument(read, 'html');
    expect(html).toContain('<title>Weekly notes</title>');
    expect(html).toContain(
      '<p>Hello <strong>bold</strong>, <em>italic</em>, <s>gone</s>, <code>code</code> and a <a target="_blank" rel="noopener noreferrer nofollow" href="https://example.org">link</a>.</p>',
    );
    expect(html).toContain('<ul><li><p>one</p></li><li><p>two</p></li></ul>');
    expect(html).toContain('<pre><code class="language-js">let x = 1;</code></pre>');
    expect(renderDocument(read, 'text')).toBe(
      'Weekly notes\n\nPlan\n\nHello bold, italic, gone, code and a link.\n\none\n\ntwo\n\nfirst\n\nquoted\n\nlet x = 1;\n',
    );
    const json = JSON.parse(renderDocument(read, 'json')) as { title: string; content: { type: string; content: unknown[] } };
    expect(json.title).toBe('Weekly notes');
    expect(json.content.type).toBe('doc');
    expect(json.content.content).toHaveLength(7);
  });

  it('escapes the title in HTML', () => {
    const doc = documentFrom('text', '<script>alert(1)</script>');
    const html = renderDocument(readDocument(doc), 'html');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('document import', () => {
  it('keeps from HTML only what the schema holds', () => {
    const content = parseContent('<p>Hi <strong>there</strong></p><script>alert(1)</script><img src=x onerror=alert(1)>', 'html');
    const doc = new Y.Doc();
    writeDocument(doc, { title: '', content }, 'test');
    expect(renderDocument(readDocument(doc), 'markdown')).toBe('Hi **there**');
  });

  it('refuses JSON content the schema cannot hold', () => {
    expect(() => writeDocument(new Y.Doc(), { title: '', content: { type: 'doc', content: [{ type: 'video' }] } }, 'test')).toThrow(
      ContentError,
    );
  });

  it('appends blocks after the existing ones', () => {
    const doc = documentFrom('first');
    const read = readDocument(doc);
    writeDocument(doc, { title: read.title, content: appendedContent(read.content, parseContent('second', 'markdown')) }, 'test');
    expect(renderDocument(readDocument(doc), 'markdown')).toBe('first\n\nsecond');
  });

  it('changes only what differs, so an edit made elsewhere in an unchanged paragraph survives', () => {
    const server = documentFrom('keep this\n\nchange this');
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(server));
    // Offline: typed at the end of the first paragraph.
    const first = offline.getXmlFragment('content').get(0) as Y.XmlElement;
    const text = first.get(0) as Y.XmlText;
    text.insert(text.length, ' and more');

    writeDocument(server, { title: '', content: parseContent('keep this\n\nchanged', 'markdown') }, 'restore');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(offline));
    expect(renderDocument(readDocument(server), 'markdown')).toBe('keep this and more\n\nchanged');
  });
});
