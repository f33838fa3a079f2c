import type { VersionAuthor } from '@/lib/client/history/version-history-api';

/** Who edited in a version, each in the colour they had in presence. */
export function VersionAuthors({ authors }: { authors: readonly VersionAuthor[] }) {
  if (authors.length === 0) return null;
  return (
    <ul className="version-authors" aria-label="Edited by">
      {authors.map((author) => (
        <li key={`${author.name}\u0000${author.color ?? ''}`} className="version-authors__author" data-testid="version-author">
          <span className="version-authors__dot" style={{ background: author.color ?? 'var(--muted)' }} aria-hidden="true" />
          {author.name}
        </li>
      ))}
    </ul>
  );
}
