import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { databaseTargets } from '../../../test/support/databases.ts';
import { describeLocation, migrateToLatest, openDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';

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

test('a PostgreSQL URL is described without its password, and an unreachable database is NOT_READY', async () => {
  assert.equal(describeLocation({ kind: 'postgres', url: 'postgres://app:s3cret@db.example:5432/trustplane' }), 'PostgreSQL postgres://app:***@db.example:5432/trustplane');
  await assert.rejects(openDatabase({ kind: 'postgres', url: 'postgres://app:s3cret@127.0.0.1:9/none' }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'NOT_READY');
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
});
