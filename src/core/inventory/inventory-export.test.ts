// JSON and CSV inventory exports: test/fixtures/inventory/api-keys.{json,csv} and friends, written by hand
// (metadata only), and variants built here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ParseResult } from './index.ts';
import { formatParseFailure, parseTrustMaterial } from './index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/inventory/${name}`, import.meta.url));
const parseText = (name: string, text: string): ParseResult => parseTrustMaterial({ name, bytes: Buffer.from(text) });
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const failureOf = (result: ParseResult) => {
  assert.ok(!result.ok, 'expected the file to be refused');
  return result.error;
};

const fakeSecret = 'tp_live_FAKE_do_not_use_9f8e7d6c';

describe('JSON inventory export', () => {
  it('reads an object with a credentials array into facts', () => {
    const result = parseTrustMaterial({ name: 'api-keys.json', bytes: fixture('api-keys.json') });
    assert.ok(result.ok);
    assert.equal(result.format, 'json');
    assert.deepEqual(result.credentials, [
      {
        entry: 'credentials[0]',
        facts: {
          kind: 'api_key',
          fingerprint: sha256('api_key:stripe:key_7Hq2'),
          name: 'payments-gateway production key',
          externalId: 'key_7Hq2',
          source: 'stripe',
          classId: 'payments-api-keys',
          storageLocation: 'vault:secret/payments/stripe',
          managedStorage: true,
          workloads: ['payments-api', 'refund-worker'],
          exposedTo: ['stripe.com'],
          notBefore: new Date('2026-01-15T00:00:00Z'),
          lastRotatedAt: new Date('2026-01-15T09:30:00Z'),
          status: 'active',
        },
      },
      {
        entry: 'credentials[1]',
        facts: {
          kind: 'token',
          // "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" is OpenSSH's spelling of SHA-256 of nothing.
          fingerprint: sha256(''),
          name: 'release pipeline token',
          externalId: 'pat-20931',
          source: 'github',
          managedStorage: false,
          storageLocation: 'ci variables',
          notAfter: new Date('2027-01-30T23:00:00Z'),
          status: 'active',
        },
      },
      {
        entry: 'credentials[2]',
        facts: {
          kind: 'oauth_client_secret',
          fingerprint: sha256('oauth_client_secret:okta:0oa1b2c3d4'),
          name: '0oa1b2c3d4',
          externalId: '0oa1b2c3d4',
          source: 'okta',
          workloads: [],
          status: 'superseded',
        },
      },
    ]);
  });

  it('reads a bare array, with entries as JSON paths', () => {
    const result = parseText('export.json', JSON.stringify([{ kind: 'password', id: 'a' }, { kind: 'password', id: 'b', keySize: '256' }]));
    assert.ok(result.ok);
    assert.deepEqual(result.credentials.map((credential) => credential.entry), ['[0]', '[1]']);
    assert.equal(result.credentials[1]?.facts.keySize, 256);
  });

  it('refuses a field holding a secret value, naming entry and field but never the value', () => {
    for (const field of ['secret', 'value', 'clientSecret', 'api_key', 'privateKey', 'password', 'accessToken']) {
      const text = JSON.stringify({ credentials: [{ kind: 'api_key', id: 'a' }, { kind: 'api_key', id: 'b', name: 'b', [field]: fakeSecret }] });
      const failure = formatParseFailure(failureOf(parseText('leaky.json', text)));
      assert.equal(failure, `leaky.json: credentials[1]: field "${field}" holds a secret value; inventory exports must carry metadata only — remove the field`);
    }
  });

  it('reports the secret field even when an unknown field comes first', () => {
    const error = failureOf(parseText('leaky.json', JSON.stringify([{ kind: 'api_key', id: 'a', colour: 'red', token: fakeSecret }])));
    assert.match(error.message, /^field "token" holds a secret value/);
  });

  it('refuses an unknown field, so that typos are caught', () => {
    const error = failureOf(parseText('typo.json', JSON.stringify([{ kind: 'api_key', id: 'a', lastRotated: '2026-01-01' }])));
    assert.equal(error.entry, '[0]');
    assert.match(error.message, /^unknown field "lastRotated"; accepted fields: kind, id/);
  });

  it('refuses bad values, naming the field and leaving the value out', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: 'a' }, /^field "kind" is missing/],
      [{ kind: 'certificate', id: 'a' }, /^field "kind" must be one of x509_certificate, /],
      [{ kind: 'token' }, /neither an id \(or externalId\) nor a fingerprint/],
      [{ kind: 'token', id: 'a', status: 'live' }, /^field "status" must be one of pending, active/],
      [{ kind: 'token', id: 'a', notAfter: 'next Tuesday' }, /^field "notAfter" is not an ISO-8601 date/],
      [{ kind: 'token', id: 'a', notAfter: '2026-02-30' }, /^field "notAfter" is not an ISO-8601 date/],
      [{ kind: 'token', fingerprint: 'SHA1:abcdef' }, /^field "fingerprint" is not a SHA-256 fingerprint/],
      [{ kind: 'token', id: 'a', managedStorage: 'maybe' }, /^field "managedStorage" must be true or false/],
      [{ kind: 'token', id: 'a', workloads: 'x'.repeat(300) }, /^field "workloads" must be a list/],
      [{ kind: 'token', id: 'a', workloads: Array.from({ length: 101 }, (_, i) => `w${i}`) }, /^field "workloads" must be a list/],
      [{ kind: 'token', id: 'a', name: 'n'.repeat(513) }, /^field "name" must be at most 512 characters/],
      [{ kind: 'token', id: 'a', keyAlgorithm: 'rsa-ish' }, /^field "keyAlgorithm" must be one of RSA, ECDSA-P256/],
      [{ kind: 'token', id: 'a', keySize: 0 }, /^field "keySize" must be a whole number/],
      [{ kind: 'token', id: 'a', externalId: 'b' }, /^fields "id" and "externalId" both give id; keep one/],
    ];
    for (const [row, message] of cases) {
      const error = failureOf(parseText('bad.json', JSON.stringify([row])));
      assert.equal(error.entry, '[0]');
      assert.match(error.message, message);
      assert.equal(error.message.includes('next Tuesday') || error.message.includes('maybe') || error.message.includes('rsa-ish'), false);
    }
  });

  it('normalises names, algorithms, serials and fingerprints', () => {
    const result = parseText('export.json', JSON.stringify([{
      Kind: 'SIGNING_KEY', external_id: 'k', keyAlgorithm: 'ecdsa_p256', serial: '00:F1:E2', fingerprint: 'AB'.repeat(32), notAfter: '2027-03-01T12:00:00+02:00',
    }]));
    assert.ok(result.ok);
    assert.deepEqual(result.credentials[0]?.facts, {
      kind: 'signing_key', fingerprint: 'ab'.repeat(32), name: 'k', externalId: 'k', keyAlgorithm: 'ECDSA-P256', serial: 'f1e2', notAfter: new Date('2027-03-01T10:00:00Z'),
    });
  });

  it('points at where the JSON breaks without quoting it', () => {
    const error = failureOf(parseText('broken.json', `[{"kind": "token", "id": "a" "secret": "${fakeSecret}"}]`));
    assert.equal(error.entry, 'line 1 column 30');
    assert.equal(error.message.includes(fakeSecret), false);
  });

  it('refuses JSON that is not an export', () => {
    assert.match(failureOf(parseText('settings.json', '{"credential": []}')).message, /"credentials" array/);
    assert.match(failureOf(parseText('empty.json', '[]')).message, /holds no credentials/);
    assert.equal(failureOf(parseText('numbers.json', '[1]')).entry, '[0]');
  });
});

describe('CSV inventory export', () => {
  it('reads rows with snake_case headers, quoted fields and ;-separated lists', () => {
    const result = parseTrustMaterial({ name: 'api-keys.csv', bytes: fixture('api-keys.csv') });
    assert.ok(result.ok);
    assert.equal(result.format, 'csv');
    assert.deepEqual(result.credentials.map((credential) => credential.entry), ['row 1', 'row 2', 'row 3']);
    assert.deepEqual(result.credentials[0]?.facts, {
      kind: 'api_key',
      fingerprint: sha256('api_key:aws-iam:AKIA-EXAMPLE-1'),
      name: 'billing exporter, read-only',
      externalId: 'AKIA-EXAMPLE-1',
      source: 'aws-iam',
      classId: 'cloud-keys',
      storageLocation: 'aws secrets manager',
      managedStorage: true,
      workloads: ['billing-exporter', 'cost-report'],
      notAfter: new Date('2027-03-01T00:00:00Z'),
      lastRotatedAt: new Date('2026-03-01T12:00:00Z'),
      status: 'active',
    });
    assert.deepEqual(result.credentials[1]?.facts.exposedTo, ['openai.com', 'anthropic.com']);
    assert.equal(result.credentials[1]?.facts.managedStorage, false);
    assert.equal(result.credentials[2]?.facts.fingerprint, 'e8f49106efa679b27cc244b82389911be56737526b45d609bcbece0181744419');
    assert.equal(result.credentials[2]?.facts.name, 'db-admin');
  });

  it('names the row and field of a bad date', () => {
    const error = failureOf(parseTrustMaterial({ name: 'bad-date.csv', bytes: fixture('bad-date.csv') }));
    assert.equal(formatParseFailure(error), 'bad-date.csv: row 3: field "not_after" is not an ISO-8601 date; write it like 2027-03-01 or 2027-03-01T12:00:00Z');
  });

  it('refuses a secret column at the header, without repeating any value', () => {
    const error = failureOf(parseTrustMaterial({ name: 'secret-column.csv', bytes: fixture('secret-column.csv') }));
    assert.equal(formatParseFailure(error), 'secret-column.csv: header: column "secret" holds a secret value; inventory exports must carry metadata only — remove the column');
    assert.equal(JSON.stringify(error).includes(fakeSecret), false);
  });

  it('refuses an unknown column and a nameless one', () => {
    assert.match(failureOf(parseText('export.csv', 'kind,id,owner\ntoken,a,alice\n')).message, /^unknown column 3 "owner"/);
    // Without a header row the first row is read as names: a value that may be a secret is not echoed.
    const headless = failureOf(parseText('keys.csv', 'sk_live_51HxQa9ZkT2bVx8Rr3mN,payments key\n'));
    assert.match(headless.message, /^unknown column 1; accepted fields/);
    assert.doesNotMatch(headless.message, /sk_live/);
    const headlessSecret = failureOf(parseText('keys.csv', 'signing_key,release,Hunter2!MasterPassword\n'));
    assert.match(headlessSecret.message, /^column 3 holds a secret value/);
    assert.doesNotMatch(headlessSecret.message, /Hunter2/);
    assert.match(failureOf(parseText('export.csv', 'kind,id,\ntoken,a,\n')).message, /^column 3 has no name/);
  });

  it('names the row of a quoting or length fault without quoting the text', () => {
    const quoting = failureOf(parseText('export.csv', `kind,id,name\ntoken,a,ok\ntoken,b,"${fakeSecret}"x\n`));
    assert.equal(quoting.entry, 'row 2');
    assert.match(quoting.message, /quoted wrongly/);
    assert.equal(quoting.message.includes(fakeSecret), false);
    const short = failureOf(parseText('export.csv', 'kind,id,name\ntoken,a,ok\n\ntoken,b\n'));
    assert.deepEqual([short.entry, short.message], ['row 2', 'the row has 2 fields and the header 3; quote fields that hold commas']);
  });

  it('never repeats a secret from a row whose CSV syntax is broken', () => {
    // The CSV reader's own messages quote the field it stopped in; a person sees only the row and the fault.
    const cases: [string, string, RegExp][] = [
      [`token,b,x${fakeSecret}"\n`, 'row 2', /quoted wrongly/],
      [`token,b,"${fakeSecret}\ntoken,c,d\n`, 'row 2', /never closed/],
      [`token,b,${fakeSecret},extra\n`, 'row 2', /^the row has 4 fields and the header 3/],
    ];
    for (const [row, entry, message] of cases) {
      const error = failureOf(parseText('export.csv', `kind,id,name\ntoken,a,ok\n\n${row}`));
      assert.deepEqual([error.entry, message.test(error.message)], [entry, true], row);
      assert.equal(JSON.stringify(error).includes(fakeSecret.slice(0, 12)), false, row);
    }
  });

  it('reports the first fault in the file, a bad row before a broken one', () => {
    const error = failureOf(parseText('export.csv', `kind,id,not_after\ntoken,a,soon\ntoken,b,"${fakeSecret}\n`));
    assert.deepEqual([error.entry, error.message.startsWith('field "not_after" is not an ISO-8601 date')], ['row 1', true]);
  });

  it('accepts a JSON array in a list cell, a BOM and CRLF line ends', () => {
    const result = parseText('export.csv', '\uFEFFKind,ID,Workloads\r\ntoken,a,"[""api"",""worker""]"\r\n');
    assert.ok(result.ok);
    assert.deepEqual(result.credentials[0]?.facts.workloads, ['api', 'worker']);
  });

  it('reads a one-column file as CSV by its extension', () => {
    assert.match(failureOf(parseText('ids.csv', 'kind\ntoken\n')).message, /neither an id/);
  });

  it('refuses a header without rows', () => {
    assert.match(failureOf(parseText('export.csv', 'kind,id\n')).message, /no rows after the header/);
  });

  it('parses 200,000 rows in linear time', () => {
    // A guard against quadratic work, generous enough for a busy machine; a million rows take seconds.
    const rows = ['kind,id,name,source,workloads,not_after,managed_storage'];
    for (let index = 0; index < 200_000; index++) rows.push(`api_key,key-${index},service key ${index},aws-iam,svc-${index % 100};billing,2027-03-01,yes`);
    const started = performance.now();
    const result = parseText('big.csv', rows.join('\n'));
    const elapsed = performance.now() - started;
    assert.ok(result.ok);
    assert.equal(result.credentials.length, 200_000);
    assert.equal(result.credentials[199_999]?.entry, 'row 200000');
    assert.ok(elapsed < 20_000, `took ${Math.round(elapsed)} ms`);
  });
});
