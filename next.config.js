/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The sync server is a separate process; nothing server-only from it is bundled into the web app.
  serverExternalPackages: ['classic-level', 'pino', 'prom-client', 'ws'],
};

export default nextConfig;
