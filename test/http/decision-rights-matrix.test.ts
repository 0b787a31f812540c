// Who may take which step, through the API, on the example governance (examples/governance.yaml):
// one row per principal and step, with the time it is taken at, the expected outcome and, for a refusal,
// its stable code. On internal-mtls Carol is the business owner and approves revocations, Dave approves
// issue, renew and rotate, the platform team (Ivan) executes, the security team (Erin) verifies, Globex
// (Gina) issues and renews only inside its weekday-night window, and Kofi has no role at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCatalog } from '../../src/core/errors.ts';
import type { ErrorCode } from '../../src/core/errors.ts';
import { databaseTargets } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';
import { governanceWithExternalMtls } from '../support/external-ca.ts';

// Issues are done by hand at the external CA the class also allows: the fixture's built-in CA source has
// no CA, so an issue drawing on it is refused at request.
const byHand = { source: 'letsencrypt' };

type LifecycleAction = 'issue' | 'renew' | 'rotate' | 'revoke';
type Step = 'request' | 'approve' | 'reject' | 'execute' | 'verify' | 'cancel' | 'invoke-playbook' | 'complete-review';
type Stage = 'requested' | 'approved' | 'executed';

/** What the step acts on: a class (request), a change at a stage made by the people named, a playbook, a review. */
type Subject =
  | { class: LifecycleAction }
  | { change: LifecycleAction; stage: Stage; requester?: Person }
  | { playbook: 'key-compromise' }
  | { review: 'key-compromise' };

type Row = {
  who: Person;
  role: string;
  step: Step;
  on: Subject;
  at?: 'in-window' | 'outside-window';
  expect: 'allowed' | ErrorCode;
  message?: RegExp;
};

const mtls = 'internal-mtls';

// Who takes each step when a test prepares a change: the people internal-mtls names for it.
const preparers: Record<LifecycleAction, { requester: Person; approver: Person | null; executor: Person }> = {
  issue: { requester: 'ivan', approver: 'dave', executor: 'ivan' },
  renew: { requester: 'gina', approver: null, executor: 'gina' },
  rotate: { requester: 'ivan', approver: 'dave', executor: 'ivan' },
  revoke: { requester: 'ivan', approver: 'carol', executor: 'ivan' },
};

const whileDelegated: readonly Row[] = [
  { who: 'carol', role: 'business owner', step: 'request', on: { class: 'rotate' }, expect: 'allowed' },
  { who: 'dave', role: 'accountable', step: 'request', on: { class: 'rotate' }, expect: 'allowed' },
  { who: 'ivan', role: 'responsible team member', step: 'request', on: { class: 'rotate' }, expect: 'allowed' },
  { who: 'erin', role: 'verifier', step: 'request', on: { class: 'revoke' }, expect: 'allowed' },
  { who: 'gina', role: 'partner inside its window', step: 'request', on: { class: 'renew' }, at: 'in-window', expect: 'allowed' },
  { who: 'gina', role: 'partner inside its window, undelegated action', step: 'request', on: { class: 'rotate' }, at: 'in-window', expect: 'FORBIDDEN', message: /holds no delegation for rotate on class internal-mtls/ },
  {
    who: 'gina', role: 'partner outside its window', step: 'request', on: { class: 'renew' }, at: 'outside-window', expect: 'OUTSIDE_CHANGE_WINDOW',
    message: new RegExp(`none is open at 2026-11-25T11:00:00Z; the next opens at ${instants.wednesdayWindowOpens}`),
  },
  { who: 'tom', role: 'another partner', step: 'request', on: { class: 'renew' }, at: 'in-window', expect: 'FORBIDDEN', message: /partner initech holds no delegation/ },
  { who: 'kofi', role: 'stranger', step: 'request', on: { class: 'rotate' }, expect: 'FORBIDDEN' },

  { who: 'dave', role: 'accountable', step: 'approve', on: { change: 'rotate', stage: 'requested' }, expect: 'allowed' },
  { who: 'carol', role: 'accountable for revoke', step: 'approve', on: { change: 'revoke', stage: 'requested' }, expect: 'allowed' },
  { who: 'carol', role: 'business owner, not accountable for rotate', step: 'approve', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },
  { who: 'dave', role: 'not accountable for revoke', step: 'approve', on: { change: 'revoke', stage: 'requested' }, expect: 'FORBIDDEN' },
  { who: 'ivan', role: 'responsible team member', step: 'approve', on: { change: 'rotate', stage: 'requested', requester: 'carol' }, expect: 'FORBIDDEN' },
  { who: 'erin', role: 'verifier', step: 'approve', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },
  { who: 'gina', role: 'partner inside its window', step: 'approve', on: { change: 'issue', stage: 'requested' }, at: 'in-window', expect: 'FORBIDDEN', message: /a partner never approves/ },
  { who: 'kofi', role: 'stranger', step: 'approve', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },

  { who: 'dave', role: 'accountable', step: 'reject', on: { change: 'rotate', stage: 'requested' }, expect: 'allowed' },
  { who: 'ivan', role: 'responsible team member', step: 'reject', on: { change: 'rotate', stage: 'requested', requester: 'carol' }, expect: 'FORBIDDEN' },
  { who: 'gina', role: 'partner inside its window', step: 'reject', on: { change: 'issue', stage: 'requested' }, at: 'in-window', expect: 'FORBIDDEN' },
  { who: 'kofi', role: 'stranger', step: 'reject', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },

  { who: 'ivan', role: 'responsible team member', step: 'execute', on: { change: 'rotate', stage: 'approved' }, expect: 'allowed' },
  { who: 'gina', role: 'partner inside its window', step: 'execute', on: { change: 'issue', stage: 'approved' }, at: 'in-window', expect: 'allowed' },
  { who: 'gina', role: 'partner inside its window, pre-approved renewal', step: 'execute', on: { change: 'renew', stage: 'approved' }, at: 'in-window', expect: 'allowed' },
  {
    who: 'gina', role: 'partner outside its window', step: 'execute', on: { change: 'issue', stage: 'approved' }, at: 'outside-window', expect: 'OUTSIDE_CHANGE_WINDOW',
    message: new RegExp(`the next opens at ${instants.wednesdayWindowOpens}`),
  },
  { who: 'gina', role: 'partner inside its window, undelegated action', step: 'execute', on: { change: 'rotate', stage: 'approved' }, at: 'in-window', expect: 'FORBIDDEN' },
  { who: 'carol', role: 'business owner', step: 'execute', on: { change: 'rotate', stage: 'approved' }, expect: 'FORBIDDEN' },
  { who: 'erin', role: 'verifier', step: 'execute', on: { change: 'rotate', stage: 'approved' }, expect: 'FORBIDDEN' },
  { who: 'kofi', role: 'stranger', step: 'execute', on: { change: 'rotate', stage: 'approved' }, expect: 'FORBIDDEN' },

  { who: 'erin', role: 'verifier', step: 'verify', on: { change: 'rotate', stage: 'executed' }, expect: 'allowed' },
  { who: 'erin', role: 'verifier of a partner\'s renewal', step: 'verify', on: { change: 'renew', stage: 'executed' }, expect: 'allowed' },
  { who: 'carol', role: 'business owner in the verifying team, who requested it', step: 'verify', on: { change: 'rotate', stage: 'executed', requester: 'carol' }, expect: 'SOD_VIOLATION' },
  { who: 'ivan', role: 'executor', step: 'verify', on: { change: 'rotate', stage: 'executed' }, expect: 'SOD_VIOLATION' },
  { who: 'gina', role: 'partner inside its window', step: 'verify', on: { change: 'rotate', stage: 'executed' }, at: 'in-window', expect: 'FORBIDDEN', message: /a partner never .*verifies/ },
  { who: 'kofi', role: 'stranger', step: 'verify', on: { change: 'rotate', stage: 'executed' }, expect: 'FORBIDDEN' },

  { who: 'ivan', role: 'requester', step: 'cancel', on: { change: 'rotate', stage: 'requested' }, expect: 'allowed' },
  { who: 'dave', role: 'accountable', step: 'cancel', on: { change: 'rotate', stage: 'approved' }, expect: 'allowed' },
  { who: 'gina', role: 'partner inside its window, its own request', step: 'cancel', on: { change: 'renew', stage: 'approved' }, at: 'in-window', expect: 'allowed' },
  { who: 'erin', role: 'verifier', step: 'cancel', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },
  { who: 'kofi', role: 'stranger', step: 'cancel', on: { change: 'rotate', stage: 'requested' }, expect: 'FORBIDDEN' },

  { who: 'erin', role: 'responder (security team)', step: 'invoke-playbook', on: { playbook: 'key-compromise' }, expect: 'allowed' },
  { who: 'dave', role: 'accountable, not a responder', step: 'invoke-playbook', on: { playbook: 'key-compromise' }, expect: 'FORBIDDEN' },
  { who: 'gina', role: 'partner inside its window', step: 'invoke-playbook', on: { playbook: 'key-compromise' }, at: 'in-window', expect: 'FORBIDDEN', message: /a partner never .*invokes a playbook/ },
  { who: 'kofi', role: 'stranger', step: 'invoke-playbook', on: { playbook: 'key-compromise' }, expect: 'FORBIDDEN' },

  { who: 'carol', role: 'accountable for revoke', step: 'complete-review', on: { review: 'key-compromise' }, expect: 'allowed' },
  { who: 'dave', role: 'technical owner', step: 'complete-review', on: { review: 'key-compromise' }, expect: 'FORBIDDEN' },
  { who: 'erin', role: 'the responder', step: 'complete-review', on: { review: 'key-compromise' }, expect: 'SOD_VIOLATION' },
  { who: 'gina', role: 'partner', step: 'complete-review', on: { review: 'key-compromise' }, expect: 'FORBIDDEN' },
];

const afterRevocation: readonly Row[] = [
  { who: 'gina', role: 'partner inside its window, delegation revoked', step: 'request', on: { class: 'renew' }, at: 'in-window', expect: 'DELEGATION_REVOKED', message: /globex-night-renewals .* was revoked at 2026-11-24T21:30:00.000Z by person:dave/ },
  { who: 'gina', role: 'partner inside its window, delegation revoked', step: 'execute', on: { change: 'issue', stage: 'approved' }, at: 'in-window', expect: 'DELEGATION_REVOKED' },
  { who: 'ivan', role: 'responsible team member', step: 'execute', on: { change: 'issue', stage: 'approved' }, expect: 'allowed' },
];

/** The status a change is left in when a step is allowed. */
const statusAfter = (step: Step, on: Subject): string | null => {
  switch (step) {
    case 'request': return 'class' in on && on.class === 'renew' ? 'approved' : 'requested';
    case 'approve': return 'approved';
    case 'reject': return 'rejected';
    case 'execute': return 'executed';
    case 'verify': return 'verified';
    case 'cancel': return 'cancelled';
    case 'invoke-playbook': case 'complete-review': return null;
  }
};

const describeRow = (row: Row): string => {
  const what = 'class' in row.on ? `${row.on.class} on ${mtls}`
    : 'change' in row.on ? `a ${row.on.stage} ${row.on.change} change`
      : 'playbook' in row.on ? `playbook ${row.on.playbook}` : `a review of ${row.on.review}`;
  const when = row.at === undefined ? '' : ` (${row.at})`;
  return `${row.who} (${row.role}) ${row.step} ${what}${when} → ${row.expect}`;
};

for (const target of databaseTargets) {
  describe(`decision rights matrix on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => { tp = await startDecisionRightsFixture(target, { credentials: 60, governance: governanceWithExternalMtls }); });
    after(() => tp.close());

    const ok = async (response: Promise<{ statusCode: number; body: string; json(): unknown }>, expected = 200) => {
      const answer = await response;
      assert.equal(answer.statusCode, expected, answer.body);
      return answer.json() as { id: string; status: string; changes?: { id: string }[]; reviews?: { id: string }[] };
    };

    /** Makes a change on internal-mtls at the given stage, at a time when everyone named may act. */
    const prepareChange = async (action: LifecycleAction, stage: Stage, requesterOverride?: Person): Promise<string> => {
      tp.clock.set(instants.tuesdayNight);
      const { approver, executor } = preparers[action];
      const requester = requesterOverride ?? preparers[action].requester;
      const body = action === 'issue'
        ? { action, class: mtls, reason: 'a new service', spec: byHand }
        : { action, credentials: [tp.freshCredential(mtls)], reason: 'routine', ...(action === 'revoke' ? { trigger: 'workload_decommissioned' } : {}) };
      const { id, status } = await ok(tp.as(requester, 'POST', '/api/v1/changes', body), 201);
      if (stage === 'requested') {
        assert.equal(status, 'requested', `a ${action} waits for approval`);
        return id;
      }
      if (approver !== null) await ok(tp.as(approver, 'POST', `/api/v1/changes/${id}/approve`, { note: 'fine' }));
      if (stage === 'executed') await ok(tp.as(executor, 'POST', `/api/v1/changes/${id}/execute`, { connector: 'manual', note: 'done by hand' }));
      assert.equal((await tp.change(id)).status, stage);
      return id;
    };

    const prepareReview = async (): Promise<string> => {
      tp.clock.set(instants.tuesdayNight);
      const invoked = await ok(tp.as('erin', 'POST', '/api/v1/playbooks/key-compromise/invoke', {
        credentials: [tp.freshCredential(mtls)], trigger: 'key_compromise', reason: 'key found in a public repository',
      }));
      const review = invoked.reviews?.[0];
      assert.ok(review !== undefined);
      return review.id;
    };

    /** Prepares what the row acts on; returns the URL, the body, and the change to watch (if any). */
    const prepare = async (row: Row): Promise<{ url: string; body: Record<string, unknown>; changeId: string | null }> => {
      const { on } = row;
      if ('class' in on) {
        const credentials = on.class === 'issue' ? [] : [tp.freshCredential(mtls)];
        return {
          url: '/api/v1/changes', changeId: null,
          body: { action: on.class, credentials, reason: 'matrix', ...(on.class === 'issue' ? { class: mtls, spec: byHand } : {}), ...(on.class === 'revoke' ? { trigger: 'superseded' } : {}) },
        };
      }
      if ('playbook' in on) {
        return { url: `/api/v1/playbooks/${on.playbook}/invoke`, changeId: null, body: { credentials: [tp.freshCredential(mtls)], trigger: 'key_compromise', reason: 'matrix' } };
      }
      if ('review' in on) return { url: `/api/v1/reviews/${await prepareReview()}/complete`, changeId: null, body: { outcome: 'accept' } };
      const id = await prepareChange(on.change, on.stage, on.requester);
      const bodies: Record<string, Record<string, unknown>> = {
        approve: { note: 'looks right' }, reject: { note: 'not now' }, cancel: { note: 'no longer needed' },
        execute: { connector: 'manual', note: 'done by hand' }, verify: { outcome: 'passed', checks: ['the service presents the new certificate'] },
      };
      return { url: `/api/v1/changes/${id}/${row.step}`, body: bodies[row.step] ?? {}, changeId: id };
    };

    const check = async (row: Row): Promise<void> => {
      const { url, body, changeId } = await prepare(row);
      const beforeStep = changeId === null ? null : await tp.change(changeId);
      tp.clock.set(row.at === 'outside-window' ? instants.wednesdayNoon : instants.tuesdayNight);
      const response = await tp.as(row.who, 'POST', url, body);
      tp.clock.set(instants.tuesdayNight);
      if (row.expect === 'allowed') {
        assert.equal(response.statusCode, row.step === 'request' ? 201 : 200, response.body);
        const expectedStatus = statusAfter(row.step, row.on);
        if (expectedStatus !== null) assert.equal(response.json().status, expectedStatus);
        if (row.step === 'invoke-playbook') assert.equal(response.json().changes[0].status, 'executed');
        if (row.step === 'complete-review') assert.equal(response.json().status, 'accepted');
        return;
      }
      const problem = response.json();
      assert.equal(problem.code, row.expect, response.body);
      assert.equal(response.statusCode, errorCatalog[row.expect].status);
      if (row.message !== undefined) assert.match(problem.detail, row.message);
      if (changeId !== null && beforeStep !== null) {
        const afterStep = await tp.change(changeId);
        assert.deepEqual({ status: afterStep.status, revision: afterStep.revision }, { status: beforeStep.status, revision: beforeStep.revision }, 'a refused step changes nothing');
      }
      const denied = await ok(tp.as('carol', 'GET', `/api/v1/authz/denied?principal=person:${row.who}&limit=1`)) as unknown as { items: { code: string; action: string }[] };
      assert.equal(denied.items[0]?.code, row.expect, 'the refusal is recorded as a denied attempt');
    };

    for (const row of whileDelegated) test(describeRow(row), () => check(row));

    test('only the grantor or an administrator revokes a delegation: gina cannot, dave can, at once', async () => {
      const refused = await tp.as('gina', 'POST', '/api/v1/delegations/globex-night-renewals/revoke', { reason: 'trying' });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'FORBIDDEN');
      const revoked = await ok(tp.as('dave', 'POST', '/api/v1/delegations/globex-night-renewals/revoke', { reason: 'Globex contract ends' })) as unknown as { state: string };
      assert.equal(revoked.state, 'revoked');
    });

    for (const row of afterRevocation) test(describeRow(row), () => check(row));

    test('the system principal approves a pre-approved renewal, naming who pre-authorised it, and nothing else', async () => {
      const changeOf = (action: LifecycleAction, preApproved: boolean) => ({
        type: 'change' as const, id: 'ch_hypothetical', classId: mtls, lifecycleAction: action, requester: 'person:ivan', approvers: [], executor: null, preApproved,
      });
      const renew = await tp.services.authz.check({ principal: 'system:automation', action: 'approve-renew', resource: changeOf('renew', true), at: instants.tuesdayNight }, { enforce: false });
      assert.equal(renew.allowed, true, renew.reason);
      assert.deepEqual(renew.policies.map((policy) => policy.id), ['class.internal-mtls.renew.pre-approved']);
      assert.match(renew.reason, /pre-authorised by person:dave/);
      const rotate = await tp.services.authz.check({ principal: 'system:automation', action: 'approve-rotate', resource: changeOf('rotate', false), at: instants.tuesdayNight }, { enforce: false });
      assert.equal(rotate.allowed, false);
      assert.equal(rotate.code, 'FORBIDDEN');
      assert.match(rotate.reason, /approves only what a policy pre-authorised/);
      const verify = await tp.services.authz.check({ principal: 'system:automation', action: 'verify-rotate', resource: changeOf('rotate', false), at: instants.tuesdayNight }, { enforce: false });
      assert.equal(verify.allowed, false, 'no policy permits the system principal to verify');
    });

    test('a real pre-approved request is approved by the system principal, recorded under dave\'s pre-authorisation', async () => {
      const created = await ok(tp.as('dave', 'POST', '/api/v1/changes', { action: 'renew', credentials: [tp.freshCredential(mtls)], reason: 'nightly' }), 201);
      const change = await tp.change(created.id);
      assert.equal(change.status, 'approved');
      assert.deepEqual(change.approvals, ['system:automation']);
      const approval = change.events.find((event) => event.step === 'approve') as unknown as { actor: string; details: { preAuthorisedBy: string; preAuthorisedAt: string } };
      assert.equal(approval.actor, 'system:automation');
      assert.equal(approval.details.preAuthorisedBy, 'person:dave');
      const applied = await tp.as('carol', 'GET', '/api/v1/governance');
      assert.equal(approval.details.preAuthorisedAt, applied.json().appliedAt, 'when: the governance version that carries the pre-authorisation was applied');
      const explained = await tp.services.explainer.explain({ principal: 'system:automation', action: 'approve', resource: `change:${created.id}`, at: instants.tuesdayNight });
      assert.deepEqual({ allowed: explained.allowed, code: explained.code }, { allowed: false, code: 'SOD_VIOLATION' }, 'it counts once towards the quorum it already met');
    });
  });
}
