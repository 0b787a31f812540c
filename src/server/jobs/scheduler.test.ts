// The scheduler's leader election and job claims on both databases, with injected clocks: one node leads
// while its lease lasts, another takes over once it lapses, a due job runs once however many nodes tick,
// and a node that stops gives the lease up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { fixedClock } from '../platform.ts';
import { createScheduler, dailyAt, every } from './scheduler.ts';
import type { ScheduledJob } from './scheduler.ts';

const tickMs = 1000;

for (const target of databaseTargets) {
  describe(`the scheduler on ${target.name}`, () => {
    let database: TestDatabase;
    before(async () => { database = await target.create(); });
    after(() => database.destroy());

    test('one leader at a time; the other takes over once the lease lapses; each due run happens once', async () => {
      const clock = fixedClock(new Date('2027-01-01T00:00:00Z'));
      const runs: string[] = [];
      const job = (node: string): ScheduledJob => ({ name: 'sweep', due: every(60_000), run: async () => { runs.push(node); } });
      const errors: unknown[] = [];
      const make = (node: string) => createScheduler({ database: database.database, clock, nodeId: node, tickMs, jobs: [job(node)], onError: (error) => errors.push(error) });
      const [a, b] = [make('a'), make('b')];

      assert.deepEqual(await a.tick(), { leader: true, ran: ['sweep'] });
      assert.deepEqual(await b.tick(), { leader: false, ran: [] }, 'b does not lead while a\'s lease lasts');
      clock.advance(2 * tickMs);
      assert.deepEqual(await a.tick(), { leader: true, ran: [] }, 'renewed; the job is not due again yet');
      clock.advance(3 * tickMs + 1);
      assert.deepEqual(await b.tick(), { leader: true, ran: [] }, 'a stopped renewing: b leads once the lease lapsed');
      assert.equal((await b.leader())?.holder, 'b');
      assert.deepEqual(runs, ['a']);
      assert.deepEqual(errors, []);
    });

    test('a leader paused in the middle of its jobs does not run one its successor already claimed', async () => {
      const clock = fixedClock(new Date('2027-01-10T00:00:00Z'));
      let release: () => void = () => undefined;
      const paused = new Promise<void>((resolve) => { release = resolve; });
      const runs: string[] = [];
      const jobsOf = (node: string): ScheduledJob[] => [
        { name: 'slow', due: every(3_600_000), run: async () => { runs.push(`${node}:slow`); if (node === 'p') await paused; } },
        { name: 'digest', due: every(3_600_000), run: async () => { runs.push(`${node}:digest`); } },
      ];
      const make = (node: string) => createScheduler({ database: database.database, clock, nodeId: node, tickMs, jobs: jobsOf(node), onError: () => undefined });
      const [p, q] = [make('p'), make('q')];
      const ticking = p.tick(); // p leads, claims "slow", and stalls inside it
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
      clock.advance(3 * tickMs + 1);
      assert.deepEqual(await q.tick(), { leader: true, ran: ['digest'] }, 'p\'s lease lapsed: q leads and runs what is due ("slow" was claimed by p)');
      release();
      assert.deepEqual(await ticking, { leader: true, ran: ['slow'] }, 'p, back, finds "digest" claimed and leaves it');
      assert.deepEqual(runs, ['p:slow', 'q:digest']);
    });

    test('renewal keeps one leader', async () => {
      const clock = fixedClock(new Date('2027-01-20T00:00:00Z'));
      const errors: unknown[] = [];
      const make = (node: string) => createScheduler({ database: database.database, clock, nodeId: node, tickMs, jobs: [], onError: (error) => errors.push(error) });
      const [a, b] = [make('a2'), make('b2')];
      clock.advance(10 * tickMs);
      assert.equal((await a.tick()).leader, true);
      for (let i = 0; i < 5; i += 1) {
        clock.advance(tickMs);
        assert.equal((await a.tick()).leader, true);
        assert.equal((await b.tick()).leader, false);
      }
      assert.deepEqual(errors, []);
    });

    test('a node that stops gives the lease up, so another leads at once', async () => {
      const clock = fixedClock(new Date('2027-02-01T00:00:00Z'));
      const none = () => createScheduler({ database: database.database, clock, nodeId: 'x', tickMs, jobs: [], onError: () => undefined });
      const x = none();
      const y = createScheduler({ database: database.database, clock, nodeId: 'y', tickMs, jobs: [], onError: () => undefined });
      clock.advance(10 * tickMs);
      assert.equal((await x.tick()).leader, true);
      assert.equal((await y.tick()).leader, false);
      await x.stop();
      assert.equal(await x.leader(), null);
      assert.equal((await y.tick()).leader, true);
    });

    test('dailyAt is due once a day, at its time (UTC), however late the first tick after it', () => {
      const due = dailyAt(8 * 60);
      assert.equal(due(null, new Date('2027-03-01T07:59:59Z')), false);
      assert.equal(due(null, new Date('2027-03-01T08:00:00Z')), true);
      assert.equal(due(new Date('2027-03-01T08:00:00Z'), new Date('2027-03-01T23:00:00Z')), false, 'ran today');
      assert.equal(due(new Date('2027-03-01T08:00:00Z'), new Date('2027-03-02T09:30:00Z')), true, 'the next day, late');
      assert.equal(due(new Date('2027-03-01T08:00:00Z'), new Date('2027-03-02T07:00:00Z')), false, 'not before its time');
    });
  });
}
