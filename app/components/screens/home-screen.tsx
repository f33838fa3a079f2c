'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { createDocument, documentPagePath } from '@/lib/client/documents/create-document';
import { loadRecentDocuments, type RecentDocument } from '@/lib/client/documents/recent-documents';
import { syncServerUrls } from '@/lib/client/page/sync-url';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function HomeScreen({ syncUrl, syncPort }: { syncUrl: string | null; syncPort: number }) {
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  // null until mounted: localStorage does not exist during the server render.
  const [recent, setRecent] = useState<RecentDocument[] | null>(null);

  useEffect(() => {
    setRecent(loadRecentDocuments(window.localStorage));
  }, []);

  return (
    <>
      <button
        type="button"
        className="button button--primary"
        data-testid="new-doc"
        disabled={creating}
        onClick={async () => {
          setCreating(true);
          const base = syncServerUrls(syncUrl, syncPort, window.location).http;
          const created = await createDocument(base);
          router.push(documentPagePath(created.id, created.token));
        }}
      >
        {creating ? 'Creating…' : 'New document'}
      </button>
      <section className="recent" aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recently opened</h2>
        {recent === null ? null : recent.length === 0 ? (
          <p className="muted">Documents you open in this browser will appear here.</p>
        ) : (
          <ul className="recent__list">
            {recent.map((doc) => (
              <li key={doc.id} className="recent__item" data-testid="recent-doc">
                <Link href={documentPagePath(doc.id, doc.token)} className="recent__link">
                  {doc.title.trim() || 'Untitled'}
                </Link>
                <time className="muted" dateTime={new Date(doc.openedAt).toISOString()}>
                  {dateFormat.format(doc.openedAt)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
