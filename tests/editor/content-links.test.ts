/**
 * Links in content, below the API: the editor's link mark follows the one policy, import drops a
 * refused link and keeps its text, and every export leaves refused links out and writes the rest so
 * that a Markdown reader finds exactly that link and no other.
 */
import type { JSONContent } from '@tiptap/core';
import type { Mark } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { contentTools, exportFormats, renderDocument, type PortableDocument } from '../../lib/editor/document-export';
import { parseContent } from '../../lib/editor/document-import';
import { markdownCodeLanguage, markdownLinkDestination, markdownLinkTitle } from '../../lib/editor/markdown-safe-content';

function linked(text: string, href: string, title: string | null = null): JSONContent {
  return { type: 'text', text, marks: [{ type: 'link', attrs: { href, title } }] };
}

function documentOf(...inline: JSONContent[]): PortableDocument {
  return { title: '', content: { type: 'doc', content: [{ type: 'paragraph', content: inline }] } };
}

/** Every link target a Markdown reader (TipTap's, on marked) finds in `markdown`. */
function hrefsIn(markdown: string): string[] {
  const hrefs: string[] = [];
  const visit = (node: JSONContent): void => {
    for (const mark of node.marks ?? []) if (mark.type === 'link') hrefs.push(String(mark.attrs?.['href']));
    node.content?.forEach(visit);
  };
  visit(contentTools().markdown.parse(markdown));
  return hrefs;
}

function linksOf(content: JSONContent): Array<{ text: string | undefined; href: unknown }> {
  const found: Array<{ text: string | undefined; href: unknown }> = [];
  const visit = (node: JSONContent): void => {
    for (const mark of node.marks ?? []) if (mark.type === 'link') found.push({ text: node.text, href: mark.attrs?.['href'] });
    node.content?.forEach(visit);
  };
  visit(content);
  return found;
}

describe('the editor’s link mark', () => {
  const { schema } = contentTools();
  const toDom = (href: string) => {
    const mark: Mark = schema.marks['link']!.create({ href });
    return schema.marks['link']!.spec.toDOM!(mark, true) as [string, Record<string, string>, number];
  };

  it('renders an allowed target', () => {
    expect(toDom('https://example.org/a')[1]['href']).toBe('https://example.org/a');
    expect(toDom('#notes')[1]['href']).toBe('#notes');
  });

  it.each(['javascript:alert(1)', ' JaVa\tScRiPt:alert(1)', '&#106;avascript:alert(1)', '%6Aavascript:alert(1)', 'java\u0000script:alert(1)', '//evil.example'])(
    'renders %j without its target',
    (href) => {
      expect(toDom(href)[1]['href']).toBe('');
    },
  );

  it('is not made from pasted HTML with a refused target, and its text stays', () => {
    const content = parseContent('<p><a href="&amp;#106;avascript:alert(1)">one</a> <a href="%6Aavascript:alert(2)">two</a> <a href="https://ok.example">three</a></p>', 'html');
    expect(linksOf(content)).toEqual([{ text: 'three', href: 'https://ok.example' }]);
    expect(renderDocument({ title: '', content }, 'text')).toBe('one two three\n');
  });
});

describe('links on import', () => {
  it('drops a Markdown link whose target the policy refuses and keeps its text', () => {
    const content = parseContent(
      '[one](javascript:alert(1)) [two](data:text/html,x) [three](&#106;avascript:alert(3)) [four](<java\tscript:alert(4)>) [five](https://ok.example) [six](#top)',
      'markdown',
    );
    expect(linksOf(content)).toEqual([
      { text: 'five', href: 'https://ok.example' },
      { text: 'six', href: '#top' },
    ]);
    expect(renderDocument({ title: '', content }, 'text')).toBe('one two three four five six\n');
  });
});

describe('links on export', () => {
  const refusedHrefs = ['javascript:alert(1)', 'data:text/html,<script>alert(2)</script>', '&#106;avascript:alert(3)', 'vbscript:alert(4)', ' JaVa\tScRiPt:alert(5)'];

  it.each(exportFormats)('leaves refused links out of %s and keeps their text', (format) => {
    const document = documentOf(...refusedHrefs.map((href, index) => linked(`t${index} `, href)), linked('fine', 'https://ok.example/'));
    const exported = renderDocument(document, format);
    expect(exported).not.toMatch(/alert|script|data:/i);
    for (let index = 0; index < refusedHrefs.length; index += 1) expect(exported).toContain(`t${index}`);
    if (format !== 'text') expect(exported).toContain('https://ok.example/');
  });

  it('writes a Markdown link that cannot end early, whatever its target and title hold', () => {
    const hostile = [
      linked('a', 'https://ok.example/) [p](javascript:alert(1)'),
      linked('b', 'https://ok.example/x', '") [q](javascript:alert(2)'),
      linked('c', 'https://ok.example/a b\n\n[r](javascript:alert(3))'),
      linked('d', 'https://ok.example/<x>\\(y)'),
      linked('e', 'https://ok.example/?a=1&#106;'),
    ];
    const markdown = renderDocument(documentOf(...hostile), 'markdown');
    expect(hrefsIn(markdown)).toEqual([
      'https://ok.example/)%20[p](javascript:alert(1)', // the space as a browser sends it
      'https://ok.example/x',
      'https://ok.example/a%20b%0A%0A[r](javascript:alert(3))',
      'https://ok.example/<x>\\(y)',
      'https://ok.example/?a=1&#106;',
    ]);
    expect(contentTools().markdown.parse(markdown).content?.[0]?.content?.[1]?.marks?.[0]?.attrs?.['title']).toBe('") [q](javascript:alert(2)');
  });

  it('writes a code block’s language only when it is one word, so it cannot close the fence', () => {
    const document: PortableDocument = {
      title: '',
      content: { type: 'doc', content: [{ type: 'codeBlock', attrs: { language: 'x\n```\n[p](javascript:alert(1))\n' }, content: [{ type: 'text', text: 'let a = 1;' }] }] },
    };
    const markdown = renderDocument(document, 'markdown');
    expect(hrefsIn(markdown)).toEqual([]);
    expect(markdown).toBe('```\nlet a = 1;\n```');
  });
});

describe('Markdown escapes', () => {
  it.each([
    ['https://example.org/a', 'https://example.org/a'],
    ['https://example.org/x_(y)', 'https://example.org/x_\\(y\\)'],
    ['https://example.org/a b', 'https://example.org/a%20b'],
    ['https://example.org/\\<&amp;>', 'https://example.org/\\\\\\<\\&amp;\\>'],
    ['https://example.org/?a=1&b=2&#106;', 'https://example.org/?a=1&b=2\\&#106;'],
    ['https://example.org/\t\r\n\u3000', 'https://example.org/%09%0D%0A%E3%80%80'],
  ])('writes the target %j as %j', (href, written) => {
    expect(markdownLinkDestination(href)).toBe(written);
  });

  it.each([
    ['Plan', 'Plan'],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash & co &amp;', 'back\\\\slash & co \\&amp;'],
    ['two\n\nlines', 'two lines'],
  ])('writes the title %j as %j', (title, written) => {
    expect(markdownLinkTitle(title)).toBe(written);
  });

  it.each([
    ['js', 'js'],
    ['c++', 'c++'],
    ['objective-c', 'objective-c'],
    ['x\n```', null],
    ['a b', null],
    ['`x`', null],
    ['', null],
  ])('writes the code language %j as %j', (language, written) => {
    expect(markdownCodeLanguage(language)).toBe(written);
  });
});
