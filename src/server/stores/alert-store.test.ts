// New alerts as the alert store writes them, on SQLite (a VALUES list per statement) and on PostgreSQL
// (one text[] array per column, through unnest): every value comes back as it went in, whatever it holds —
// quotes, backslashes, braces and commas (array syntax), the word NULL beside a real null, line
// separators, emoji, JSON with escapes — across the boundary between two statements.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { createUnitOfWork } from '../db/unit-of-work.ts';
import type { Alert } from './alert-store.ts';

const awkward = ['"quoted"', 'back\\slash', '{braces}', 'a,b', '  spaced  ', 'NULL', '\\N', 'emoji 🔐', 'line\u2028separator', 'ünïcödé'];

const alertAt = (n: number): Alert => ({
  id: `alr_${String(n).padStart(6, '0')}`, type: 'expiring', target: `credential:cr_${n}`, classId: n % 3 === 0 ? null : (n % 3 === 1 ? 'NULL' : `class-${n % 5}`),
  severity: 'warning', stage: '7d', state: 'open', summary: `${awkward[n % awkward.length]} expires in ${n} days`,
  details: { n, note: awkward[(n + 3) % awkward.length], nested: { quote: '"', list: [1, null, 'x'] } },
  recipients: [`dave${n % 2 === 0 ? '' : '"quoted'}`], escalateTo: [],
  openedAt: '2026-11-22T12:00:00.000Z', updatedAt: '2026-11-22T12:00:00.000Z',
  acknowledgedBy: null, acknowledgedAt: null, note: null, escalatedAt: null, resolvedAt: null, resolvedBy: null,
});

for (const target of databaseTargets) {
  describe(`the alert store on ${target.name}`, () => {
    let database: TestDatabase;
    before(async () => { database = await target.create(); });
    after(() => database.destroy());

    test('what insertAll writes reads back unchanged, across statements, awkward values and nulls included', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      // 5,003 rows: more than one statement on each database (5,000 rows an array insert; 30,000 parameters a VALUES list).
      const alerts = Array.from({ length: 5003 }, (_, n) => alertAt(n));
      await unitOfWork((tx) => tx.alerts.insertAll(alerts));
      await unitOfWork((tx) => tx.alerts.insertAll([]));
      const read = await unitOfWork((tx) => tx.alerts.findMany(alerts.map((alert) => alert.id)));
      assert.equal(read.length, alerts.length);
      assert.deepEqual([...read].sort((a, b) => a.id.localeCompare(b.id)), alerts);
      const summaries = await unitOfWork((tx) => tx.alerts.unresolvedSummaries());
      assert.equal(summaries.length, alerts.length, 'every one is open, with its open key');
      const nulls = await database.database.db.selectFrom('alerts').select((eb) => eb.fn.countAll<number | string>().as('n')).where('class_id', 'is', null).executeTakeFirstOrThrow();
      assert.equal(Number(nulls.n), alerts.filter((alert) => alert.classId === null).length, 'a null stays null, and the text NULL stays text');
    });
  });
}
