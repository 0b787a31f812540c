import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { databaseTargets } from '../support/databases.ts';
import { bearer, exampleGovernance, startServerFixture } from '../support/server-fixture.ts';
import type { ServerFixture } from '../support/server-fixture.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/inventory/${name}`, import.meta.url));
const asFile = (name: string, bytes: Buffer = fixture(name)) => ({ name, content: bytes.toString('base64') });

const keysExport = JSON.stringify({
  credentials: [
    { kind: 'api_key', id: 'pk_1', name: 'payments-card-processor', source: 'vault', workloads: ['payments-api'], notAfter: '2027-01-01T00:00:00Z' },
    { kind: 'api_key', id: 'pk_2', name: 'payments-refunds', source: 'vault', storageLocation: 'env:KEY', managedStorage: false },
    { kind: 'token', id: 't_1', name: 'agent-triage', source: 'vault', workloads: ['support-assistant'] },
    { kind: 'password', id: 'pw_1', name: 'reports-db', source: 'vault', class: 'data-db-passwords' },
  ],
});

for (const target of databaseTargets) {
  describe(`credentials API on ${target.name}`, () => {
    let server: ServerFixture;
    before(async () => { server = await startServerFixture(target, { governance: true }); });
    after(() => server.close());

    const importFiles = (files: { name: string; content: string }[], extra: Record<string, unknown> = {}) => server.app.inject({
      method: 'POST', url: '/api/v1/credentials/import', headers: bearer(server.adminToken), payload: { files, ...extra },
    });
    const list = (query: string) => server.app.inject({ method: 'GET', url: `/api/v1/credentials?${query}`, headers: bearer(server.adminToken) });

    test('imports a certificate chain with the facts openssl reports, and a re-import of the same material changes nothing', async () => {
      const first = await importFiles([asFile('chain.pem')], { source: 'internal-ca', workloads: ['payments-api'] });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual({ created: first.json().created, updated: first.json().updated }, { created: 3, updated: 0 });
      const leafPem = fixture('chain.pem').toString('utf8').split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
      const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-serial', '-enddate'], { input: leafPem }).toString();
      const fingerprint = /Fingerprint=([0-9A-F:]+)/.exec(openssl)?.[1]?.replaceAll(':', '').toLowerCase();
      const shown = await server.app.inject({ method: 'GET', url: `/api/v1/credentials/${fingerprint}`, headers: bearer(server.adminToken) });
      assert.equal(shown.statusCode, 200);
      const { credential } = shown.json();
      assert.equal(credential.fingerprint, fingerprint);
      assert.equal(credential.serial, /serial=([0-9A-F]+)/.exec(openssl)?.[1]?.toLowerCase());
      assert.equal(new Date(credential.notAfter).getTime(), new Date(/notAfter=(.+)/.exec(openssl)?.[1] ?? '').getTime());
      assert.deepEqual(credential.sans, ['dns:api.acme.example', 'dns:www.acme.example', 'ip:10.0.0.1']);
      assert.deepEqual(credential.workloads, ['payments-api']);
      assert.equal(credential.sourceId, 'internal-ca');

      const again = await importFiles([asFile('chain.pem')]);
      assert.deepEqual({ created: again.json().created, updated: again.json().updated, unchanged: again.json().unchanged }, { created: 0, updated: 0, unchanged: 3 });
      assert.equal((await list('q=acme%20test')).json().total, 3);
    });

    test('classifies by explicit class, by match rules, or leaves unclassified', async () => {
      const result = await importFiles([{ name: 'keys.json', content: Buffer.from(keysExport).toString('base64') }]);
      assert.equal(result.statusCode, 200, result.body);
      assert.equal(result.json().unclassified, 0);
      const payments = (await list('class=payments-api-keys')).json();
      assert.deepEqual(payments.items.map((item: { name: string }) => item.name).sort(), ['payments-card-processor', 'payments-refunds']);
      assert.equal((await list('class=agent-tokens')).json().total, 1);
      assert.equal((await list('class=data-db-passwords')).json().total, 1);
      const unclassified = (await list('unclassified=true')).json();
      assert.equal(unclassified.total, 3, 'the test chain matches no class rule');
      assert.equal((await list('owner=person%3Afrank')).json().total, 2, 'frank owns payments-api-keys');
      assert.equal((await list('workload=support-assistant')).json().total, 1);
    });

    test('a corrupt file names the file and the entry, and imports nothing from any file of the request', async () => {
      const before = (await list('pageSize=1')).json().total;
      const response = await importFiles([asFile('ed25519-self-signed.pem'), asFile('chain-truncated-second.pem')]);
      assert.equal(response.statusCode, 422);
      const problem = response.json();
      assert.equal(problem.code, 'IMPORT_INVALID');
      assert.equal(problem.errors.length, 1);
      assert.match(problem.errors[0], /^chain-truncated-second\.pem: certificate #2 \(line \d+\): /);
      const csv = await importFiles([asFile('bad-date.csv')]);
      assert.match(csv.json().errors[0], /^bad-date\.csv: row 3: .*not_after/i);
      const secret = await importFiles([asFile('secret-column.csv')]);
      assert.equal(secret.json().code, 'IMPORT_INVALID');
      assert.doesNotMatch(secret.body, /sk_live|hunter2/);
      assert.equal((await list('pageSize=1')).json().total, before);
    });

    test('references to undeclared classes, sources or workloads are refused before anything is stored', async () => {
      const before = (await list('pageSize=1')).json().total;
      const response = await importFiles([asFile('ed25519-self-signed.pem')], { class: 'nope', workloads: ['ghost'] });
      assert.equal(response.statusCode, 422);
      assert.deepEqual(response.json().errors, ['--class: class "nope" is not declared in governance', '--workload: workload "ghost" is not declared in governance']);
      const wrongKind = await importFiles([asFile('authorized_keys')], { class: 'public-tls' });
      assert.match(wrongKind.json().errors[0], /a ssh_key cannot join class "public-tls", which governs x509_certificate/);
      assert.equal((await list('pageSize=1')).json().total, before);
    });

    test('governance cannot strand credentials: a class that still holds some keeps its kinds', async () => {
      const narrowed = exampleGovernance.replace('kinds: [api_key]', 'kinds: [token]');
      const response = await server.app.inject({ method: 'POST', url: '/api/v1/governance/apply', headers: bearer(server.adminToken), payload: { document: narrowed } });
      assert.equal(response.statusCode, 409);
      assert.equal(response.json().code, 'CONFLICT');
      assert.deepEqual(response.json().errors, ['class "payments-api-keys" no longer lists api_key but holds 2 credentials of that kind; move them first or keep the kind']);
      const current = await server.app.inject({ method: 'GET', url: '/api/v1/governance', headers: bearer(server.adminToken) });
      assert.equal(current.json().version, 1, 'nothing was applied');
    });

    test('lists filter by expiry window and status, sort and page', async () => {
      const expiring = (await list('expiringWithin=3650d&sort=notAfter')).json();
      const ends = expiring.items.map((item: { notAfter: string }) => item.notAfter);
      assert.deepEqual(ends, [...ends].sort());
      assert.ok(expiring.items.every((item: { status: string }) => item.status === 'active'));
      const paged = (await list('pageSize=2&page=2&sort=-name')).json();
      assert.equal(paged.items.length, 2);
      assert.equal(paged.page, 2);
      const bad = await list('expiringWithin=soon');
      assert.equal(bad.json().code, 'VALIDATION_FAILED');
      assert.match(bad.json().detail, /expiringWithin/);
      const missing = await server.app.inject({ method: 'GET', url: '/api/v1/credentials/cr_nope', headers: bearer(server.adminToken) });
      assert.equal(missing.statusCode, 404);
    });
  });
}
