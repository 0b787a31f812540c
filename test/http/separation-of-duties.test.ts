// Request ≠ approve ≠ execute ≠ verify (DESIGN.md, Separation of duties), through the API on the example
// governance. Every forbidden overlap is refused with SOD_VIOLATION even where the person holds the
// role for that step; a refused step changes nothing and is listed among the denied attempts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import { bearer, exampleGovernance } from '../support/server-fixture.ts';
import type { ChangeView, DecisionRightsFixture, Person, Pools } from '../support/decision-rights-fixture.ts';

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

    /** A revocation taken to its verify step, where one member of the verifying team is refused and another verifies. */
    const verifiedByAnother = async (duties: { requester: Person; approver: Person; executor: Person; refused: Person; verifier: Person }, because: RegExp, pool: keyof Pools = 'internal-mtls'): Promise<void> => {
      const id = await request(duties.requester, { action: 'revoke', trigger: 'superseded', credentials: [tp.freshCredential(pool)] });
      await step(duties.approver, id, 'approve');
      await step(duties.executor, id, 'execute');
      await refused(duties.refused, id, 'verify', 'verify-revoke', because, verification);
      assert.equal((await step(duties.verifier, id, 'verify', verification)).status, 'verified', 'another member of the security team verifies');
    };

    test('the approver never verifies the change, even as a member of the verifying team', async () => {
      await verifiedByAnother({ requester: 'ivan', approver: 'carol', executor: 'ivan', refused: 'carol', verifier: 'erin' }, /an approver of a change never verifies it/);
    });

    test('the executor never verifies the change, even as a member of the verifying team', async () => {
      // payments-api-keys: revoke is executed by payments or security, and verified by security.
      await verifiedByAnother({ requester: 'hana', approver: 'frank', executor: 'erin', refused: 'erin', verifier: 'lena' }, /the executor of a change never verifies it/, 'payments-api-keys');
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

    test('the requester never verifies their own change, even as a member of the verifying team', async () => {
      await verifiedByAnother({ requester: 'erin', approver: 'carol', executor: 'ivan', refused: 'erin', verifier: 'lena' }, /the requester of a change never verifies it/);
    });

    test('a service account counts as its owner: dave approves, then cannot execute through renewal-bot, which he owns', async () => {
      const minted = await tp.as('dave', 'POST', '/api/v1/tokens', { principal: 'service-account:renewal-bot', scope: 'full', name: 'bot' });
      assert.equal(minted.statusCode, 201, 'the owner of a service account makes its full token');
      const bot = minted.json().token as string;
      const id = await request('ivan', { action: 'rotate', credentials: [tp.freshCredential('internal-mtls')] });
      await step('dave', id, 'approve');
      const before = await tp.change(id);
      const response = await tp.app.inject({ method: 'POST', url: `/api/v1/changes/${id}/execute`, headers: bearer(bot), payload: {} });
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().code, 'SOD_VIOLATION');
      assert.match(response.json().detail, /an approver of a change never executes it/);
      const afterwards = await tp.change(id);
      assert.deepEqual([afterwards.status, afterwards.revision], [before.status, before.revision], 'a refused step changes nothing');
      const denied = (await tp.as('carol', 'GET', '/api/v1/authz/denied?limit=100')).json().items as { principal: string; action: string }[];
      assert.ok(denied.some((entry) => entry.principal === 'service-account:renewal-bot' && entry.action === 'execute-rotate'), 'the refusal is a denied attempt');
      assert.equal((await step('ivan', id, 'execute')).status, 'executed', 'someone else on the platform team executes');
    });

    test('every refusal is listed among the denied attempts with its code, principal, action and change', async () => {
      const response = await tp.as('carol', 'GET', '/api/v1/authz/denied?limit=100');
      assert.equal(response.statusCode, 200);
      const denied = response.json().items as { principal: string; action: string; resource: string; code: string; classId: string }[];
      assert.equal(denied.filter((entry) => entry.principal.startsWith('person:')).length, refusals.length, 'no person was denied anything else');
      for (const refusal of refusals) {
        const match = denied.find((entry) => entry.principal === `person:${refusal.who}` && entry.action === refusal.action && entry.resource.startsWith(`change ${refusal.changeId} `));
        assert.ok(match !== undefined, `${refusal.who} ${refusal.action} on ${refusal.changeId} is listed`);
        assert.equal(match.code, 'SOD_VIOLATION');
      }
    });
  });

  describe(`full tokens on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => { tp = await startDecisionRightsFixture(target, { credentials: 2 }); });
    after(() => tp.close());

    const apply = async (document: string): Promise<void> => {
      await tp.services.governance.apply({ document, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    };

    test("only its principal (or a service account's owner) makes a full token, and an organisation's own permit cannot reopen that", async () => {
      await apply(`${exampleGovernance}\npolicies:\n  - 'permit (principal, action == Trustplane::Action::"create-token", resource);'\n`);
      const response = await tp.as('carol', 'POST', '/api/v1/tokens', { principal: 'person:frank', scope: 'full', name: 'as frank' });
      assert.equal(response.statusCode, 403, response.body);
      assert.match(response.json().detail, /a full token is made only by the person it is for, or by the owner of the service account or agent it is for/);
      const readOnly = await tp.as('carol', 'POST', '/api/v1/tokens', { principal: 'person:frank', scope: 'read-only', name: 'for frank' });
      assert.equal(readOnly.statusCode, 201, 'the organisation may still let anyone make read-only tokens');
      await apply(exampleGovernance);
    });

    test("handing a service account to someone else between two steps opens no path: its requester stays its owner of the time", async () => {
      const minted = await tp.as('dave', 'POST', '/api/v1/tokens', { principal: 'service-account:renewal-bot', scope: 'full', name: 'bot' });
      assert.equal(minted.statusCode, 201, minted.body);
      const requested = await tp.app.inject({
        method: 'POST', url: '/api/v1/changes', headers: bearer(minted.json().token as string),
        payload: { action: 'rotate', credentials: [tp.freshCredential('internal-mtls')], reason: 'rotate through the bot' },
      });
      assert.equal(requested.statusCode, 201, requested.body);
      const id = requested.json().id as string;
      assert.deepEqual((await tp.change(id) as ChangeView & { people?: Record<string, string[]> }).people, { 'service-account:renewal-bot': ['person:dave'] }, 'the change records whose account requested it');
      await apply(exampleGovernance.replace('owner: person:dave, teams: [platform] }', 'owner: person:ivan, teams: [platform] }'));
      const response = await tp.as('dave', 'POST', `/api/v1/changes/${id}/approve`, { note: 'not mine any more' });
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().code, 'SOD_VIOLATION');
      assert.match(response.json().detail, /the requester of a change never approves or rejects it/);
      await apply(exampleGovernance);
    });

    test('a service account never makes its own full token, so none outlives its handing over', async () => {
      const minted = await tp.as('dave', 'POST', '/api/v1/tokens', { principal: 'service-account:renewal-bot', scope: 'full', name: 'bot' });
      assert.equal(minted.statusCode, 201, minted.body);
      const own = await tp.app.inject({
        method: 'POST', url: '/api/v1/tokens', headers: bearer(minted.json().token as string),
        payload: { principal: 'service-account:renewal-bot', scope: 'full', name: 'a spare one' },
      });
      assert.equal(own.statusCode, 403, own.body);
      assert.match(own.json().detail, /a full token is made only by the person it is for, or by the owner/);
    });

    test('a token made under a policy that no longer allows it stops working', async () => {
      const minted = await tp.as('dave', 'POST', '/api/v1/tokens', { principal: 'service-account:renewal-bot', scope: 'full', name: 'bot' });
      assert.equal(minted.statusCode, 201, minted.body);
      const bot = minted.json().token as string;
      assert.equal((await tp.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(bot) })).statusCode, 200);
      // renewal-bot passes to ivan: dave, who made its token, no longer owns it.
      await apply(exampleGovernance.replace('owner: person:dave, teams: [platform] }', 'owner: person:ivan, teams: [platform] }'));
      const refused = await tp.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(bot) });
      assert.equal(refused.statusCode, 401, refused.body);
      assert.match(refused.json().detail, /was made by person:dave, whom governance version \d+ no longer allows to make it/);
      assert.equal((await tp.as('dave', 'GET', '/api/v1/classes')).statusCode, 200, "dave's own token still works");
      await apply(exampleGovernance);
      assert.equal((await tp.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(bot) })).statusCode, 200, 'the same governance as before lets it work again');
    });
  });
}
