/**
 * A share link's revocation as nodes publish it to each other (cluster/link-revocation-message.ts).
 * The fixtures are the bytes on the channel: a change that breaks one breaks a rolling upgrade,
 * where nodes of two versions read each other's revocations. Whatever else arrives on the channel
 * is refused with a reason, never thrown.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  decodeLinkRevocation,
  encodeLinkRevocation,
  type LinkRevocation,
} from '../../sync-server/cluster/link-revocation-message';

/** The 16 bytes 0, 1, …, 15 as a link id. */
const LINK_ID = 'AAECAwQFBgcICQoLDA0ODw';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

function refusal(message: Uint8Array): string {
  const decoded = decodeLinkRevocation(message);
  if (decoded.ok) throw new Error(`accepted: ${JSON.stringify(decoded.revocation)}`);
  return decoded.reason;
}

describe('link revocation message', () => {
  const fixtures: Array<{ name: string; revocation: LinkRevocation; wire: Buffer }> = [
    {
      name: 'a document id',
      revocation: { node: 'a1b2c3d4e5f60718', docName: 'Xq3k9w0B1c2D3e4F5g6H7i', linkId: LINK_ID },
      wire: bytes('{"n":"a1b2c3d4e5f60718","d":"Xq3k9w0B1c2D3e4F5g6H7i","l":"AAECAwQFBgcICQoLDA0ODw"}'),
    },
    {
      name: 'a name with a quote, a backslash, a slash and letters beyond ASCII',
      revocation: { node: 'a1', docName: 'notes/"wk"\\ é✓', linkId: LINK_ID },
      wire: Buffer.concat([
        bytes('{"n":"a1","d":"notes/\\"wk\\"\\\\ '),
        Buffer.from([0xc3, 0xa9, 0xe2, 0x9c, 0x93]),
        bytes('","l":"AAECAwQFBgcICQoLDA0ODw"}'),
      ]),
    },
  ];

  for (const { name, revocation, wire } of fixtures) {
    it(`encodes and decodes ${name}, byte for byte`, () => {
      expect(Buffer.from(encodeLinkRevocation(revocation))).toEqual(wire);
      expect(decodeLinkRevocation(wire)).toEqual({ ok: true, revocation });
    });
  }

  it('reads the fields in any order and ignores fields it does not know (a newer node may add some)', () => {
    const wire = bytes('{"l":"AAECAwQFBgcICQoLDA0ODw","x":[1,2],"d":"doc","n":"b2","at":"2026-12-03T00:00:00Z"}');
    expect(decodeLinkRevocation(wire)).toEqual({ ok: true, revocation: { node: 'b2', docName: 'doc', linkId: LINK_ID } });
  });

  it('refuses what is not a revocation, with a reason', () => {
    expect(refusal(Uint8Array.of(0xff, 0xfe))).toMatch(/UTF-8/);
    expect(refusal(bytes('revoke doc AAECAwQFBgcICQoLDA0ODw'))).toMatch(/JSON/);
    expect(refusal(bytes('{"n":"a1","d":"doc"'))).toMatch(/JSON/);
    expect(refusal(bytes('["a1","doc","AAECAwQFBgcICQoLDA0ODw"]'))).toMatch(/object/);
    expect(refusal(bytes('null'))).toMatch(/object/);
    expect(refusal(bytes(''))).toMatch(/JSON/);
  });

  it('refuses a missing or mistyped field', () => {
    expect(refusal(bytes('{"d":"doc","l":"AAECAwQFBgcICQoLDA0ODw"}'))).toMatch(/node/);
    expect(refusal(bytes('{"n":"","d":"doc","l":"AAECAwQFBgcICQoLDA0ODw"}'))).toMatch(/node/);
    expect(refusal(bytes(`{"n":"${'a'.repeat(65)}","d":"doc","l":"AAECAwQFBgcICQoLDA0ODw"}`))).toMatch(/node/);
    expect(refusal(bytes('{"n":"a1","l":"AAECAwQFBgcICQoLDA0ODw"}'))).toMatch(/document/);
    expect(refusal(bytes('{"n":"a1","d":7,"l":"AAECAwQFBgcICQoLDA0ODw"}'))).toMatch(/document/);
    expect(refusal(bytes('{"n":"a1","d":"doc"}'))).toMatch(/link id/);
    expect(refusal(bytes('{"n":"a1","d":"doc","l":null}'))).toMatch(/link id/);
  });

  it('refuses a document name no link could name: empty, too long, a control character, a lone surrogate', () => {
    const withName = (encodedName: string) => bytes(`{"n":"a1","d":${encodedName},"l":"AAECAwQFBgcICQoLDA0ODw"}`);
    expect(refusal(withName('""'))).toMatch(/document/);
    expect(refusal(withName(`"${'a'.repeat(513)}"`))).toMatch(/document/);
    expect(refusal(withName('"a\\u0000b"'))).toMatch(/document/);
    expect(refusal(withName('"line\\nbreak"'))).toMatch(/document/);
    expect(refusal(withName('"half\\ud800"'))).toMatch(/document/);
    expect(decodeLinkRevocation(withName(`"${'a'.repeat(512)}"`)).ok).toBe(true);
  });

  it('refuses a link id that is not the canonical base64url of 16 bytes', () => {
    const withLink = (linkId: string) => bytes(`{"n":"a1","d":"doc","l":"${linkId}"}`);
    expect(refusal(withLink('AAECAwQFBgcICQoLDA0OD'))).toMatch(/link id/); // 21 characters
    expect(refusal(withLink('AAECAwQFBgcICQoLDA0ODx'))).toMatch(/link id/); // leftover bits set
    expect(refusal(withLink('AAECAwQFBgcICQoLDA0OD+'))).toMatch(/link id/); // base64, not base64url
    expect(refusal(withLink('AAECAwQFBgcICQoLDA0ODwAA'))).toMatch(/link id/); // 18 bytes
  });

  it('refuses a message over its size limit before parsing it', () => {
    const padded = bytes(`{"n":"a1","d":"doc","l":"AAECAwQFBgcICQoLDA0ODw","pad":"${'x'.repeat(MAX_MESSAGE_BYTES)}"}`);
    expect(refusal(padded)).toMatch(/bytes/);
  });

  it('will not encode what it would refuse to decode', () => {
    expect(() => encodeLinkRevocation({ node: 'a1', docName: '', linkId: LINK_ID })).toThrow(/document/);
    expect(() => encodeLinkRevocation({ node: 'a1', docName: 'doc', linkId: 'not-a-link' })).toThrow(/link id/);
    expect(() => encodeLinkRevocation({ node: '', docName: 'doc', linkId: LINK_ID })).toThrow(/node/);
  });
});
