import type { CloseCode } from './close-codes';

/** A message that breaks the wire protocol. Carries the close code its connection is closed with. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly closeCode: CloseCode,
    message: string,
  ) {
    super(message);
  }
}
