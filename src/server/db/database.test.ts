import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { databaseTargets } from '../../../test/support/databases.ts';
import { describeLocation, migrateToLatest, openDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';
import { createUnitOfWork } from './unit-of-work.ts';
import { crlPartBytes } from '../stores/ca-store.ts';

test('migrations are applied once when two nodes start on one PostgreSQL database at the same moment', async () => {
  const target = databaseTargets.find((candidate) => candidate.name === 'postgresql');
  assert.ok(target);
  const empty = await target.createEmpty();
  const nodes = await Promise.all([openDatabase(empty.location), openDatabase(empty.location)]);
  try {
    const applied = await Promise.all(nodes.map((node) => migrateToLatest(node)));
    const all = Object.keys(await migrationProvider(nodes[0]!.capabilities).getMigrations());
    assert.deepEqual(applied.map((names) => names.length).sort(), [0, all.length], 'one node applied every migration, the other found them done');
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(nodes[0]!.db);
    assert.deepEqual(rows.rows.map((row) => row.name), all, 'each migration is recorded once');
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
    await empty.drop();
  }
});

for (const target of databaseTargets) {
  test(`migrating an up-to-date ${target.name} database changes nothing`, async () => {
    const database = await target.create();
    try {
      assert.deepEqual(await migrateToLatest(database.database), []);
    } finally {
      await database.destroy();
    }
  });
}

/** Migrates up to `name`; the names of the migrations that ran. */
const migratedTo = async (migrator: Migrator, name: string): Promise<string[]> => {
  const { error, results } = await migrator.migrateTo(name);
  assert.equal(error, undefined);
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
};

for (const target of databaseTargets) {
  test(`offboardings recorded before 0007 stay, and a subject can then be offboarded again once reinstated, on ${target.name}`, async () => {
    const empty = await target.createEmpty();
    const database = await openDatabase(empty.location);
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.capabilities) });
      assert.equal((await migrator.migrateTo('0006-posture-indexes')).error, undefined);
      const first = { id: 'off_1', subject: 'person:ivan', at: '2026-11-01T10:00:00.000Z', by: 'person:carol', reason: 'left', plan: '{"changeIds":[]}' };
      await sql`insert into offboardings (id, subject, at, by, reason, plan) values (${first.id}, ${first.subject}, ${first.at}, ${first.by}, ${first.reason}, ${first.plan})`.execute(database.db);
      assert.deepEqual(await migratedTo(migrator, '0007-offboarding-reinstatement'), ['0007-offboarding-reinstatement']);
      const kept = await database.db.selectFrom('offboardings').selectAll().execute();
      assert.deepEqual(kept, [{ ...first, reinstated_at: null, reinstated_by: null, reinstated_reason: null }]);
      const second = { ...first, id: 'off_2', at: '2026-11-20T10:00:00.000Z' };
      await assert.rejects(database.db.insertInto('offboardings').values(second).execute(), (error) => database.capabilities.isUniqueViolation(error), 'one offboarding in force per subject');
      await database.db.updateTable('offboardings').set({ reinstated_at: '2026-11-10T10:00:00.000Z', reinstated_by: 'person:carol', reinstated_reason: 'rehired' }).where('id', '=', 'off_1').execute();
      await database.db.insertInto('offboardings').values(second).execute();
      assert.equal((await database.db.selectFrom('offboardings').select('id').execute()).length, 2);
    } finally {
      await database.close();
      await empty.drop();
    }
  });
}

for (const target of databaseTargets) {
  test(`a rebuild of offboardings stopped halfway leaves the old table as it was, and the next start migrates it, on ${target.name}`, async () => {
    const empty = await target.createEmpty();
    const database = await openDatabase(empty.location);
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.capabilities) });
      assert.equal((await migrator.migrateTo('0006-posture-indexes')).error, undefined);
      await sql`insert into offboardings (id, subject, at, by, reason, plan) values ('off_1', 'partner:globex', '2026-11-01T10:00:00.000Z', 'person:erin', 'ended', '{}')`.execute(database.db);
      // A view on the table stops the rebuild: PostgreSQL refuses the drop, SQLite the rename after it.
      await sql`create view offboardings_probe as select id from offboardings`.execute(database.db);
      await assert.rejects(migrateToLatest(database), /database migration 0007-offboarding-reinstatement failed/);
      assert.deepEqual((await sql<{ id: string }>`select id from offboardings`.execute(database.db)).rows, [{ id: 'off_1' }]);
      await sql`drop view offboardings_probe`.execute(database.db);
      assert.deepEqual(await migratedTo(migrator, '0007-offboarding-reinstatement'), ['0007-offboarding-reinstatement']);
      assert.deepEqual((await sql<{ id: string; reinstated_at: string | null }>`select id, reinstated_at from offboardings`.execute(database.db)).rows, [{ id: 'off_1', reinstated_at: null }]);
    } finally {
      await database.close();
      await empty.drop();
    }
  });
}

for (const target of databaseTargets) {
  test(`a CRL stored whole before 0008 moves into parts and reads back the same, on ${target.name}`, async () => {
    const empty = await target.createEmpty();
    const database = await openDatabase(empty.location);
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.capabilities) });
      await migratedTo(migrator, '0007-offboarding-reinstatement');
      const der = randomBytes(crlPartBytes * 2 + 1234);
      await sql`insert into crls (ca_id, crl_number, this_update, next_update, revoked_count, der)
        values ('acme-ca', 7, '2026-11-20T00:00:00.000Z', '2026-11-21T00:00:00.000Z', 3, ${der.toString('base64')})`.execute(database.db);
      assert.equal((await migrateToLatest(database))[0], '0008-crl-parts', 'the migration that moves CRLs into parts runs first');
      const parts = await sql<{ part: number | string; size: number | string }>`select part, length(der) as size from crl_parts where ca_id = 'acme-ca' and crl_number = 7 order by part`.execute(database.db);
      assert.deepEqual(parts.rows.map((row) => [Number(row.part), Number(row.size)]), [[0, crlPartBytes], [1, crlPartBytes], [2, 1234]]);
      const read = await createUnitOfWork(database)(async (tx) => {
        const info = await tx.ca.crlInfo('acme-ca');
        const parts = [0, 1, 2, 3].map((part) => tx.ca.crlPart('acme-ca', 7, part));
        return { info, parts: await Promise.all(parts) };
      });
      assert.deepEqual(read.info, { caId: 'acme-ca', crlNumber: 7, thisUpdate: '2026-11-20T00:00:00.000Z', nextUpdate: '2026-11-21T00:00:00.000Z', revokedCount: 3, bytes: der.length });
      assert.equal(read.parts[3], null, 'three parts, no more');
      assert.ok(Buffer.concat(read.parts.slice(0, 3) as Buffer[]).equals(der), 'the same octets, in order');
    } finally {
      await database.close();
      await empty.drop();
    }
  });
}

test('a PostgreSQL URL is described without its password, and an unreachable database is NOT_READY', async () => {
  assert.equal(describeLocation({ kind: 'postgres', url: 'postgres://app:s3cret@db.example:5432/trustplane' }), 'PostgreSQL postgres://app:***@db.example:5432/trustplane');
  await assert.rejects(openDatabase({ kind: 'postgres', url: 'postgres://app:s3cret@127.0.0.1:9/none' }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'NOT_READY');
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
});
