import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseFingerprint } from './fingerprint.ts';

// SHA-256 of the empty string, in the spellings tools print it.
const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('normaliseFingerprint', () => {
  it('accepts hex with or without colons, any case', () => {
    assert.equal(normaliseFingerprint(empty.toUpperCase()), empty);
    assert.equal(normaliseFingerprint(` ${empty.match(/../g)!.join(':').toUpperCase()} `), empty);
  });

  it('accepts OpenSSH SHA256:base64, with or without padding', () => {
    assert.equal(normaliseFingerprint('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'), empty);
    assert.equal(normaliseFingerprint('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='), empty);
  });

  it('refuses what is not a SHA-256 fingerprint', () => {
    for (const text of ['', 'SHA1:2jmj7l5rSw0yVb/vlWAYkK/YBwk', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', `${empty}00`,
      'e3:b0c4', 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV', 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U']) {
      assert.equal(normaliseFingerprint(text), null, text);
    }
  });
});
