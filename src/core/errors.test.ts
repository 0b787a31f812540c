import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCatalog, errorCodes } from './errors.ts';

test('every error code is documented in docs/errors.md with its HTTP status, and nothing else is', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1], Number(match[2])]));
  for (const code of errorCodes) {
    assert.equal(documented.get(code), errorCatalog[code].status, `docs/errors.md documents ${code} with status ${errorCatalog[code].status}`);
  }
  assert.deepEqual([...documented.keys()].sort(), [...errorCodes].sort());
});
