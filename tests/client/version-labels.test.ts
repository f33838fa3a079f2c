import { describe, expect, it } from 'vitest';
import { downloadFileName } from '../../lib/client/documents/download-file';
import type { VersionSummary } from '../../lib/client/history/version-history-api';
import { relativeTime, versionKindLabel, versionTitle } from '../../lib/client/history/version-labels';

const version = (fields: Partial<VersionSummary>): VersionSummary => ({
  id: 7,
  createdAt: '2026-11-21T10:00:00.000Z',
  kind: 'auto',
  name: null,
  authors: [],
  restoredFrom: null,
  ...fields,
});

describe('version labels', () => {
  it('names each kind of version', () => {
    expect(versionTitle(version({ kind: 'named', name: 'Sent for review' }))).toBe('Sent for review');
    expect(versionTitle(version({ kind: 'before-restore' }))).toBe('Before restore');
    expect(versionTitle(version({ kind: 'restore', restoredFrom: 12 }))).toBe('Restored version 12');
    expect(versionTitle(version({ kind: 'auto' }))).toBe('Saved automatically');
    expect(versionKindLabel(version({ kind: 'named', name: 'x' }))).toBe('Named');
  });

  it('says how long ago, in words', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(relativeTime(new Date('2026-11-21T11:59:30Z'), now, 'en')).toBe('just now');
    // A browser clock a little behind the server's must not say "in 10 seconds".
    expect(relativeTime(new Date('2026-11-21T12:00:10Z'), now, 'en')).toBe('just now');
    expect(relativeTime(new Date('2026-11-21T11:55:00Z'), now, 'en')).toBe('5 minutes ago');
    expect(relativeTime(new Date('2026-11-21T09:00:00Z'), now, 'en')).toBe('3 hours ago');
    expect(relativeTime(new Date('2026-11-20T12:00:00Z'), now, 'en')).toBe('yesterday');
  });
});

describe('download file names', () => {
  it('come from the title, Untitled without one, safe on every file system', () => {
    expect(downloadFileName('Weekly notes', 'markdown')).toBe('Weekly notes.md');
    expect(downloadFileName('  ', 'html')).toBe('Untitled.html');
    expect(downloadFileName('Q3: plans/ideas?', 'text')).toBe('Q3 plans ideas.txt');
    expect(downloadFileName('..', 'markdown')).toBe('Untitled.md');
    expect(downloadFileName('Draft...', 'markdown')).toBe('Draft.md');
    expect(downloadFileName('x'.repeat(300), 'markdown')).toBe(`${'x'.repeat(120)}.md`);
  });
});
