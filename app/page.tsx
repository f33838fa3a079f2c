import { connection } from 'next/server';
import { HomeScreen } from './components/screens/home-screen';
import { parseSyncPort } from '@/lib/client/page/sync-url';

export default async function HomePage() {
  // "New document" asks the sync server for an id, so its location is read per request too.
  await connection();
  return (
    <main className="home">
      <header className="home__header">
        <h1 className="brand">Tandem</h1>
        <p className="home__tagline">Write together, in real time — even offline.</p>
      </header>
      <HomeScreen syncUrl={process.env.SYNC_URL?.trim() || null} syncPort={parseSyncPort(process.env.SYNC_PORT)} />
    </main>
  );
}
