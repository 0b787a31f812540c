// PostgreSQL only: SQLite keeps every statement prepared by its text already (database.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { openDatabase } from './database.ts';
import { preparedInsertParameters, preparedInsertsPerConnection } from './prepared-inserts.ts';
import type { DatabaseSchema } from './schema.ts';

const target = databaseTargets.find((candidate) => candidate.name === 'postgresql');

/** What this connection has prepared: statement texts. */
const prepared = async (connection: Kysely<DatabaseSchema>): Promise<string[]> =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(connection)).rows.map((row) => row.statement);

describe('inserts on PostgreSQL are prepared once per connection', () => {
  let database: TestDatabase;
  before(async () => {
    assert.ok(target);
    database = await target.create();
    await sql`create table probe (id text primary key, n integer not null)`.execute(database.database.db);
  });
  after(() => database.destroy());

  it('prepares an insert the first time and reuses it after, with its rows written each time; reads and RETURNING stay unnamed', async () => {
    await database.database.db.connection().execute(async (connection) => {
      const insert = (id: string, n: number) => sql`insert into probe (id, n) values (${id}, ${n})`.execute(connection);
      assert.equal((await insert('a', 1)).numAffectedRows, 1n);
      assert.equal((await insert('b', 2)).numAffectedRows, 1n);
      await sql`select n from probe where id = ${'a'}`.execute(connection);
      const returned = await sql<{ n: number }>`insert into probe (id, n) values (${'c'}, ${3}) returning n`.execute(connection);
      assert.deepEqual(returned.rows, [{ n: 3 }]);
      const statements = await prepared(connection);
      assert.deepEqual(statements.filter((text) => text.includes('probe')), ['insert into probe (id, n) values ($1, $2)']);
      assert.deepEqual((await sql<{ id: string; n: number }>`select id, n from probe order by id`.execute(connection)).rows, [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }]);
    });
  });

  it('keeps working after an insert fails: a duplicate key rolls back its transaction, and the statement stays usable', async () => {
    await database.database.db.connection().execute(async (connection) => {
      const insert = (id: string) => sql`insert into probe (id, n) values (${id}, ${9})`.execute(connection);
      await insert('d');
      await assert.rejects(connection.transaction().execute(async (trx) => {
        await sql`insert into probe (id, n) values (${'e'}, ${9})`.execute(trx);
        await sql`insert into probe (id, n) values (${'d'}, ${9})`.execute(trx);
      }), (error: Error & { code?: string }) => error.code === '23505');
      assert.deepEqual((await sql<{ id: string }>`select id from probe where id in ('d', 'e')`.execute(connection)).rows, [{ id: 'd' }], 'the failed transaction left nothing');
      await insert('f');
      await assert.rejects(sql`insert into probe (id, nope) values (${'g'}, ${1})`.execute(connection), /nope/);
      await assert.rejects(sql`insert into probe (id, nope) values (${'g'}, ${1})`.execute(connection), /nope/, 'a statement that never parsed is sent again, not taken for prepared');
      assert.equal((await sql<{ n: string }>`select count(*) as n from probe where id = 'f'`.execute(connection)).rows[0]?.n, '1');
    });
  });

  it(`prepares at most ${preparedInsertsPerConnection} inserts per connection; the others run unnamed`, async () => {
    // A pool of its own, so its connection has prepared nothing before.
    const fresh = await openDatabase(database.location);
    after(() => fresh.close());
    await fresh.db.connection().execute(async (connection) => {
      for (let width = 1; width <= preparedInsertsPerConnection + 10; width += 1) {
        // A different text each time: a multi-row insert of `width` rows.
        const rows = Array.from({ length: width }, (_, index) => sql`(${`w${width}-${index}`}, ${width})`);
        await sql`insert into probe (id, n) values ${sql.join(rows)}`.execute(connection);
      }
      const statements = await prepared(connection);
      assert.equal(statements.length, preparedInsertsPerConnection);
      const total = (preparedInsertsPerConnection + 10) * (preparedInsertsPerConnection + 11) / 2;
      assert.equal((await sql<{ n: string }>`select count(*) as n from probe where id like 'w%'`.execute(connection)).rows[0]?.n, String(total));
    });
  });

  it(`leaves an insert of more than ${preparedInsertParameters} parameters unnamed (an import's thousand rows would hold megabytes on the server)`, async () => {
    const fresh = await openDatabase(database.location);
    after(() => fresh.close());
    await fresh.db.connection().execute(async (connection) => {
      const rows = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => sql`(${`${prefix}${index}`}, ${index})`);
      await sql`insert into probe (id, n) values ${sql.join(rows(preparedInsertParameters / 2, 'small-'))}`.execute(connection);
      await sql`insert into probe (id, n) values ${sql.join(rows(preparedInsertParameters / 2 + 1, 'large-'))}`.execute(connection);
      const statements = await prepared(connection);
      assert.equal(statements.length, 1, 'the insert at the limit is prepared, the one past it is not');
      assert.equal((statements[0]!.match(/\$/g) ?? []).length, preparedInsertParameters);
      assert.equal((await sql<{ n: string }>`select count(*) as n from probe where id like 'large-%'`.execute(connection)).rows[0]?.n, String(preparedInsertParameters / 2 + 1));
    });
  });

  it('prepares a statement again under a new name when the server has dropped it (DISCARD ALL, a pooler)', async () => {
    const fresh = await openDatabase(database.location);
    after(() => fresh.close());
    await fresh.db.connection().execute(async (connection) => {
      const insert = (id: string) => sql`insert into probe (id, n) values (${id}, ${7})`.execute(connection);
      await insert('h1');
      await sql`deallocate all`.execute(connection);
      await assert.rejects(insert('h2'), (error: Error & { code?: string }) => error.code === '26000');
      await insert('h3');
      assert.deepEqual((await sql<{ id: string }>`select id from probe where id like 'h%' order by id`.execute(connection)).rows, [{ id: 'h1' }, { id: 'h3' }]);
      assert.deepEqual(await prepared(connection), ['insert into probe (id, n) values ($1, $2)']);
    });
  });
});
