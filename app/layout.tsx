import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Tandem',
  description: 'Write together, in real time.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request, the not-found page too: each response's scripts carry the
  // nonce of its own Content-Security-Policy (proxy.ts), which a page built ahead of time cannot.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
