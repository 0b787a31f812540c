import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { ecdsaRawToDer } from './ecdsa-signature.ts';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('ECDSA r ‖ s to DER Ecdsa-Sig-Value', () => {
  it('encodes the fewest octets, adding 0x00 before a set high bit (X.690 §8.3)', () => {
    const r = `${'00'.repeat(31)}01`;
    const s = `80${'00'.repeat(31)}`;
    assert.deepEqual(Buffer.from(ecdsaRawToDer(hex(r + s))), hex(`3026 020101 022100 80${'00'.repeat(31)}`));
    assert.deepEqual(Buffer.from(ecdsaRawToDer(hex('0000 7f01'))), hex('3007 020100 0202 7f01'));
  });

  it('uses the long length form once the sequence passes 127 bytes (P-521)', () => {
    const der = ecdsaRawToDer(Buffer.alloc(132, 0xff));
    assert.deepEqual([...der.subarray(0, 3)], [0x30, 0x81, 2 * (2 + 67)]);
  });

  it('refuses a signature of odd or zero length', () => {
    assert.throws(() => ecdsaRawToDer(new Uint8Array(0)), /even, non-zero/);
    assert.throws(() => ecdsaRawToDer(new Uint8Array(63)), /even, non-zero/);
  });

  for (const [namedCurve, digest] of [['P-256', 'sha256'], ['P-384', 'sha384']] as const) {
    it(`turns ${namedCurve} signatures in IEEE P1363 form into DER that OpenSSL accepts`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
      // Enough signatures that some r or s has its high bit set and some has a leading zero byte.
      for (let round = 0; round < 64; round += 1) {
        const data = Buffer.from(`message ${round}`);
        const raw = sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        assert.ok(verify(digest, data, publicKey, ecdsaRawToDer(raw)), `round ${round}`);
      }
    });
  }
});
