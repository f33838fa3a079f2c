/**
 * WebSocket close codes the sync server uses, in one place so client and server agree on them.
 * 1xxx are the standard codes (RFC 6455); 44xx are Tandem's own, mirroring HTTP 401/403.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Never sent: what a connection that ended without a close handshake reports (RFC 6455 7.1.5). */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  Unauthorized: 4401,
  Forbidden: 4403,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client must not reconnect on its own: retrying cannot succeed. */
export const permanentCloseCodes: ReadonlySet<number> = new Set([
  CloseCode.Unauthorized,
  CloseCode.Forbidden,
]);
