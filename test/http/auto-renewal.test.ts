// Automatic renewal on both databases: a certificate of a class whose renew decision is pre-approved,
// issued by the built-in CA, is renewed by the sweep once it is inside the class's renew-before window
// (internal-mtls: 10 days), through an ordinary change whose four duties are held by four principals:
// requested and executed by system:renewal, approved by system:automation under the accountable person's
// pre-authorisation, verified by system:probes; and nothing is renewed before its window.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';

const day = 86_400_000;

for (const target of databaseTargets) {
  describe(`automatic renewal on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    let issued = '';

    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 2 });
      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'ledger', spec: { names: ['ledger.svc.acme.internal'], lifetime: '20d' } });
      assert.equal(requested.statusCode, 201, requested.body);
      assert.equal((await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {})).statusCode, 200);
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, {});
      assert.equal(executed.json().status, 'executed', executed.body);
      issued = (executed.json().events.find((event: { step: string }) => event.step === 'executed').details.produced as string[])[0]!;
    });
    after(() => tp.close());

    const sweep = async () => {
      const response = await tp.as('carol', 'POST', '/api/v1/alerts/sweep', {});
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { renewals: { renewed: number; failed: number; outcomes: { credential: string; change: string | null; status: string; problem: string | null }[] } };
    };

    test('nothing is renewed before the renew-before window opens', async () => {
      tp.clock.advance(10 * day - 60_000);
      const report = await sweep();
      assert.equal(report.renewals.outcomes.some((outcome) => outcome.credential === issued), false);
    });

    test('inside the window the sweep renews it: requested, approved, executed and verified by three system principals', async () => {
      tp.clock.advance(2 * 60_000);
      const report = await sweep();
      const outcome = report.renewals.outcomes.find((entry) => entry.credential === issued);
      assert.deepEqual([outcome?.status, outcome?.problem], ['verified', null], JSON.stringify(report.renewals));
      const change = await tp.change(outcome!.change!);
      assert.deepEqual(change.events.map((event) => [event.step, event.actor]), [
        ['request', 'system:renewal'], ['approve', 'system:automation'], ['execute', 'system:renewal'], ['executed', 'system:renewal'], ['verify', 'system:probes'],
      ]);
      const old = (await tp.as('carol', 'GET', `/api/v1/credentials/${issued}`)).json().credential as { status: string; supersededBy: string };
      assert.equal(old.status, 'superseded');
      const successor = (await tp.as('carol', 'GET', `/api/v1/credentials/${old.supersededBy}`)).json().credential as { status: string; notAfter: string };
      assert.equal(successor.status, 'active');
      assert.ok(Date.parse(successor.notAfter) > tp.clock.now().getTime() + 19 * day, `renewed until ${successor.notAfter}`);
      const again = await sweep();
      assert.equal(again.renewals.outcomes.length, 0, 'renewed once: the successor is outside the window');
    });

    test('people cannot act as the renewal job, and the job can do nothing else', async () => {
      const decision = await tp.as('carol', 'POST', '/api/v1/authz/check', { principal: 'system:renewal', action: 'request-issue', resource: 'class:internal-mtls' });
      assert.equal(decision.statusCode, 200, decision.body);
      assert.equal(decision.json().allowed, false);
    });
  });
}
