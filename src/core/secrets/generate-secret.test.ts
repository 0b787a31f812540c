import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { secretAlphabets } from '../governance/governance-vocabulary.ts';
import { generateSecret, secretAlphabetCharacters } from './generate-secret.ts';

/** A deterministic byte source: SHA-256 in counter mode over a seed, so every run draws the same bytes. */
const seededBytes = (seed: string): ((n: number) => Uint8Array) => {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      pool = Buffer.concat([pool, createHash('sha256').update(`${seed}:${counter}`).digest()]);
      counter += 1;
    }
    const out = Uint8Array.from(pool.subarray(0, n));
    pool = pool.subarray(n);
    return out;
  };
};

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
const chiSquare = (counts: readonly number[], total: number): number => {
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
};

/**
 * The chi-square value a uniform draw over `categories` stays below with probability ~0.9999, by the
 * Wilson–Hilferty approximation (z = 3.72). A fixed seed makes the test deterministic; the threshold
 * keeps it meaningful: the biased control below exceeds it many times over.
 */
const criticalValue = (categories: number): number => {
  const k = categories - 1;
  const z = 3.72;
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
};

const countCharacters = (values: readonly string[], alphabet: string): number[] => {
  const counts = new Array<number>(alphabet.length).fill(0);
  for (const value of values) {
    for (const character of value) counts[alphabet.indexOf(character)] = (counts[alphabet.indexOf(character)] ?? 0) + 1;
  }
  return counts;
};

describe('generateSecret', () => {
  test('the value is the prefix followed by exactly `length` characters of the alphabet', () => {
    const random = seededBytes('shape');
    for (const alphabet of secretAlphabets) {
      for (const length of [1, 8, 40, 257]) {
        const value = generateSecret({ length, alphabet, prefix: 'acme_pay_' }, random);
        assert.ok(value.startsWith('acme_pay_'), value);
        const body = value.slice('acme_pay_'.length);
        assert.equal(body.length, length);
        for (const character of body) assert.ok(secretAlphabetCharacters[alphabet].includes(character), `${character} is in ${alphabet}`);
      }
    }
  });

  test('defaults: 32 base64url characters, no prefix', () => {
    const value = generateSecret({}, seededBytes('defaults'));
    assert.match(value, /^[A-Za-z0-9_-]{32}$/);
  });

  test('the alphabets are the ones named: 62, 16, 32 and 64 distinct characters', () => {
    assert.deepEqual(Object.fromEntries(secretAlphabets.map((name) => [name, new Set(secretAlphabetCharacters[name]).size])), { alphanumeric: 62, hex: 16, base32: 32, base64url: 64 });
    assert.match(secretAlphabetCharacters.base32, /^[A-Z2-7]{32}$/);
  });

  test('two draws from a real random source differ', () => {
    assert.notEqual(generateSecret({ length: 20 }, randomBytes), generateSecret({ length: 20 }, randomBytes));
  });

  test('no modulo bias: characters are uniform by a chi-square test over 124,000 draws, which a plain modulo fails', () => {
    const alphabet = secretAlphabetCharacters.alphanumeric;
    const random = seededBytes('uniformity');
    const values = Array.from({ length: 1000 }, () => generateSecret({ length: 124, alphabet: 'alphanumeric' }, random));
    const total = 124_000;
    const threshold = criticalValue(alphabet.length);
    const statistic = chiSquare(countCharacters(values, alphabet), total);
    assert.ok(statistic < threshold, `chi-square ${statistic.toFixed(1)} is below ${threshold.toFixed(1)}`);

    // The control: the same bytes mapped by `byte % 62` without rejection favour the first 8 characters.
    const biasedSource = seededBytes('uniformity');
    const biased = Array.from(biasedSource(total), (byte) => alphabet.charAt(byte % alphabet.length));
    const biasedStatistic = chiSquare(countCharacters([biased.join('')], alphabet), total);
    assert.ok(biasedStatistic > 3 * threshold, `a plain modulo gives chi-square ${biasedStatistic.toFixed(1)}, far above ${threshold.toFixed(1)}`);
  });

  test('bytes at or above the largest multiple of the alphabet size are rejected, not folded', () => {
    // 248 is the first byte alphanumeric rejects (4 × 62); 0 and 61 map to the first and last characters.
    const bytes = [248, 255, 0, 250, 61];
    let offset = 0;
    const source = (n: number) => {
      const out = new Uint8Array(n).fill(252);
      for (let index = 0; index < n && offset < bytes.length; index += 1, offset += 1) out[index] = bytes[offset] ?? 252;
      return out;
    };
    assert.equal(generateSecret({ length: 2, alphabet: 'alphanumeric' }, source), 'A9');
  });

  test('bounded input: lengths, prefixes and alphabets outside the limits are refused', () => {
    const random = seededBytes('bounds');
    for (const length of [0, -1, 1.5, 4097, Number.NaN]) {
      assert.throws(() => generateSecret({ length }, random), { code: 'VALIDATION_FAILED' }, `length ${length}`);
    }
    assert.throws(() => generateSecret({ prefix: 'x'.repeat(65) }, random), { code: 'VALIDATION_FAILED' });
    assert.throws(() => generateSecret({ prefix: 'has space' }, random), { code: 'VALIDATION_FAILED' });
    assert.throws(() => generateSecret({ alphabet: 'emoji' as never }, random), { code: 'VALIDATION_FAILED' });
    assert.equal(generateSecret({ length: 4096, alphabet: 'hex' }, random).length, 4096);
  });

  test('a broken random source fails instead of looping for ever or being trusted', () => {
    let asked = 0;
    const stuck = (n: number) => {
      asked += n;
      return new Uint8Array(n).fill(0xff);
    };
    assert.throws(() => generateSecret({ length: 32, alphabet: 'alphanumeric' }, stuck), { code: 'INTERNAL', message: /not uniform/ });
    assert.ok(asked < 32 * 17 + 200, `it gave up after ${asked} bytes`);
    assert.throws(() => generateSecret({ length: 32 }, (n) => new Uint8Array(n - 1)), { code: 'INTERNAL', message: /returned/ });
  });
});
