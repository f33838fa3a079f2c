// Stock clients: y-websocket's WebsocketProvider (plain protocol) or HocuspocusProvider (Hocuspocus),
// each with its own Y.Doc and awareness, over `ws`.
import { HocuspocusProvider } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * ready resolves once the client has synced (or, against the relay, is connected). onUpgrade(res),
 * if given, sees the HTTP response of every WebSocket upgrade (the cluster scenario reads which
 * node the proxy chose from a header).
 */
export function stockClient(server, docName, { onUpgrade, echoFree = false } = {}) {
  const doc = new Y.Doc();
  let provider;
  let ready;
  if (server.def.wire === 'hocus') {
    provider = new HocuspocusProvider({ url: server.url, name: docName, document: doc, WebSocketPolyfill: WebSocket, quiet: true });
    ready = new Promise((resolve) => {
      if (provider.isSynced) resolve();
      provider.on('synced', () => resolve());
    });
  } else {
    provider = new WebsocketProvider(server.url, docName, doc, { WebSocketPolyfill: onUpgrade ? upgradeWatching(onUpgrade) : WebSocket, disableBc: true });
    // y-websocket sends every awareness change it sees, the other clients' included, back to the
    // server; an echo-free client sends only its own (as Tandem's provider and Hocuspocus's do).
    if (echoFree) {
      const sendAll = provider._awarenessUpdateHandler;
      provider.awareness.off('update', sendAll);
      provider._awarenessUpdateHandler = (change, origin) => {
        if (origin === 'local') sendAll(change, origin);
      };
      provider.awareness.on('update', provider._awarenessUpdateHandler);
    }
    ready = new Promise((resolve) => {
      if (!server.def.persistent) {
        provider.on('status', ({ status }) => status === 'connected' && resolve());
      } else {
        provider.on('sync', (synced) => synced && resolve());
      }
    });
  }
  return {
    doc,
    text: doc.getText('t'),
    awareness: provider.awareness,
    provider,
    ready,
    destroy() {
      try {
        provider.destroy();
      } catch {}
      doc.destroy();
    },
  };
}

function upgradeWatching(onUpgrade) {
  return class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.on('upgrade', onUpgrade);
    }
  };
}
