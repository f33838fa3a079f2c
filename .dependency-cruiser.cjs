/**
 * Which way dependencies may point (npm run lint:deps, part of npm test).
 *
 * Imports are read with swc: dependency-cruiser reads TypeScript through the `typescript` package's
 * JavaScript API, which TypeScript 7 no longer has. swc sees `import type` like any other import, so
 * every rule here covers type-only imports too: the room does not even name a type of the edge or of
 * cluster mode (it owns the interfaces cluster mode implements, room/room-replication.ts and
 * room/room-observer.ts). swc as dependency-cruiser 17
 * calls it does not parse JSX, so .tsx files are modules without outgoing edges here; what they
 * import is checked by typecheck and by the Next.js build, and nothing outside app/ imports them.
 */

/** The network edge (sockets, HTTP routes, TLS) and the composition root that wires it. */
const EDGE = ['^sync-server/edge/', '^sync-server/server\\.ts$'];

/** The layers of one document, top to bottom: each may import those below it, never those above. */
const LAYERS = [
  { name: 'connection', path: '^sync-server/connection/' },
  { name: 'room', path: '^sync-server/room/' },
  { name: 'document', path: '^sync-server/document/' },
  { name: 'storage', path: '^sync-server/storage/' },
];

/** No layer reaches up: storage knows no document handle, the document no room, the room no connection. */
const layerRules = LAYERS.slice(1).map((layer, index) => ({
  name: `${layer.name}-not-above`,
  comment: `${layer.name} is below ${LAYERS.slice(0, index + 1).map((above) => above.name).join(', ')}: it does not import them.`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(0, index + 1).map((above) => above.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'An import cycle: one of these modules reaches back up to what depends on it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'room-not-edge',
      comment: 'The room, and everything it needs, works without the network edge (sockets, HTTP, TLS).',
      severity: 'error',
      from: { path: '^sync-server/room/' },
      to: { path: EDGE, reachable: true },
    },
    {
      name: 'core-not-cluster',
      comment:
        'The single-server core knows nothing of cluster mode or of the launchers: cluster code wraps a room and implements room/room-replication.ts.',
      severity: 'error',
      from: { path: '^sync-server/(connection|room|document|storage|history|auth)/' },
      to: { path: ['^sync-server/cluster/', '^sync-server/launchers/'], reachable: true },
    },
    {
      name: 'lib-not-server-or-app',
      comment: 'lib/ is shared by the browser and the server; it imports neither.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: ['^sync-server/', '^app/'] },
    },
    {
      name: 'ws-only-in-transport',
      comment: 'One module speaks ws; everything else sees the Socket interface (connection/socket.ts).',
      severity: 'error',
      from: { pathNot: '^sync-server/edge/transport\\.ts$' },
      to: { path: '^node_modules/ws/' },
    },
    {
      name: 'ioredis-only-in-cluster',
      comment: 'Redis is cluster mode only.',
      severity: 'error',
      from: { pathNot: '^sync-server/cluster/' },
      to: { path: '^node_modules/ioredis/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing: a typo, or a package missing from package.json.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    // Cruising a package's insides would cost seconds and check nothing of ours.
    doNotFollow: { path: ['node_modules', '\\.tsx$'] },
    exclude: { path: ['^sync-server/dist/'] },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
