import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { createUnitOfWork } from '../db/unit-of-work.ts';
import type { CredentialUpsert } from './credential-rows.ts';

const now = '2026-11-22T12:00:00.000Z';

const credential = (n: number, overrides: Partial<CredentialUpsert> = {}): CredentialUpsert => ({
  id: `cr_${String(n).padStart(20, '0')}`,
  fingerprint: String(n).padStart(64, '0'),
  kind: 'x509_certificate',
  name: `service-${n}.svc.acme.internal`,
  classId: 'internal-mtls',
  classifiedAs: null,
  sourceId: 'internal-ca',
  status: null,
  subject: `CN=service-${n}.svc.acme.internal`,
  issuer: 'CN=Acme Issuing CA',
  serial: n.toString(16),
  sans: [`dns:service-${n}.svc.acme.internal`],
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: new Date(Date.parse(now) + (n - 5) * 86_400_000).toISOString(),
  keyAlgorithm: 'ECDSA-P256',
  keySize: 256,
  isCa: false,
  signatureAlgorithm: 'ecdsa-with-SHA256',
  externalId: null,
  storageLocation: null,
  managedStorage: null,
  exposedTo: [],
  lastRotatedAt: null,
  importedFrom: 'bundle.pem',
  workloads: ['payments-api'],
  ...overrides,
});

for (const target of databaseTargets) {
  describe(`credential store on ${target.name}`, () => {
    let database: TestDatabase;
    before(async () => { database = await target.create(); });
    after(() => database.destroy());

    test('an upsert of a known fingerprint updates and never duplicates', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const first = await unitOfWork((tx) => tx.credentials.upsert([credential(1), credential(2)], now));
      assert.deepEqual(first, { created: [credential(1).id, credential(2).id], updated: [], unchanged: [] });
      const second = await unitOfWork((tx) => tx.credentials.upsert([credential(2, { name: 'renamed', classId: null, workloads: null }), credential(3)], now));
      assert.deepEqual(second, { created: [credential(3).id], updated: [{ id: credential(2).id, changes: { name: { from: credential(2).name, to: 'renamed' } } }], unchanged: [] });
      const found = await unitOfWork((tx) => tx.credentials.findById(credential(2).id, now));
      assert.equal(found?.name, 'renamed');
      assert.equal(found?.classId, 'internal-mtls', 'an import without a class keeps the class already recorded');
      assert.deepEqual(found?.workloads, ['payments-api'], 'an import without workloads keeps the recorded ones');
      const count = await unitOfWork((tx) => tx.credentials.count({ now }, 1000));
      assert.equal(count, 3);
    });

    test('credentials just made are recorded as an upsert records new ones; one already on record rolls the whole write back', async (t) => {
      // A database of its own: the tests below count what the others recorded.
      const own = await target.create();
      t.after(() => own.destroy());
      const unitOfWork = createUnitOfWork(own.database);
      const [made, upserted] = [[credential(40), credential(41, { workloads: ['payments-api', 'checkout'] })], [credential(42), credential(43, { workloads: ['payments-api', 'checkout'] })]];
      await unitOfWork((tx) => tx.credentials.insertNew(made, now));
      await unitOfWork((tx) => tx.credentials.upsert(upserted, now));
      for (const [index, entry] of made.entries()) {
        const recorded = await unitOfWork((tx) => tx.credentials.findById(entry.id, now));
        const viaUpsert = await unitOfWork((tx) => tx.credentials.findById(upserted[index]!.id, now));
        assert.ok(recorded !== null && viaUpsert !== null);
        const differing = new Set(['id', 'fingerprint', 'name', 'subject', 'serial', 'sans', 'notAfter']);
        const same = (record: object) => Object.entries(record).filter(([key]) => !differing.has(key));
        assert.deepEqual(same(recorded), same(viaUpsert), `credential ${index + 1}: every fact but its own identity as an upsert records it`);
        assert.equal(recorded.name, entry.name);
      }
      await assert.rejects(unitOfWork((tx) => tx.credentials.insertNew([credential(44), credential(40, { name: 'again' })], now)), (error: Error & { code?: string }) => error.code === 'CONFLICT');
      assert.equal(await unitOfWork((tx) => tx.credentials.findById(credential(44).id, now)), null, 'nothing of the refused write remains');
      assert.equal((await unitOfWork((tx) => tx.credentials.findById(credential(40).id, now)))?.name, credential(40).name, 'the record is not merged');
    });

    // What an import may state at all is decided before the store (import-restatement.ts); a change's
    // result may state a class.
    test('a restatement keeps what it does not state; the class it states wins, a rule\'s guess does not', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const original = credential(60, { workloads: ['payments-api', 'payments-api'] });
      await unitOfWork((tx) => tx.credentials.upsert([original], now));
      assert.deepEqual((await unitOfWork((tx) => tx.credentials.findById(original.id, now)))?.workloads, ['payments-api'], 'workloads are a set');
      const metadataOnly = credential(60, {
        kind: 'private_key', name: 'from an export', classId: null, classifiedAs: 'other-class', subject: null, issuer: null, serial: null, sans: null,
        notBefore: null, notAfter: null, keyAlgorithm: null, keySize: null, isCa: null, signatureAlgorithm: null, storageLocation: 'vault:kv/x', workloads: null,
      });
      await unitOfWork((tx) => tx.credentials.upsert([metadataOnly], now));
      const merged = await unitOfWork((tx) => tx.credentials.findById(original.id, now));
      assert.equal(merged?.kind, 'x509_certificate', 'the kind of a known credential never changes');
      assert.equal(merged?.classId, 'internal-mtls', "a rule's classification does not replace the recorded class");
      assert.equal(merged?.subject, original.subject);
      assert.deepEqual(merged?.sans, original.sans);
      assert.equal(merged?.notAfter, original.notAfter, 'validity survives, so the credential still expires');
      assert.equal(merged?.storageLocation, 'vault:kv/x');
      assert.equal(merged?.name, 'from an export');
      await unitOfWork((tx) => tx.credentials.upsert([{ ...metadataOnly, classId: 'explicit-class' }], now));
      assert.equal((await unitOfWork((tx) => tx.credentials.findById(original.id, now)))?.classId, 'explicit-class', 'a stated class wins');
      const found = await unitOfWork((tx) => tx.credentials.count({ now, text: 'fraud' }, 10));
      assert.equal(found, 0);
      assert.equal(await unitOfWork((tx) => tx.credentials.count({ now, text: 'service-60.svc' }, 10)), 1, 'search still finds the merged subject');
    });

    test('two fingerprints that share an id are refused, not merged', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const impostor = credential(1, { fingerprint: `${credential(1).fingerprint.slice(0, 63)}f`, name: 'impostor' });
      await assert.rejects(unitOfWork((tx) => tx.credentials.upsert([credential(50), impostor], now)), /shares its id/);
      assert.equal((await unitOfWork((tx) => tx.credentials.findById(credential(1).id, now)))?.name, `service-1.svc.acme.internal`);
      assert.equal(await unitOfWork((tx) => tx.credentials.findById(credential(50).id, now)), null, 'the whole upsert rolled back');
    });

    test('filters by expiry window, effective status, class, workload and text', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const batch = Array.from({ length: 40 }, (_, i) => credential(100 + i - 95 + 90, {
        id: `cr_${String(1000 + i).padStart(20, '0')}`,
        fingerprint: `f${String(i).padStart(63, '0')}`,
        name: `batch-${i}`,
        classId: i % 2 === 0 ? 'internal-mtls' : null,
        notAfter: new Date(Date.parse(now) + (i - 10) * 86_400_000).toISOString(),
        workloads: i % 4 === 0 ? ['checkout'] : [],
      }));
      await unitOfWork((tx) => tx.credentials.upsert(batch, now));
      const base = { now, sort: 'notAfter' as const, descending: false, limit: 100, offset: 0 };
      const expiring = await unitOfWork((tx) => tx.credentials.list({ ...base, text: 'batch-', expiringBefore: new Date(Date.parse(now) + 5 * 86_400_000).toISOString() }));
      assert.deepEqual(expiring.map((c) => c.name), ['batch-10', 'batch-11', 'batch-12', 'batch-13', 'batch-14', 'batch-15']);
      const expired = await unitOfWork((tx) => tx.credentials.list({ ...base, text: 'batch-', status: 'expired' }));
      assert.equal(expired.length, 10);
      assert.ok(expired.every((c) => c.status === 'expired'), 'an active credential past its not-after shows as expired');
      const unclassified = await unitOfWork((tx) => tx.credentials.count({ now, text: 'batch-', unclassified: true }, 1000));
      assert.equal(unclassified, 20);
      const forWorkload = await unitOfWork((tx) => tx.credentials.count({ now, workloadId: 'checkout' }, 1000));
      assert.equal(forWorkload, 10);
      const page = await unitOfWork((tx) => tx.credentials.list({ ...base, text: 'batch-', classIds: ['internal-mtls'], limit: 5, offset: 5, sort: 'name' }));
      assert.deepEqual(page.map((c) => c.name), ['batch-18', 'batch-2', 'batch-20', 'batch-22', 'batch-24']);
      const none = await unitOfWork((tx) => tx.credentials.count({ now, classIds: [] }, 1000));
      assert.equal(none, 0);
      const literal = await unitOfWork((tx) => tx.credentials.count({ now, text: 'batch_%' }, 1000));
      assert.equal(literal, 0, 'LIKE wildcards in search text match literally');
      const capped = await unitOfWork((tx) => tx.credentials.count({ now, text: 'batch-' }, 7));
      assert.equal(capped, 7, 'counting stops at the cap');
    });

    test('a page over several classes is merged in order, as one query would order it', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const mixed = Array.from({ length: 30 }, (_, i) => credential(2000 + i, {
        id: `cr_${String(2000 + i).padStart(20, '0')}`,
        fingerprint: `e${String(i).padStart(63, '0')}`,
        name: `mixed-${i}`,
        classId: ['alpha', 'beta', 'gamma'][i % 3] as string,
        notAfter: i % 7 === 0 ? null : new Date(Date.parse(now) + (((i * 11) % 30) - 5) * 86_400_000).toISOString(),
      }));
      await unitOfWork((tx) => tx.credentials.upsert(mixed, now));
      const base = { now, text: 'mixed-', sort: 'notAfter' as const, limit: 7 };
      for (const descending of [false, true]) {
        for (const offset of [0, 7, 14]) {
          const merged = await unitOfWork((tx) => tx.credentials.list({ ...base, descending, offset, classIds: ['alpha', 'beta'] }));
          const all = await unitOfWork((tx) => tx.credentials.list({ ...base, descending, offset: 0, limit: 100 }));
          const expected = all.filter((c) => c.classId === 'alpha' || c.classId === 'beta').slice(offset, offset + 7);
          assert.deepEqual(merged.map((c) => c.id), expected.map((c) => c.id), `descending ${descending}, offset ${offset}`);
        }
      }
      assert.equal(await unitOfWork((tx) => tx.credentials.count({ now, text: 'mixed-', classIds: ['alpha', 'beta'] }, 100)), 20);
      // Effective expiry is a union too: credentials stored as expired, and active ones past their not-after.
      await unitOfWork((tx) => tx.credentials.upsert([credential(3000, { id: `cr_${'3'.repeat(20)}`, fingerprint: '3'.repeat(64), name: 'mixed-stored-expired', classId: 'alpha', status: 'expired', notAfter: null })], now));
      const expired = await unitOfWork((tx) => tx.credentials.list({ ...base, descending: false, offset: 0, limit: 100, status: 'expired', classIds: ['alpha', 'beta'] }));
      const everything = await unitOfWork((tx) => tx.credentials.list({ ...base, descending: false, offset: 0, limit: 100 }));
      assert.deepEqual(expired.map((c) => c.id), everything.filter((c) => c.status === 'expired' && (c.classId === 'alpha' || c.classId === 'beta')).map((c) => c.id));
      assert.ok(expired.length > 2, 'lapsed and stored-expired credentials both appear');
      assert.equal(expired.at(-1)?.name, 'mixed-stored-expired', 'never-expiring sorts last');
      assert.equal(await unitOfWork((tx) => tx.credentials.count({ now, text: 'mixed-', status: 'expired', classIds: ['alpha', 'beta'] }, 100)), expired.length);
      assert.equal(await unitOfWork((tx) => tx.credentials.count({ now, text: 'mixed-', classIds: ['alpha', 'beta'] }, 15)), 15);
    });

    test('counts by class and effective status', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const counts = await unitOfWork((tx) => tx.credentials.countByClassAndStatus(now));
      const expiredUnclassified = counts.find((row) => row.classId === null && row.status === 'expired');
      assert.equal(expiredUnclassified?.count, 5);
      const oneClass = await unitOfWork((tx) => tx.credentials.countByClassAndStatus(now, 'internal-mtls'));
      const byStatus = (rows: typeof counts) => rows.map((row) => `${row.status}=${row.count}`).sort();
      assert.deepEqual(byStatus(oneClass), byStatus(counts.filter((row) => row.classId === 'internal-mtls')), 'one class counts as it does among all');
      const total = counts.filter((row) => !['alpha', 'beta', 'gamma', 'explicit-class'].includes(row.classId ?? '')).reduce((sum, row) => sum + row.count, 0);
      assert.equal(total, 43);
    });
  });
}
