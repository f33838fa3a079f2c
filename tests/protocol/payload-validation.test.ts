import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import { documentNameFromUrl, documentUrlPath, isDocumentName } from '../../lib/protocol/document-path';
import { ProtocolError } from '../../lib/protocol/protocol-error';
import { assertValidStateVector, assertValidUpdate } from '../../lib/protocol/validate-payload';

function realUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'hello');
  doc.getMap('m').set('k', { nested: [1, 'two', null] });
  doc.getText('t').delete(1, 2);
  return Y.encodeStateAsUpdate(doc);
}

describe('update validation', () => {
  it('accepts real updates and the empty update', () => {
    expect(() => assertValidUpdate(realUpdate())).not.toThrow();
    expect(() => assertValidUpdate(Uint8Array.of(0, 0))).not.toThrow();
  });

  it('refuses every truncation of a real update with 1007', () => {
    const update = realUpdate();
    for (let length = 0; length < update.length; length++) {
      try {
        assertValidUpdate(update.subarray(0, length));
        throw new Error(`truncation to ${length} bytes was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).closeCode).toBe(CloseCode.InvalidPayload);
      }
    }
  });

  it('refuses an unknown content type', () => {
    // One client, one struct: info byte 0x0b has content ref 11, which does not exist.
    const update = Uint8Array.of(1, 1, 7, 0, 0x0b, 1, 1, 0x74, 0);
    expect(() => assertValidUpdate(update)).toThrow(ProtocolError);
  });
});

describe('state vector validation', () => {
  it('accepts a real state vector', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    expect(() => assertValidStateVector(Y.encodeStateVector(doc))).not.toThrow();
  });

  it('refuses truncated and trailing bytes with 1007', () => {
    for (const bad of [Uint8Array.of(2, 1, 1), Uint8Array.of(), Uint8Array.of(0, 0)]) {
      expect(() => assertValidStateVector(bad)).toThrow(ProtocolError);
    }
  });
});

describe('document path', () => {
  it('round-trips names with reserved characters', () => {
    for (const name of ['notes', 'a/b', 'ünïcödé ✓', '%41', 'q?x=1#f']) {
      expect(documentNameFromUrl(documentUrlPath(name))).toBe(name);
      expect(documentNameFromUrl(`${documentUrlPath(name)}?token=abc`)).toBe(name);
    }
  });

  it('rejects missing, undecodable and oversized names', () => {
    expect(documentNameFromUrl('/')).toBeNull();
    expect(documentNameFromUrl('/?x=1')).toBeNull();
    expect(documentNameFromUrl('/%E0%A4%A')).toBeNull();
    expect(documentNameFromUrl(`/${'a'.repeat(513)}`)).toBeNull();
    expect(documentNameFromUrl('relative')).toBeNull();
  });

  it('rejects names with control characters (U+0000 cannot be stored in PostgreSQL text)', () => {
    expect(documentNameFromUrl('/a%00b')).toBeNull();
    expect(documentNameFromUrl('/line%0Abreak')).toBeNull();
    expect(documentNameFromUrl('/del%7F')).toBeNull();
    expect(documentNameFromUrl('/tab%09')).toBeNull();
  });

  it('says of a name itself whether a URL could carry it (a name read from elsewhere than a URL)', () => {
    for (const name of ['notes', 'a/b', 'ünïcödé ✓', 'a'.repeat(512), '😀']) expect(isDocumentName(name)).toBe(true);
    for (const name of ['', 'a'.repeat(513), 'a\u0000b', 'line\nbreak', 'del\u007f', 'half\ud800', '\udc00tail']) {
      expect(isDocumentName(name)).toBe(false);
    }
  });
});
