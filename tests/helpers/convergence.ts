/** Waiting for stock clients on one document to agree, for tests with several servers. */
import type { WebsocketProvider } from 'y-websocket';
import { waitFor } from './poll';
import { textOf } from './server-harness';

/** Appends `text` to the client's `t`, as someone typing at the end would. */
export function typeAtEnd(provider: WebsocketProvider, text: string): void {
  const t = provider.doc.getText('t');
  t.insert(t.length, text);
}

/** Resolves with the text once every client has the same one, holding every marker in `markers`. */
export async function converged(clients: readonly WebsocketProvider[], markers: readonly string[], what: string, timeoutMs = 30_000): Promise<string> {
  await waitFor(
    () => {
      const texts = new Set(clients.map(textOf));
      const [text] = texts;
      return texts.size === 1 && text !== undefined && markers.every((marker) => text.includes(marker));
    },
    { timeoutMs, what },
  );
  return textOf(clients[0]!);
}
