import { decodeMessage, type Message } from '../../lib/protocol/messages';
import type { LinkLoss, Transport, TransportListener, TransportState } from '../../lib/client/transport/transport';

/** A transport the test drives by hand: links come up, carry frames and go down on command. */
export class FakeTransport implements Transport {
  state: TransportState = { kind: 'idle' };
  readonly sent: Message[] = [];
  established = 0;
  private readonly listeners = new Set<TransportListener>();

  open(): void {
    this.state = { kind: 'connecting' };
  }

  close(): void {
    this.state = { kind: 'closed' };
  }

  send(frame: Uint8Array): boolean {
    if (this.state.kind !== 'open') return false;
    this.sent.push(decodeMessage(frame));
    return true;
  }

  markEstablished(): void {
    this.established++;
  }

  listen(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  linkUp(): void {
    this.state = { kind: 'open' };
    for (const listener of this.listeners) listener.onOpen?.();
  }

  deliver(frame: Uint8Array): void {
    for (const listener of this.listeners) listener.onFrame?.(frame);
  }

  linkDown(loss: LinkLoss = { cause: 'server-closed', code: 1006 }): void {
    this.state = { kind: 'waiting', retryInMs: 500 };
    for (const listener of [...this.listeners]) listener.onLinkLost?.(loss);
  }

  sentOfType<T extends Message['type']>(type: T): Extract<Message, { type: T }>[] {
    return this.sent.filter((message): message is Extract<Message, { type: T }> => message.type === type);
  }
}
