// Two steps on one change at the same moment end in exactly one outcome: the other is refused with 409
// and leaves no trace in the change's history. On SQLite the transactions queue behind one writer and
// the loser finds the change already moved (INVALID_TRANSITION); on PostgreSQL they run at once and the
// loser's compare-and-set on the change's revision fails (CONFLICT). Each race runs several times.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';
import { exampleGovernance } from '../support/server-fixture.ts';
import { edit } from '../../src/core/governance/governance-test-fixture.ts';

// Rotation on internal-mtls approved by either Dave or Ivan, one approval needed.
const twoApprovers = edit(exampleGovernance, [
  'rotate: { responsible: [team:platform], accountable: person:dave }',
  'rotate: { responsible: [team:platform], accountable: person:dave, approvers: [person:dave, person:ivan] }',
]);

const rounds = 5;
const mtls = 'internal-mtls';

type Outcome = { statusCode: number; code: string | undefined };

/** Exactly one of the two succeeded, and the other was refused with 409 and a conflict code. */
const assertOneWinner = (outcomes: readonly Outcome[]): number => {
  const winners = outcomes.filter((outcome) => outcome.statusCode === 200 || outcome.statusCode === 201);
  const losers = outcomes.filter((outcome) => outcome.statusCode === 409);
  assert.equal(winners.length, 1, `exactly one succeeded: ${JSON.stringify(outcomes)}`);
  assert.equal(losers.length, 1, `the other got 409: ${JSON.stringify(outcomes)}`);
  assert.ok(['CONFLICT', 'INVALID_TRANSITION'].includes(losers[0]?.code ?? ''), `the loser says why: ${JSON.stringify(outcomes)}`);
  return outcomes.findIndex((outcome) => outcome === winners[0]);
};

for (const target of databaseTargets) {
  describe(`change races on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => { tp = await startDecisionRightsFixture(target, { governance: twoApprovers, credentials: 5 * rounds }); });
    after(() => tp.close());

    const post = async (person: Person, url: string, payload: Record<string, unknown>): Promise<Outcome> => {
      const response = await tp.as(person, 'POST', url, payload);
      return { statusCode: response.statusCode, code: response.statusCode >= 400 ? response.json().code : undefined };
    };

    const requestRotation = async (): Promise<string> => {
      const response = await tp.as('carol', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [tp.freshCredential(mtls)], reason: 'quarterly rotation' });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id;
    };

    const steps = async (id: string): Promise<string[]> => (await tp.change(id)).events.map((event) => `${event.step} by ${event.actor}`);

    test(`two approvers at once on a change needing one approval: one approval is recorded (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        const id = await requestRotation();
        const approvers: Person[] = ['dave', 'ivan'];
        const outcomes = await Promise.all(approvers.map((person) => post(person, `/api/v1/changes/${id}/approve`, { note: `round ${round}` })));
        const winner = approvers[assertOneWinner(outcomes)];
        const change = await tp.change(id);
        assert.equal(change.status, 'approved');
        assert.deepEqual(change.approvals, [`person:${winner}`]);
        assert.deepEqual(await steps(id), ['request by person:carol', `approve by person:${winner}`]);
        assert.equal(change.revision, 2, 'one transition after the request');
      }
    });

    test(`approve and reject at once: the change is approved or rejected, never both (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        const id = await requestRotation();
        const outcomes = await Promise.all([
          post('dave', `/api/v1/changes/${id}/approve`, { note: `round ${round}` }),
          post('ivan', `/api/v1/changes/${id}/reject`, { note: `round ${round}` }),
        ]);
        const approved = assertOneWinner(outcomes) === 0;
        assert.equal((await tp.change(id)).status, approved ? 'approved' : 'rejected');
        assert.deepEqual(await steps(id), ['request by person:carol', approved ? 'approve by person:dave' : 'reject by person:ivan']);
      }
    });

    // A requester may cancel an approved change, so "approve, then cancel" is a valid order and both may
    // succeed one after the other. What must never happen is a lost step: both recorded against the same
    // revision, or a cancelled change that an approval moved on.
    test(`approve and cancel at once: approved, cancelled, or approved then cancelled, each step recorded once (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        const id = await requestRotation();
        const [approve, cancel] = await Promise.all([
          post('dave', `/api/v1/changes/${id}/approve`, { note: `round ${round}` }),
          post('carol', `/api/v1/changes/${id}/cancel`, { note: `round ${round}` }),
        ]);
        const change = await tp.change(id);
        if (approve?.statusCode === 200 && cancel?.statusCode === 200) {
          assert.equal(change.status, 'cancelled');
          assert.deepEqual(await steps(id), ['request by person:carol', 'approve by person:dave', 'cancel by person:carol']);
          assert.equal(change.revision, 3);
          continue;
        }
        const approved = assertOneWinner([approve as Outcome, cancel as Outcome]) === 0;
        assert.equal(change.status, approved ? 'approved' : 'cancelled');
        assert.deepEqual(await steps(id), ['request by person:carol', approved ? 'approve by person:dave' : 'cancel by person:carol']);
      }
    });

    test(`execute and cancel at once on an approved change: executed or cancelled, never both (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        const id = await requestRotation();
        assert.equal((await tp.as('dave', 'POST', `/api/v1/changes/${id}/approve`, {})).statusCode, 200);
        const outcomes = await Promise.all([
          post('ivan', `/api/v1/changes/${id}/execute`, { note: `round ${round}` }),
          post('dave', `/api/v1/changes/${id}/cancel`, { note: `round ${round}` }),
        ]);
        const executed = assertOneWinner(outcomes) === 0;
        assert.equal((await tp.change(id)).status, executed ? 'executed' : 'cancelled');
        assert.deepEqual(await steps(id), executed
          ? ['request by person:carol', 'approve by person:dave', 'execute by person:ivan', 'executed by person:ivan']
          : ['request by person:carol', 'approve by person:dave', 'cancel by person:dave']);
      }
    });

    test(`two requests at once on one credential: one change holds it (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        const credential = tp.freshCredential(mtls);
        const outcomes = await Promise.all((['carol', 'ivan'] as const).map((person) =>
          post(person, '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: `round ${round}` })));
        assertOneWinner(outcomes);
        const open = await tp.as('carol', 'GET', `/api/v1/changes?credential=${credential}`);
        assert.equal(open.json().items.length, 1, 'one credential has one open change at a time');
      }
    });
  });
}
