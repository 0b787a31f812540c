// The audit log's Merkle tree as the database keeps it, on SQLite and PostgreSQL: what is stored hashes
// to the root that a tree rebuilt from the entries alone gives; proofs from stored nodes verify;
// appenders racing on PostgreSQL still number the leaves densely; and an append that fails takes the
// change with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { entryLeafHash } from '../../core/audit/audit-entry.ts';
import { appendLeaves, emptyFrontier, frontierRoot, verifyConsistency, verifyInclusion } from '../../core/audit/merkle.ts';
import { createAuditReader, createUnitOfWork } from '../db/unit-of-work.ts';
import type { AuditEvent } from './audit-store.ts';

const event = (n: number): AuditEvent => ({
  at: new Date(Date.parse('2026-11-22T12:00:00Z') + n * 1000),
  actor: `person:p${n % 7}`,
  action: n % 3 === 0 ? 'change.approve' : 'change.request',
  target: `change:ch_${n}`,
  ...(n % 2 === 0 ? { requestId: `req-${n}` } : {}),
  governanceVersion: 3,
  details: { n, reason: `reason ${n} — ünïcödé`, nested: { b: 2, a: [1, 'x', null] } },
});

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

for (const target of databaseTargets) {
  describe(`audit log on ${target.name}`, () => {
    let database: TestDatabase;
    before(async () => { database = await target.create(); });
    after(() => database.destroy());

    /** Every stored entry in leaf order, and the root a tree rebuilt from their JSON alone gives. */
    const rebuilt = async () => {
      const size = Number((await database.database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()).count);
      const rows = await createUnitOfWork(database.database)((tx) => tx.audit.entriesFrom(0, size + 1));
      rows.forEach((row, index) => assert.equal(row.index, index, 'leaf indexes are dense from 0'));
      const leaves = rows.map((row) => entryLeafHash(row.entry));
      rows.forEach((row, index) => assert.equal(row.leafHash, hex(leaves[index]!), `entry ${index}: its columns hash to the leaf the log recorded`));
      return { leaves, root: frontierRoot(appendLeaves(emptyFrontier, leaves).frontier) };
    };

    test('appends one at a time and in batches keep a tree whose stored root and proofs match one rebuilt from the entries', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const before = (await rebuilt()).leaves.length;
      for (let n = 0; n < 20; n += 1) await unitOfWork((tx) => tx.audit.append(event(n)));
      await unitOfWork((tx) => tx.audit.appendAll(Array.from({ length: 45 }, (_, n) => event(20 + n))));
      await unitOfWork((tx) => tx.audit.appendAll(Array.from({ length: 600 }, (_, n) => event(65 + n))));
      const { leaves, root } = await rebuilt();
      assert.equal(leaves.length, before + 665);
      const head = await unitOfWork((tx) => tx.audit.head());
      assert.equal(head.size, leaves.length);
      assert.equal(hex(head.root), hex(root));
      assert.equal(hex(await unitOfWork((tx) => tx.audit.rootAt(head.size))), hex(root));

      for (const index of [0, 1, 2, 63, 64, 65, 200, leaves.length - 2, leaves.length - 1]) {
        const proof = await unitOfWork((tx) => tx.audit.inclusionProof(index, head.size));
        assert.ok(verifyInclusion(index, head.size, leaves[index]!, proof, head.root), `entry ${index}`);
        const entry = await unitOfWork((tx) => tx.audit.entryAt(index));
        assert.equal(hex(entryLeafHash(entry!.entry)), hex(leaves[index]!), 'the stored JSON hashes to the stored leaf');
      }
      for (const first of [1, 7, 64, 100, head.size - 1]) {
        const [firstRoot, proof] = await unitOfWork(async (tx) => [await tx.audit.rootAt(first), await tx.audit.consistencyProof(first, head.size)] as const);
        assert.equal(hex(firstRoot), hex(frontierRoot(appendLeaves(emptyFrontier, leaves.slice(0, first)).frontier)));
        assert.ok(verifyConsistency(first, head.size, firstRoot, head.root, proof), `${first} → ${head.size}`);
      }
    });

    test('the reader outside transactions (a named statement on PostgreSQL, a cache of nodes) gives the same proofs, twice', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const reader = createAuditReader(database.database);
      const { size } = await unitOfWork((tx) => tx.audit.head());
      for (const round of [1, 2]) {
        for (const index of [0, 5, Math.floor(size / 2), size - 1]) {
          const expected = await unitOfWork((tx) => tx.audit.inclusionProof(index, size));
          assert.deepEqual((await reader.inclusionProof(index, size)).map(hex), expected.map(hex), `entry ${index}, round ${round}`);
        }
        assert.deepEqual((await reader.consistencyProof(7, size)).map(hex), (await unitOfWork((tx) => tx.audit.consistencyProof(7, size))).map(hex));
      }
    });

    test('the leaf is the event as canonical JSON (RFC 8785): sorted keys, no whitespace', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      await unitOfWork((tx) => tx.audit.append({ at: new Date('2026-11-22T12:00:00.123Z'), actor: 'person:ivan', action: 'token.create', target: 'token:tk_1', details: { z: 1, a: { y: true, b: [2, 1] } } }));
      const { size } = await unitOfWork((tx) => tx.audit.head());
      const entry = await unitOfWork((tx) => tx.audit.entryAt(size - 1));
      assert.equal(entry?.entry, `{"action":"token.create","actor":"person:ivan","at":"2026-11-22T12:00:00.123Z","details":{"a":{"b":[2,1],"y":true},"z":1},"governanceVersion":null,"index":${size - 1},"requestId":null,"target":"token:tk_1"}`);
    });

    test('appenders racing in separate transactions still number the leaves densely, and the root holds', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const before = (await unitOfWork((tx) => tx.audit.head())).size;
      await Promise.all(Array.from({ length: 12 }, (_, lane) => (async () => {
        for (let round = 0; round < 5; round += 1) await unitOfWork((tx) => tx.audit.appendAll([event(1000 + lane * 10 + round), event(2000 + lane * 10 + round)]));
      })()));
      const { leaves, root } = await rebuilt();
      assert.equal(leaves.length, before + 120);
      assert.equal(hex((await unitOfWork((tx) => tx.audit.head())).root), hex(root));
    });

    test('fail closed: when the append fails, the change it records does not happen', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const { size } = await unitOfWork((tx) => tx.audit.head());
      // The state row gone, every append fails; the credential written before it in the same transaction must roll back.
      const state = await database.database.db.selectFrom('audit_log_state').selectAll().executeTakeFirstOrThrow();
      await sql`delete from audit_log_state`.execute(database.database.db);
      try {
        await assert.rejects(unitOfWork(async (tx) => {
          await tx.credentials.upsert([{
            id: 'cr_failclosed', fingerprint: 'f'.repeat(64), kind: 'api_key', name: 'fail-closed', classId: null, classifiedAs: null, sourceId: null, status: null,
            subject: null, issuer: null, serial: null, sans: null, notBefore: null, notAfter: null, keyAlgorithm: null, keySize: null, isCa: null,
            signatureAlgorithm: null, externalId: null, storageLocation: null, managedStorage: null, exposedTo: [], lastRotatedAt: null, importedFrom: 'test', workloads: null,
          }], new Date().toISOString());
          await tx.audit.append(event(9999));
        }), /no state row/);
      } finally {
        await database.database.db.insertInto('audit_log_state').values(state).execute();
      }
      const found = await unitOfWork((tx) => tx.credentials.findById('cr_failclosed', new Date().toISOString()));
      assert.equal(found, null, 'the credential was not recorded');
      assert.equal((await unitOfWork((tx) => tx.audit.head())).size, size, 'nothing was appended');
    });
  });
}
