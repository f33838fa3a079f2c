/**
 * The y-websocket wire protocol (y-protocols sync, awareness and auth) plus Tandem's one opt-in
 * extension, as pure functions from bytes to a tagged union and back. Nothing here touches a socket
 * or a Y.Doc, so every byte layout is pinned down by fixtures in tests/protocol.
 *
 *   frame            = messageType:varUint body
 *   sync (0)         = step:varUint payload:varUint8Array      step 0 = state vector, 1 = diff, 2 = update
 *   awareness (1)    = update:varUint8Array                    see awareness.ts for the update's layout
 *   auth (2)         = 0:varUint reason:varString              "permission denied", server to client only
 *   queryAwareness(3)= (empty)                                 "send me everyone's awareness"
 *   tandem (100)     = kind:varUint ...                        see below
 *     0 save request   id:varUint         client → server
 *     1 saved          id:varUint         server → client
 *     2 ping           id:varUint         client → server
 *     3 pong           id:varUint         server → client
 *     4 storage state  state:varUint      server → client: 0 = writing normally, 1 = cannot write now
 *     5 sharing state  state:varUint      server → client: 0 = shared with the other nodes (cluster
 *                                          mode), 1 = cut off from them: edits are saved but others
 *                                          on other nodes may not see them until it reconnects
 *     6 crowd          present:varUint    server → client: how many people are present, in a room so
 *                                          crowded that it relays only the active ones' presence
 *                                          (room/presence-audience.ts); 0 = not crowded: every
 *                                          presence is relayed, count them
 *
 * The extension: a client that wants to know when its edits are durable sends
 * `saveRequest(id)` after its updates; because one connection's messages are handled in order, the
 * server answers `saved(id)` once everything that connection sent before the request is on disk.
 * Liveness is separate from durability: `ping(id)` is answered with `pong(id)` at once by the
 * connection, whatever the document or the disk is doing, so a server that cannot save is still
 * seen as reachable. A connection that has sent any extension message is told when storage stops
 * (and starts again) accepting writes. Stock clients never send one, so they never receive one.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CloseCode } from './close-codes';
import { ProtocolError } from './protocol-error';

export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  Tandem: 100,
} as const;

export const SyncStep = { StateVector: 0, Diff: 1, Update: 2 } as const;
export const AuthKind = { PermissionDenied: 0 } as const;
export const TandemKind = { SaveRequest: 0, Saved: 1, Ping: 2, Pong: 3, StorageState: 4, SharingState: 5, Crowd: 6 } as const;
export const StorageState = { Ok: 0, Degraded: 1 } as const;

export type Message =
  | { readonly type: 'sync-step-1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step-2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'query-awareness' }
  | { readonly type: 'permission-denied'; readonly reason: string }
  | { readonly type: 'save-request'; readonly requestId: number }
  | { readonly type: 'saved'; readonly requestId: number }
  | { readonly type: 'ping'; readonly id: number }
  | { readonly type: 'pong'; readonly id: number }
  | { readonly type: 'storage-state'; readonly ok: boolean }
  | { readonly type: 'sharing-state'; readonly ok: boolean }
  | { readonly type: 'crowd'; readonly present: number };

export type MessageTypeName = Message['type'];

/**
 * Decodes one frame. Throws ProtocolError (never anything else) for a frame that is truncated, has
 * trailing bytes, or names an unknown message type or sub-type. The payload bytes of sync and
 * awareness messages are returned as views into `frame`; they are validated separately.
 */
export function decodeMessage(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame);
  let message: Message;
  try {
    message = readMessage(decoder);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(CloseCode.ProtocolError, `malformed frame: ${describe(error)}`);
  }
  if (decoding.hasContent(decoder)) {
    throw new ProtocolError(
      CloseCode.ProtocolError,
      `malformed frame: ${frame.length - decoder.pos} trailing bytes after a ${message.type} message`,
    );
  }
  return message;
}

function readMessage(decoder: decoding.Decoder): Message {
  if (!decoding.hasContent(decoder)) {
    throw new ProtocolError(CloseCode.ProtocolError, 'empty frame');
  }
  const messageType = decoding.readVarUint(decoder);
  switch (messageType) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      switch (step) {
        case SyncStep.StateVector:
          return { type: 'sync-step-1', stateVector: payload };
        case SyncStep.Diff:
          return { type: 'sync-step-2', update: payload };
        case SyncStep.Update:
          return { type: 'sync-update', update: payload };
        default:
          throw new ProtocolError(CloseCode.ProtocolError, `unknown sync step ${step}`);
      }
    }
    case MessageType.Awareness:
      return { type: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case MessageType.Auth: {
      const kind = decoding.readVarUint(decoder);
      if (kind !== AuthKind.PermissionDenied) {
        throw new ProtocolError(CloseCode.ProtocolError, `unknown auth message kind ${kind}`);
      }
      return { type: 'permission-denied', reason: decoding.readVarString(decoder) };
    }
    case MessageType.QueryAwareness:
      return { type: 'query-awareness' };
    case MessageType.Tandem: {
      const kind = decoding.readVarUint(decoder);
      switch (kind) {
        case TandemKind.SaveRequest:
          return { type: 'save-request', requestId: decoding.readVarUint(decoder) };
        case TandemKind.Saved:
          return { type: 'saved', requestId: decoding.readVarUint(decoder) };
        case TandemKind.Ping:
          return { type: 'ping', id: decoding.readVarUint(decoder) };
        case TandemKind.Pong:
          return { type: 'pong', id: decoding.readVarUint(decoder) };
        case TandemKind.StorageState: {
          const state = decoding.readVarUint(decoder);
          if (state !== StorageState.Ok && state !== StorageState.Degraded) {
            throw new ProtocolError(CloseCode.ProtocolError, `unknown storage state ${state}`);
          }
          return { type: 'storage-state', ok: state === StorageState.Ok };
        }
        case TandemKind.SharingState: {
          const state = decoding.readVarUint(decoder);
          if (state !== StorageState.Ok && state !== StorageState.Degraded) {
            throw new ProtocolError(CloseCode.ProtocolError, `unknown sharing state ${state}`);
          }
          return { type: 'sharing-state', ok: state === StorageState.Ok };
        }
        case TandemKind.Crowd:
          return { type: 'crowd', present: decoding.readVarUint(decoder) };
        default:
          throw new ProtocolError(CloseCode.ProtocolError, `unknown extension message kind ${kind}`);
      }
    }
    default:
      throw new ProtocolError(CloseCode.ProtocolError, `unknown message type ${messageType}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return encodeSync(SyncStep.StateVector, stateVector);
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return encodeSync(SyncStep.Diff, update);
}

export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return encodeSync(SyncStep.Update, update);
}

function encodeSync(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, step);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export function encodeAwarenessMessage(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Awareness);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

export function encodeQueryAwareness(): Uint8Array {
  return Uint8Array.of(MessageType.QueryAwareness);
}

export function encodePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Auth);
  encoding.writeVarUint(encoder, AuthKind.PermissionDenied);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

export function encodeSaveRequest(requestId: number): Uint8Array {
  return encodeTandem(TandemKind.SaveRequest, requestId);
}

export function encodeSaved(requestId: number): Uint8Array {
  return encodeTandem(TandemKind.Saved, requestId);
}

export function encodePing(id: number): Uint8Array {
  return encodeTandem(TandemKind.Ping, id);
}

export function encodePong(id: number): Uint8Array {
  return encodeTandem(TandemKind.Pong, id);
}

export function encodeStorageState(ok: boolean): Uint8Array {
  return encodeTandem(TandemKind.StorageState, ok ? StorageState.Ok : StorageState.Degraded);
}

export function encodeSharingState(ok: boolean): Uint8Array {
  return encodeTandem(TandemKind.SharingState, ok ? StorageState.Ok : StorageState.Degraded);
}

/** `present`: the people in a crowded room; 0 once it is not crowded any more. */
export function encodeCrowd(present: number): Uint8Array {
  return encodeTandem(TandemKind.Crowd, present);
}

function encodeTandem(kind: number, value: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Tandem);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

/** Whether a frame is a pong: a transport's liveness answer, which the session never needs to see. */
export function isPongFrame(frame: Uint8Array): boolean {
  if (frame[0] !== MessageType.Tandem) return false;
  try {
    return decodeMessage(frame).type === 'pong';
  } catch {
    return false;
  }
}
