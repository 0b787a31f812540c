import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSerialNumber } from './serial-number.ts';

describe('normaliseSerialNumber', () => {
  it('prints the magnitude in lowercase hex bytes, as openssl x509 -serial does', () => {
    assert.equal(normaliseSerialNumber('00:F1:E2:D3'), 'f1e2d3');
    assert.equal(normaliseSerialNumber('0x1001'), '1001');
    assert.equal(normaliseSerialNumber('a'), '0a');
    assert.equal(normaliseSerialNumber('00'), '00');
    assert.equal(normaliseSerialNumber('5e-0b-ab'), '5e0bab');
  });

  it('refuses what is not hex', () => {
    for (const text of ['', 'serial', '12::34', 'f'.repeat(129), `${'ab:'.repeat(100)}x`]) assert.equal(normaliseSerialNumber(text), null, text);
  });
});
