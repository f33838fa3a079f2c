import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { DocumentScreen } from '../../components/screens/document-screen';
import { MAX_DOCUMENT_NAME_LENGTH } from '@/lib/protocol/document-path';
import { parseSyncPort } from '@/lib/client/page/sync-url';

export default async function DocumentPage({ params }: { params: Promise<{ id: string }> }) {
  // Read the environment per request, not at build time: one build runs against any sync server.
  await connection();
  const { id } = await params;
  if (id.length === 0 || id.length > MAX_DOCUMENT_NAME_LENGTH) notFound();
  const syncUrl = process.env.SYNC_URL?.trim() || null;
  const syncPort = parseSyncPort(process.env.SYNC_PORT);
  return <DocumentScreen docId={id} syncUrl={syncUrl} syncPort={syncPort} />;
}
