// Request ≠ approve ≠ execute ≠ verify (DESIGN.md, Separation of duties), through the API on the example
// governance. Every forbidden overlap is refused with SOD_VIOLATION even where the person holds the
// role for that step; a refused step changes nothing and is listed among the denied attempts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { ChangeView, DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';

for (const target of databaseTargets) {
  describe(`separation of duties on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => { tp = await startDecisionRightsFixture(target, { credentials: 10 }); });
    after(() => tp.close());

    const refusals: { who: Person; action: string; changeId: string }[] = [];

    const step = async (who: Person, id: string, name: string, body: Record<string, unknown> = { note: 'as asked' }): Promise<ChangeView> => {
      const response = await tp.as(who, 'POST', `/api/v1/changes/${id}/${name}`, body);
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };

    const request = async (who: Person, body: Record<string, unknown>): Promise<string> => {
      const response = await tp.as(who, 'POST', '/api/v1/changes', { reason: 'separation of duties test', ...body });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id;
    };

    /** Takes a step that separation of duties forbids: 403 SOD_VIOLATION, the change as it was, the history as it was. */
    const refused = async (who: Person, id: string, name: string, action: string, because: RegExp, body: Record<string, unknown> = { note: 'as asked' }): Promise<void> => {
      const before = await tp.change(id);
      const response = await tp.as(who, 'POST', `/api/v1/changes/${id}/${name}`, body);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().code, 'SOD_VIOLATION');
      assert.match(response.json().detail, because);
      const afterwards = await tp.change(id);
      assert.deepEqual(
        { status: afterwards.status, revision: afterwards.revision, approvals: afterwards.approvals, events: afterwards.events.length },
        { status: before.status, revision: before.revision, approvals: before.approvals, events: before.events.length },
        'a refused step changes nothing',
      );
      refusals.push({ who, action, changeId: id });
    };

    const verification = { outcome: 'passed', checks: ['the revoked certificate is on the CRL'] };

    test('the requester never approves or rejects their own change, even as its accountable person', async () => {
      const id = await request('dave', { action: 'rotate', credentials: [tp.freshCredential('internal-mtls')] });
      await refused('dave', id, 'approve', 'approve-rotate', /the requester of a change never approves or rejects it/);
      await refused('dave', id, 'reject', 'reject-rotate', /the requester of a change never approves or rejects it/, { note: 'no' });
      assert.equal((await tp.change(id)).status, 'requested');
    });

    test('the approver never executes the change, even as a member of the responsible team', async () => {
      const id = await request('ivan', { action: 'rotate', credentials: [tp.freshCredential('internal-mtls')] });
      await step('dave', id, 'approve');
      await refused('dave', id, 'execute', 'execute-rotate', /an approver of a change never executes it/);
      assert.equal((await step('ivan', id, 'execute')).status, 'executed', 'another member of the team executes');
    });

    test('the approver never verifies the change, even as a member of the verifying team', async () => {
      const id = await request('ivan', { action: 'revoke', trigger: 'superseded', credentials: [tp.freshCredential('internal-mtls')] });
      await step('carol', id, 'approve');
      await step('ivan', id, 'execute');
      await refused('carol', id, 'verify', 'verify-revoke', /an approver of a change never verifies it/, verification);
      assert.equal((await step('erin', id, 'verify', verification)).status, 'verified', 'another member of the security team verifies');
    });

    test('the executor never verifies the change, even as a member of the verifying team', async () => {
      // payments-api-keys: revoke is executed by payments or security, and verified by security.
      const id = await request('hana', { action: 'revoke', trigger: 'owner_departed', credentials: [tp.freshCredential('payments-api-keys')] });
      await step('frank', id, 'approve');
      await step('erin', id, 'execute');
      await refused('erin', id, 'verify', 'verify-revoke', /the executor of a change never verifies it/, verification);
      assert.equal((await step('lena', id, 'verify', verification)).status, 'verified');
    });

    test('an approver counts once towards a quorum: frank cannot approve twice, carol completes it', async () => {
      const id = await request('hana', { action: 'issue', class: 'payments-api-keys' });
      const first = await step('frank', id, 'approve');
      assert.deepEqual({ status: first.status, approvals: first.approvals }, { status: 'requested', approvals: ['person:frank'] });
      await refused('frank', id, 'approve', 'approve-issue', /an approver counts once towards a quorum/);
      const second = await step('carol', id, 'approve');
      assert.deepEqual({ status: second.status, approvals: second.approvals }, { status: 'approved', approvals: ['person:frank', 'person:carol'] });
      await refused('carol', id, 'execute', 'execute-issue', /an approver of a change never executes it/);
    });

    test('every refusal is listed among the denied attempts with its code, principal, action and change', async () => {
      const response = await tp.as('carol', 'GET', '/api/v1/authz/denied?limit=100');
      assert.equal(response.statusCode, 200);
      const denied = response.json().items as { principal: string; action: string; resource: string; code: string; classId: string }[];
      assert.equal(denied.length, refusals.length, 'nothing else was denied');
      for (const refusal of refusals) {
        const match = denied.find((entry) => entry.principal === `person:${refusal.who}` && entry.action === refusal.action && entry.resource.startsWith(`change ${refusal.changeId} `));
        assert.ok(match !== undefined, `${refusal.who} ${refusal.action} on ${refusal.changeId} is listed`);
        assert.equal(match.code, 'SOD_VIOLATION');
      }
    });
  });
}
