// An import adds credentials and refreshes facts; it never changes the kind, class or status of a
// credential on record (core/inventory/import-restatement.ts). Through the HTTP route, on both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTrustMaterial } from '../../src/core/inventory/index.ts';
import { createUnitOfWork } from '../../src/server/db/unit-of-work.ts';
import { databaseTargets } from '../support/databases.ts';
import { bearer, startServerFixture } from '../support/server-fixture.ts';
import type { ServerFixture } from '../support/server-fixture.ts';

const chain = readFileSync(new URL('../fixtures/inventory/chain.pem', import.meta.url));
const parsed = parseTrustMaterial({ name: 'chain.pem', bytes: chain });
assert.ok(parsed.ok);
const leaf = parsed.credentials[0]!.facts;
const leafId = `cr_${leaf.fingerprint.slice(0, 20)}`;

const asFile = (name: string, content: string | Buffer) => ({ name, content: Buffer.from(content).toString('base64') });
const rows = (...credentials: Record<string, unknown>[]) => JSON.stringify({ credentials });

type Notice = { file: string; entry: string; credentialId: string; outcome: string; heldBack: { field: string; asked: string; stands: string; reason: string }[] };

for (const target of databaseTargets) {
  describe(`imports and trust state on ${target.name}`, () => {
    let server: ServerFixture;
    before(async () => {
      server = await startServerFixture(target, { governance: true });
      const first = await importFiles([asFile('chain.pem', chain)], { class: 'public-tls', source: 'internal-ca' });
      assert.equal(first.statusCode, 200, first.body);
    });
    after(() => server.close());

    const importFiles = (files: { name: string; content: string }[], extra: Record<string, unknown> = {}) => server.app.inject({
      method: 'POST', url: '/api/v1/credentials/import', headers: bearer(server.adminToken), payload: { files, ...extra },
    });
    const show = async (id: string) => (await server.app.inject({ method: 'GET', url: `/api/v1/credentials/${id}`, headers: bearer(server.adminToken) })).json().credential;
    const lastImportAudit = async () => {
      const row = await server.database.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'credentials.import').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      return JSON.parse(row.details) as Record<string, { count: number; listed: unknown[]; leftOut: number }>;
    };

    test('a revoked certificate re-imported as active stays revoked; the facts of the row are refreshed and the status is reported', async () => {
      await createUnitOfWork(server.database.database)((tx) => tx.credentials.setStatus([leafId], 'revoked', new Date().toISOString()));
      const response = await importFiles([asFile('export.json', rows({ kind: 'x509_certificate', fingerprint: leaf.fingerprint, status: 'active', storageLocation: 'vault:kv/tls' }))]);
      assert.equal(response.statusCode, 200, response.body);
      const summary = response.json();
      assert.deepEqual({ updated: summary.updated, heldBack: summary.heldBack, skipped: summary.skipped }, { updated: 1, heldBack: 1, skipped: 0 });
      const credential = await show(leafId);
      assert.equal(credential.status, 'revoked');
      assert.equal(credential.storageLocation, 'vault:kv/tls', 'what an import may refresh, it refreshes');
      assert.equal(credential.name, 'api.acme.example', 'a row without the subject does not rename the certificate');
      const [notice] = summary.notices as Notice[];
      assert.equal(notice?.credentialId, leafId);
      assert.equal(notice?.outcome, 'refreshed');
      assert.deepEqual(notice?.heldBack.map(({ field, asked, stands }) => ({ field, asked, stands })), [
        { field: 'status', asked: 'active', stands: 'revoked' },
        { field: 'name', asked: `x509_certificate ${leaf.fingerprint.slice(0, 16)}`, stands: 'api.acme.example' },
      ]);
      assert.match(notice?.heldBack[0]?.reason ?? '', /only through a change/);
    });

    test('an import with another --class does not move a classified credential; an unclassified one of the same import is classified', async () => {
      const before = await show(leafId);
      const selfSigned = readFileSync(new URL('../fixtures/inventory/ed25519-self-signed.pem', import.meta.url));
      const response = await importFiles([asFile('chain.pem', chain), asFile('ed25519-self-signed.pem', selfSigned)], { class: 'code-signing' });
      assert.equal(response.statusCode, 200, response.body);
      const summary = response.json();
      assert.equal(summary.heldBack, 3, 'the three certificates of the chain keep public-tls');
      assert.ok((summary.notices as Notice[]).every((notice) => notice.heldBack.some((held) => held.field === 'class' && held.asked === 'code-signing' && held.stands === 'public-tls')));
      assert.equal((await show(leafId)).classId, 'public-tls');
      // Only the bookkeeping moves: which file restated it last, and when.
      assert.deepEqual({ ...await show(leafId), importedFrom: null, updatedAt: null }, { ...before, importedFrom: null, updatedAt: null }, 'nothing else changed either');
      const selfSignedId = `cr_${(parseTrustMaterial({ name: 'x.pem', bytes: selfSigned }) as { ok: true; credentials: { facts: { fingerprint: string } }[] }).credentials[0]!.facts.fingerprint.slice(0, 20)}`;
      assert.equal((await show(selfSignedId)).classId, 'code-signing', 'a new credential takes the class asked for');
    });

    test('a metadata row of another kind carrying a certificate\'s fingerprint is skipped: no rename, no re-kind, nothing of it applied', async () => {
      const before = await show(leafId);
      const response = await importFiles([asFile('keys.json', rows({ kind: 'private_key', fingerprint: leaf.fingerprint, name: 'renamed', storageLocation: 'file:/tmp/x', status: 'retired' }))]);
      assert.equal(response.statusCode, 200, response.body);
      const summary = response.json();
      assert.deepEqual({ created: summary.created, updated: summary.updated, unchanged: summary.unchanged, skipped: summary.skipped }, { created: 0, updated: 0, unchanged: 0, skipped: 1 });
      const after = await show(leafId);
      assert.deepEqual(after, before);
      assert.equal(after.kind, 'x509_certificate');
      const [notice] = summary.notices as Notice[];
      assert.deepEqual({ entry: notice?.entry, outcome: notice?.outcome, field: notice?.heldBack[0]?.field, asked: notice?.heldBack[0]?.asked, stands: notice?.heldBack[0]?.stands },
        { entry: 'credentials[0]', outcome: 'skipped', field: 'kind', asked: 'private_key', stands: 'x509_certificate' });
      const audit = await lastImportAudit();
      assert.equal(audit.heldBack?.count, 1);
    });

    test('the audit entry names each credential created and updated, with what changed', async () => {
      const response = await importFiles([asFile('vault.json', rows(
        { kind: 'api_key', id: 'k-audit-1', name: 'audit-one', source: 'vault' },
        { kind: 'x509_certificate', fingerprint: leaf.fingerprint, storageLocation: 'vault:kv/tls-2', workloads: ['payments-api'] },
      ))]);
      assert.equal(response.statusCode, 200, response.body);
      const audit = await lastImportAudit();
      assert.equal(audit.created?.count, 1);
      assert.match(String(audit.created?.listed[0]), /^cr_[0-9a-f]{20}$/);
      assert.deepEqual(audit.updated, {
        count: 1,
        listed: [{ id: leafId, changes: { storageLocation: { from: 'vault:kv/tls', to: 'vault:kv/tls-2' }, workloads: { from: [], to: ['payments-api'] } } }],
        leftOut: 0,
      });
      const again = await importFiles([asFile('vault.json', rows({ kind: 'api_key', id: 'k-audit-1', name: 'audit-one', source: 'vault' }))]);
      assert.equal(again.json().unchanged, 1);
      assert.equal((await lastImportAudit()).updated?.count, 0, 'restating what is recorded changes nothing, and says so');
    });
  });
}
