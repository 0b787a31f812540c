// The key-compromise playbook when the partner who normally executes is gone: Dave revokes Globex's
// delegation, Erin (security, a responder) revokes the compromised certificates at once, Carol (accountable
// for revoke on internal-mtls) reviews it within 24 hours, and a verifier still verifies the change.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';

const hour = 3_600_000;

type Invocation = {
  changes: { id: string; status: string; executor: string; approvals: string[]; playbookId: string; dueAt: string; credentialIds: string[] }[];
  reviews: { id: string; accountable: string; status: string; openedAt: string; dueAt: string; changeId: string }[];
};

for (const target of databaseTargets) {
  describe(`emergency playbook on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    let compromised: string[];
    let inFlight: { credential: string; changeId: string };
    let invocation: Invocation;
    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 505 });
      compromised = [tp.freshCredential('internal-mtls'), tp.freshCredential('internal-mtls')];
      // Globex renewed one of them tonight, pre-approved, and has not executed the renewal yet.
      const renewal = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'renew', credentials: [compromised[1]], reason: 'nightly renewal' });
      assert.equal(renewal.statusCode, 201, renewal.body);
      inFlight = { credential: compromised[1] as string, changeId: renewal.json().id };
      const revoked = await tp.as('dave', 'POST', '/api/v1/delegations/globex-night-renewals/revoke', { reason: 'Globex keys leaked' });
      assert.equal(revoked.statusCode, 200, revoked.body);
    });
    after(() => tp.close());

    const invoke = (who: 'erin' | 'gina' | 'dave', credentials: readonly string[]) => tp.as(who, 'POST', '/api/v1/playbooks/key-compromise/invoke', {
      credentials, trigger: 'key_compromise', reason: 'private keys found in a public repository',
    });

    test('a partner cannot invoke a playbook, even inside its window', async () => {
      const response = await invoke('gina', compromised);
      assert.equal(response.statusCode, 403);
      assert.equal(response.json().code, 'FORBIDDEN');
      assert.match(response.json().detail, /a partner never .*invokes a playbook/);
      const denied = await tp.as('carol', 'GET', '/api/v1/authz/denied?principal=person:gina&limit=1');
      assert.deepEqual({ action: denied.json().items[0].action, code: denied.json().items[0].code }, { action: 'invoke-playbook', code: 'FORBIDDEN' });
    });

    test('more credentials than the blast-radius limit are refused by Cedar, explained and recorded, before anything is done', async () => {
      const tooMany = Array.from({ length: 501 }, () => tp.freshCredential('internal-mtls'));
      const response = await invoke('erin', tooMany);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().code, 'FORBIDDEN');
      assert.equal(response.json().detail, 'playbook key-compromise does not cover this invocation: it acts on at most 500 credentials (its blast-radius limit), and 501 were named');
      assert.equal((await tp.as('carol', 'GET', '/api/v1/reviews')).json().items.length, 0, 'no review was opened');
      const denied = await tp.as('carol', 'GET', '/api/v1/authz/denied?principal=person:erin&limit=1');
      assert.deepEqual({ action: denied.json().items[0].action, code: denied.json().items[0].code }, { action: 'invoke-playbook', code: 'FORBIDDEN' }, 'the refusal is a denied attempt');
      const explained = await tp.services.explainer.explain({ principal: 'person:erin', action: 'invoke', resource: 'playbook:key-compromise', at: instants.tuesdayNight, credentialCount: 501, classes: ['internal-mtls'] });
      assert.equal(explained.allowed, false, 'the compiled policy bounds the count');
    });

    test('a trigger the playbook is not for is refused by Cedar and explained', async () => {
      const response = await tp.as('erin', 'POST', '/api/v1/playbooks/key-compromise/invoke', {
        credentials: [compromised[0]], trigger: 'superseded', reason: 'not an emergency',
      });
      assert.equal(response.statusCode, 403, response.body);
      assert.match(response.json().detail, /playbook key-compromise does not cover this invocation: it is for key_compromise, not superseded/);
    });

    test('a responder revokes at once, with the partner gone and its renewal still open on one of the credentials', async () => {
      const response = await invoke('erin', compromised);
      assert.equal(response.statusCode, 200, response.body);
      invocation = response.json();
      const [change] = invocation.changes;
      assert.ok(change !== undefined);
      assert.equal(invocation.changes.length, 1, 'one change per class');
      assert.deepEqual(
        { status: change.status, executor: change.executor, approvals: change.approvals, playbookId: change.playbookId, credentials: [...change.credentialIds].sort() },
        { status: 'executed', executor: 'person:erin', approvals: ['playbook:key-compromise'], playbookId: 'key-compromise', credentials: [...compromised].sort() },
      );
      assert.equal(new Date(change.dueAt).getTime(), instants.tuesdayNight.getTime() + hour, 'internal-mtls revokes a compromised key within 1h');
      for (const id of compromised) {
        const shown = await tp.as('carol', 'GET', `/api/v1/credentials/${id}`);
        assert.equal(shown.json().credential.status, 'revoked', `${id} is revoked in the inventory`);
      }
      const renewal = await tp.change(inFlight.changeId);
      assert.equal(renewal.status, 'cancelled', 'the partner\'s open renewal of a compromised credential is cancelled');
      assert.deepEqual(renewal.events.at(-1), { ...renewal.events.at(-1), step: 'cancel', actor: 'person:erin' });
    });

    test('the review is open for the accountable person of revoke, due within the playbook\'s 24 hours', async () => {
      const [review] = invocation.reviews;
      assert.ok(review !== undefined);
      assert.deepEqual({ accountable: review.accountable, status: review.status, changeId: review.changeId },
        { accountable: 'person:carol', status: 'open', changeId: invocation.changes[0]?.id });
      const due = new Date(review.dueAt).getTime() - new Date(review.openedAt).getTime();
      assert.ok(due > 0 && due <= 24 * hour, `due ${due / hour}h after it opened`);
      const open = await tp.as('carol', 'GET', '/api/v1/reviews?status=open&accountable=person:carol');
      assert.deepEqual(open.json().items.map((item: { id: string }) => item.id), [review.id]);
    });

    test('only the accountable person completes the review, once, and never the responder who executed the change', async () => {
      const review = invocation.reviews[0]?.id as string;
      const complete = (who: 'carol' | 'dave' | 'erin') => tp.as(who, 'POST', `/api/v1/reviews/${review}/complete`, { outcome: 'accept', note: 'keys rotated, repository purged' });
      for (const [who, code] of [['dave', 'FORBIDDEN'], ['erin', 'SOD_VIOLATION']] as const) {
        const refused = await complete(who);
        assert.equal(refused.statusCode, 403, `${who} may not complete it`);
        assert.equal(refused.json().code, code);
      }
      const accepted = await complete('carol');
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.deepEqual({ status: accepted.json().status, completedBy: accepted.json().completedBy }, { status: 'accepted', completedBy: 'person:carol' });
      const again = await complete('carol');
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'INVALID_TRANSITION');
    });

    test('the emergency change is still verified, by someone other than the responder', async () => {
      const id = invocation.changes[0]?.id as string;
      const body = { outcome: 'passed', checks: ['both serials are on the CRL'] };
      const byResponder = await tp.as('erin', 'POST', `/api/v1/changes/${id}/verify`, body);
      assert.equal(byResponder.json().code, 'SOD_VIOLATION');
      const verified = await tp.as('lena', 'POST', `/api/v1/changes/${id}/verify`, body);
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().status, 'verified');
      assert.deepEqual(verified.json().events.map((event: { step: string; actor: string }) => `${event.step} by ${event.actor}`), [
        'request by person:erin', 'approve by playbook:key-compromise', 'execute by person:erin', 'executed by person:erin', 'verify by person:lena',
      ]);
    });

    test('when the accountable person is the responder, the review goes to the next owner who did not execute it', async () => {
      const credential = tp.freshCredential('internal-mtls');
      const response = await tp.as('carol', 'POST', '/api/v1/playbooks/key-compromise/invoke', { credentials: [credential], trigger: 'key_compromise', reason: 'carol found the key herself' });
      assert.equal(response.statusCode, 200, response.body);
      // Carol is accountable for revoke on internal-mtls and its business owner; Dave is its technical owner.
      assert.equal(response.json().reviews[0].accountable, 'person:dave');
      const byCarol = await tp.as('carol', 'POST', `/api/v1/reviews/${response.json().reviews[0].id}/complete`, { outcome: 'accept' });
      assert.equal(byCarol.json().code, 'SOD_VIOLATION');
      const byDave = await tp.as('dave', 'POST', `/api/v1/reviews/${response.json().reviews[0].id}/complete`, { outcome: 'flag', note: 'why was the key on a laptop?' });
      assert.equal(byDave.statusCode, 200, byDave.body);
      assert.equal(byDave.json().status, 'flagged');
    });
  });
}
