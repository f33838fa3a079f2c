/**
 * A share link's revocation as one node tells the others (link-revocations.ts): a JSON object in
 * UTF-8 on the revocation channel (redis-keys.ts),
 *
 *   {"n":"<node id>","d":"<document name>","l":"<link id>"}
 *
 * n = the node that took the DELETE, d = the link's document, l = the link's id (lib/auth/link-id.ts).
 * These names are the wire format between nodes of different versions (a rolling upgrade runs both),
 * so they never change and unknown fields are ignored: a newer node may add some. JSON rather than
 * a binary layout because a revocation is rare and small, and an operator reading the channel with
 * `redis-cli SUBSCRIBE` should see what it says. Anyone who can reach Redis can publish on the
 * channel, so whatever arrives is checked as if a client had sent it; decoding never throws.
 */
import { linkIdBytes } from '../../lib/auth/link-id';
import { isDocumentName, MAX_DOCUMENT_NAME_LENGTH } from '../../lib/protocol/document-path';

export interface LinkRevocation {
  /** The node that announced it. */
  readonly node: string;
  readonly docName: string;
  readonly linkId: string;
}

export type DecodedLinkRevocation = { readonly ok: true; readonly revocation: LinkRevocation } | { readonly ok: false; readonly reason: string };

/** A node id is 16 hex characters today; a newer node may choose others, up to this length. */
const MAX_NODE_ID_LENGTH = 64;

/**
 * Well above the largest revocation (a name of 512 characters, each escaped as \uXXXX at most, plus
 * the rest), so that a message this long is not one, and is refused before it is parsed.
 */
export const MAX_MESSAGE_BYTES = 8 + MAX_DOCUMENT_NAME_LENGTH * 6 + 1_024;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The message for a revocation; throws (and so publishes nothing) when it is not one a node would accept. */
export function encodeLinkRevocation(revocation: LinkRevocation): Buffer {
  const fault = faultOf(revocation.node, revocation.docName, revocation.linkId);
  if (fault !== null) throw new RangeError(`not a link revocation: ${fault}`);
  return Buffer.from(JSON.stringify({ n: revocation.node, d: revocation.docName, l: revocation.linkId }), 'utf8');
}

export function decodeLinkRevocation(message: Uint8Array): DecodedLinkRevocation {
  if (message.length > MAX_MESSAGE_BYTES) return refused(`${message.length} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
  let text: string;
  try {
    text = UTF8.decode(message);
  } catch {
    return refused('not UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refused('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refused('not a JSON object');
  const { n: node, d: docName, l: linkId } = parsed as Record<string, unknown>;
  const fault = faultOf(node, docName, linkId);
  if (fault !== null) return refused(fault);
  return { ok: true, revocation: { node: node as string, docName: docName as string, linkId: linkId as string } };
}

/** What is wrong with a revocation's fields, or null when nothing is. */
function faultOf(node: unknown, docName: unknown, linkId: unknown): string | null {
  if (typeof node !== 'string' || node.length === 0 || node.length > MAX_NODE_ID_LENGTH) {
    return `the node (n) must be a string of 1 to ${MAX_NODE_ID_LENGTH} characters`;
  }
  if (typeof docName !== 'string' || !isDocumentName(docName)) return 'the document (d) is not a document name';
  if (typeof linkId !== 'string' || linkIdBytes(linkId) === null) return 'the link id (l) is not the base64url of 16 bytes';
  return null;
}

function refused(reason: string): DecodedLinkRevocation {
  return { ok: false, reason };
}
