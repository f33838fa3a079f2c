/**
 * The documentation as a reader meets it: every relative link in README.md, docs/ and bench/ leads
 * to a file and heading that exist, and the configuration table names every variable the sync
 * server and the launchers read, so a page that moves or a variable that is added cannot leave the
 * docs behind unnoticed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClusterSettings } from '../../sync-server/launchers/cluster/cluster-settings';
import { loadConfig } from '../../sync-server/config';
import { headingAnchor, headingAnchors, relativeLinks } from '../helpers/markdown-links';

const root = path.resolve(__dirname, '../..');

function markdownFiles(): string[] {
  const inFolder = (folder: string) =>
    readdirSync(path.join(root, folder))
      .filter((name) => name.endsWith('.md'))
      .map((name) => path.join(folder, name));
  return ['README.md', ...inFolder('docs'), ...inFolder('bench')];
}

/** The names a reader of `env` asks for, whatever it does with the answers. */
function variablesRead(read: (env: NodeJS.ProcessEnv) => unknown): Set<string> {
  const names = new Set<string>();
  const env = new Proxy<NodeJS.ProcessEnv>(
    { NODE_ENV: 'test' },
    {
      get(_target, name) {
        if (typeof name === 'string') names.add(name);
        return undefined;
      },
    },
  );
  read(env);
  return names;
}

describe('markdown links and anchors', () => {
  it('finds relative links outside code, with their anchors', () => {
    const markdown = [
      'See [the table](configuration.md#tls) and [below](#close-codes), [a site](https://example.com).',
      'Not `[code](nowhere.md)`, nor:',
      '```',
      '[fenced](nowhere.md)',
      '```',
    ].join('\n');
    expect(relativeLinks(markdown)).toEqual([
      { path: 'configuration.md', anchor: 'tls' },
      { path: '', anchor: 'close-codes' },
    ]);
  });

  it('makes anchors as GitHub does', () => {
    expect(headingAnchor('(g) cluster: one node vs three behind nginx (2026-12-01)')).toBe(
      'g-cluster-one-node-vs-three-behind-nginx-2026-12-01',
    );
    expect(headingAnchor('(a) 20 docs × 10 clients')).toBe('a-20-docs--10-clients');
    expect(headingAnchor('Try it: `npm run cluster`')).toBe('try-it-npm-run-cluster');
    expect([...headingAnchors('# Notes\n## Notes\n```\n# not a heading\n```\n')]).toEqual(['notes', 'notes-1']);
  });
});

describe('the documentation', () => {
  it.each(markdownFiles())('%s: every relative link resolves', (file) => {
    const broken: string[] = [];
    for (const link of relativeLinks(readFileSync(path.join(root, file), 'utf8'))) {
      const target = link.path === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), link.path);
      const shown = `${link.path}${link.anchor === null ? '' : `#${link.anchor}`}`;
      if (!existsSync(target)) broken.push(`${shown}: no such file`);
      else if (link.anchor !== null && target.endsWith('.md') && !headingAnchors(readFileSync(target, 'utf8')).has(link.anchor)) {
        broken.push(`${shown}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has one configuration table, naming every variable the sync server and the launchers read', () => {
    const rows = (file: string) =>
      [...readFileSync(path.join(root, file), 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1]);
    const documented = new Set(rows('docs/configuration.md'));
    for (const file of markdownFiles().filter((name) => name !== 'docs/configuration.md')) {
      expect(rows(file), `${file} has a table of variables of its own`).toEqual([]);
    }
    const read = new Set([
      ...variablesRead((env) => loadConfig(env, root)),
      ...variablesRead((env) => readClusterSettings(env)),
    ]);
    expect(read.size).toBeGreaterThan(40);
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });
});
