import type { Socket } from '../../sync-server/connection/socket';

/** The server side of an in-memory connection: records what the server sends and how it closes. */
export class MemorySocket implements Socket {
  readonly sent: Uint8Array[] = [];
  closed: { code: number; reason: string } | null = null;
  terminated = false;
  bufferedAmount = 0;
  /** Called for every frame the server sends, e.g. to feed a test client. */
  onSend: ((data: Uint8Array) => void) | null = null;

  send(data: Uint8Array, onWritten?: () => void): void {
    if (this.closed !== null || this.terminated) throw new Error('send on a closed socket');
    this.sent.push(data);
    this.onSend?.(data);
    onWritten?.();
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  terminate(): void {
    this.terminated = true;
  }

  get isGone(): boolean {
    return this.closed !== null || this.terminated;
  }
}
