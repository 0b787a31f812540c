// A change that waits past its stale time (seven days by default) without being executed expires; an
// expired change takes no further step, and its credentials are free for a new change.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultChangeStaleAfterMs } from '../../src/server/main.ts';
import { databaseTargets } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';

for (const target of databaseTargets) {
  describe(`stale changes on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => { tp = await startDecisionRightsFixture(target, { credentials: 4 }); });
    after(() => tp.close());

    test('requested and approved changes expire at their stale time, executed ones do not; nothing moves them afterwards', async () => {
      const credentials = [tp.freshCredential('internal-mtls'), tp.freshCredential('internal-mtls'), tp.freshCredential('internal-mtls')];
      const ids: string[] = [];
      for (const credential of credentials) {
        const response = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'quarterly rotation' });
        assert.equal(response.statusCode, 201, response.body);
        ids.push(response.json().id);
      }
      const [waiting = '', approved = '', executed = ''] = ids;
      for (const id of [approved, executed]) assert.equal((await tp.as('dave', 'POST', `/api/v1/changes/${id}/approve`, {})).statusCode, 200);
      assert.equal((await tp.as('ivan', 'POST', `/api/v1/changes/${executed}/execute`, { note: 'rotated' })).statusCode, 200);
      assert.equal((await tp.change(waiting)).status, 'requested');

      const staleAt = instants.tuesdayNight.getTime() + defaultChangeStaleAfterMs;
      tp.clock.set(new Date(staleAt - 1));
      assert.equal(await tp.services.changes.expireStale(), 0, 'a millisecond before its stale time a change still waits');
      tp.clock.set(new Date(staleAt));
      assert.equal(await tp.services.changes.expireStale(), 2);
      assert.equal(await tp.services.changes.expireStale(), 0, 'an expired change expires once');

      for (const id of [waiting, approved]) {
        const change = await tp.change(id);
        assert.equal(change.status, 'expired');
        assert.deepEqual(change.events.at(-1), { ...change.events.at(-1), step: 'expire', actor: 'system:automation' });
      }
      assert.equal((await tp.change(executed)).status, 'executed');

      const late = await tp.as('dave', 'POST', `/api/v1/changes/${waiting}/approve`, {});
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().code, 'INVALID_TRANSITION');
      assert.match(late.json().detail, new RegExp(`change ${waiting} is expired, which is final; it can no longer be approved`));
      const lateExecution = await tp.as('ivan', 'POST', `/api/v1/changes/${approved}/execute`, {});
      assert.equal(lateExecution.json().code, 'INVALID_TRANSITION');
      assert.equal((await tp.change(waiting)).status, 'expired', 'the refused approval changed nothing');

      const again = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credentials[0]], reason: 'rotation, asked again' });
      assert.equal(again.statusCode, 201, 'an expired change no longer holds its credential');
    });
  });
}
