// Offboarding end to end through the API on both databases, with the example governance: a partner whose
// contract ends (its delegations revoked at once, its people's tokens revoked, revocation changes filed for
// what it changed and what was exposed to it, followed to verified revocation), a decommissioned workload,
// and a person who leaves (tokens revoked, pending requests cancelled, ownership to reassign).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';
import { departedPeopleOf } from '../../src/core/monitor/index.ts';

type Plan = { subject: string; delegations: { id: string }[]; tokens: { principal: string }[]; cancel: { changeId: string }[]; revocations: { classId: string; trigger: string; credentials: { id: string }[] }[]; tasks: { kind: string; text: string }[] };
type Offboarding = { id: string; subject: string; at: string; changes: { id: string; classId: string; status: string; dueAt: string | null; onTime: boolean | null; credentials: string[] }[]; progress: { verified: number; total: number; complete: boolean } };

for (const target of databaseTargets) {
  describe(`offboarding on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    const imported = new Map<string, string>();

    const offboard = async (who: Person, body: Record<string, unknown>) => tp.as(who, 'POST', '/api/v1/offboardings', body);

    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 2 });
      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
      const document = {
        credentials: [
          { kind: 'api_key', id: 'globex-held', name: 'payments-key-globex', source: 'vault', class: 'payments-api-keys', notAfter: '2027-03-01T00:00:00Z', exposedTo: ['org:globex'] },
          { kind: 'x509_certificate', id: 'reports-only', name: 'reports.svc.acme.internal', source: 'internal-ca', class: 'internal-mtls', notAfter: '2027-03-01T00:00:00Z', workloads: ['ledger-batch'] },
          { kind: 'x509_certificate', id: 'reports-shared', name: 'shared.svc.acme.internal', source: 'internal-ca', class: 'internal-mtls', notAfter: '2027-03-01T00:00:00Z', workloads: ['ledger-batch', 'payments-api'] },
        ],
      };
      await tp.services.inventory.importFiles([{ name: 'offboarding.json', bytes: Buffer.from(JSON.stringify(document)) }], {}, 'system:bootstrap');
      for (const name of ['payments-key-globex', 'reports.svc.acme.internal', 'shared.svc.acme.internal']) {
        const found = await tp.services.inventory.list({ text: name, page: 1, pageSize: 5, sort: 'name', descending: false });
        imported.set(name, found.items.find((credential) => credential.name === name)!.id);
      }
    });
    after(() => tp.close());

    test('only an administrator offboards, and bad input changes nothing', async () => {
      const refused = await offboard('ivan', { kind: 'partner', id: 'globex', reason: 'contract ended' });
      assert.equal(refused.statusCode, 403, refused.body);
      const unknown = await offboard('carol', { kind: 'partner', id: 'nobody', reason: 'x', dryRun: true });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.json().detail, /no partner nobody is declared/);
      const own = await offboard('carol', { kind: 'partner', id: 'acme', reason: 'x', dryRun: true });
      assert.match(own.json().detail, /acme is the organization itself/);
      const noReason = await offboard('carol', { kind: 'workload', id: 'ledger-batch', reason: ' ' });
      assert.equal(noReason.statusCode, 400);
    });

    test('a partner: the plan first, then its delegations and tokens revoked at once and revocations filed, followed until verified', async () => {
      // Gina (Globex) issues a certificate inside her window: a credential the partner changed.
      const requested = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'checkout service', spec: { names: ['checkout.svc.acme.internal'] } });
      assert.equal(requested.statusCode, 201, requested.body);
      const issueId = requested.json().id as string;
      assert.equal((await tp.as('dave', 'POST', `/api/v1/changes/${issueId}/approve`, {})).statusCode, 200);
      const executed = await tp.as('gina', 'POST', `/api/v1/changes/${issueId}/execute`, {});
      assert.equal(executed.json().status, 'executed', executed.body);
      const issued = (executed.json().events.find((event: { step: string }) => event.step === 'executed').details.produced as string[])[0]!;

      // And she has a renewal pending (pre-approved, so approved at once): the offboarding cancels it and revokes instead.
      const pendingFor = tp.freshCredential('internal-mtls');
      const pendingRenewal = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'renew', credentials: [pendingFor], reason: 'nightly renewal' });
      assert.equal(pendingRenewal.json().status, 'approved', pendingRenewal.body);

      const dryRun = await offboard('carol', { kind: 'partner', id: 'globex', reason: 'contract ended 2026-11-30', dryRun: true });
      assert.equal(dryRun.statusCode, 200, dryRun.body);
      const plan = dryRun.json().plan as Plan;
      assert.equal(dryRun.json().offboarding, null);
      assert.ok(plan.delegations.length > 0);
      assert.deepEqual(plan.tokens.map((token) => token.principal), ['person:gina']);
      // One change per class and per place that revokes: the built-in CA's certificate, the imported one, the key.
      assert.deepEqual(plan.revocations.map((revocation) => [revocation.classId, revocation.trigger, revocation.credentials.map((credential) => credential.id)]), [
        ['internal-mtls', 'partner_offboarded', [issued]],
        ['internal-mtls', 'partner_offboarded', [pendingFor]],
        ['payments-api-keys', 'partner_offboarded', [imported.get('payments-key-globex')]],
      ]);
      assert.deepEqual(plan.cancel.map((entry) => entry.changeId), [pendingRenewal.json().id]);
      assert.equal((await tp.as('gina', 'GET', '/api/v1/classes')).statusCode, 200, 'a dry run changes nothing: her token still works');

      // Erin (security, an administrator) orders it, so that Carol, accountable for revoking, approves.
      const applied = await offboard('erin', { kind: 'partner', id: 'globex', reason: 'contract ended 2026-11-30' });
      assert.equal(applied.statusCode, 200, applied.body);
      const offboarding = applied.json().offboarding as Offboarding;
      assert.deepEqual(offboarding.progress, { verified: 0, total: 3, complete: false, overdue: 0 });
      assert.equal((await tp.as('gina', 'GET', '/api/v1/classes')).json().code, 'TOKEN_REVOKED');
      const delegations = (await tp.as('carol', 'GET', '/api/v1/delegations')).json().items as { to: string; state: string }[];
      assert.ok(delegations.filter((delegation) => delegation.to === 'org:globex').every((delegation) => delegation.state === 'revoked'));
      const cancelled = await tp.change(pendingRenewal.json().id);
      assert.deepEqual([cancelled.status, cancelled.events.at(-1)?.actor], ['cancelled', 'system:automation']);
      const again = await offboard('carol', { kind: 'partner', id: 'globex', reason: 'again' });
      assert.equal(again.statusCode, 409);
      assert.match(again.json().detail, /partner:globex was already offboarded/);

      // The class's own people carry the revocation out: requested by the system, approved by the accountable person.
      const mtls = offboarding.changes.find((change) => change.credentials.includes(issued))!;
      const change = await tp.change(mtls.id);
      assert.deepEqual([change.status, (change as unknown as { requester: string; trigger: string }).requester, (change as unknown as { trigger: string }).trigger], ['requested', 'system:automation', 'partner_offboarded']);
      assert.notEqual(mtls.dueAt, null);
      const byOrderer = await tp.as('erin', 'POST', `/api/v1/changes/${mtls.id}/approve`, {});
      assert.equal(byOrderer.statusCode, 403, 'whoever ordered the offboarding never approves its revocations');
      assert.match(byOrderer.json().detail, /ordered a change the system filed/);
      assert.equal((await tp.as('carol', 'POST', `/api/v1/changes/${mtls.id}/approve`, {})).statusCode, 200);
      const revoked = await tp.as('ivan', 'POST', `/api/v1/changes/${mtls.id}/execute`, {});
      assert.equal(revoked.json().status, 'executed', revoked.body);
      const verified = await tp.as('erin', 'POST', `/api/v1/changes/${mtls.id}/verify`, {});
      assert.equal(verified.json().status, 'verified', verified.body);

      const progress = (await tp.as('ivan', 'GET', '/api/v1/offboardings/partner:globex')).json() as Offboarding;
      assert.deepEqual([progress.id, progress.progress.verified, progress.progress.total, progress.progress.complete], [offboarding.id, 1, 3, false]);
      assert.equal(progress.changes.find((entry) => entry.id === mtls.id)?.onTime, true);
      const entries = await tp.services.audit.list({ limit: 500 });
      assert.ok(entries.some((entry) => entry.action === 'offboard.partner' && entry.actor === 'person:erin' && entry.target === 'partner:globex'));
      assert.ok(entries.some((entry) => entry.action === 'token.revoke' && entry.details.offboarding === offboarding.id));
    });

    test('exposure is read from each credential\'s list: a partner id with "_" matches only itself', async () => {
      const document = { credentials: [
        { kind: 'api_key', id: 'near-1', name: 'exposed-to-globex', source: 'vault', class: 'payments-api-keys', notAfter: '2027-03-01T00:00:00Z', exposedTo: ['org:globex'] },
        { kind: 'api_key', id: 'near-2', name: 'exposed-to-glo_ex', source: 'vault', class: 'payments-api-keys', notAfter: '2027-03-01T00:00:00Z', exposedTo: ['org:glo_ex'] },
      ] };
      await tp.services.inventory.importFiles([{ name: 'near.json', bytes: Buffer.from(JSON.stringify(document)) }], {}, 'system:bootstrap');
      const names = async (party: string) => {
        const ids = await tp.services.unitOfWork((tx) => tx.monitor.exposedTo(party));
        return (await tp.services.unitOfWork((tx) => tx.monitor.liveCredentials(ids))).map((credential) => credential.name).filter((name) => name.startsWith('exposed-to-'));
      };
      assert.deepEqual(await names('org:glo_ex'), ['exposed-to-glo_ex']);
      assert.deepEqual(await names('org:globex'), ['exposed-to-globex']);
    });

    test('a decommissioned workload: revocations for what only it used, a task for what it shares', async () => {
      const applied = await offboard('carol', { kind: 'workload', id: 'ledger-batch', reason: 'batch retired' });
      assert.equal(applied.statusCode, 200, applied.body);
      const plan = applied.json().plan as Plan;
      assert.deepEqual(plan.revocations.map((revocation) => [revocation.trigger, revocation.credentials.map((credential) => credential.id)]), [['workload_decommissioned', [imported.get('reports.svc.acme.internal')]]]);
      assert.ok(plan.tasks.some((task) => task.kind === 'shared-credential' && task.text.includes('also used by payments-api')));
    });

    test('a person: tokens revoked, pending requests cancelled by the system, what they owned listed to reassign', async () => {
      const credential = tp.freshCredential('internal-mtls');
      const pending = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'quarterly' });
      assert.equal(pending.statusCode, 201, pending.body);
      const applied = await offboard('carol', { kind: 'person', id: 'ivan', reason: 'left the company' });
      assert.equal(applied.statusCode, 200, applied.body);
      const plan = applied.json().plan as Plan;
      assert.deepEqual(plan.cancel.map((entry) => entry.changeId), [pending.json().id]);
      const cancelled = await tp.change(pending.json().id);
      assert.deepEqual([cancelled.status, cancelled.events.at(-1)?.actor], ['cancelled', 'system:automation']);
      assert.equal((await tp.as('ivan', 'GET', '/api/v1/classes')).json().code, 'TOKEN_REVOKED');

      const owner = await offboard('carol', { kind: 'person', id: 'dave', reason: 'moved on', dryRun: true });
      const tasks = (owner.json().plan as Plan).tasks.map((task) => task.text);
      assert.ok(tasks.some((text) => text.startsWith('class internal-mtls: name a new technical owner')), tasks.join('\n'));
      assert.ok(tasks.some((text) => /delegation .* was granted by person:dave/.test(text)));
    });

    test('a person rehired is reinstated: no longer offboarded, so alerts reach them again and they can be offboarded again; the first offboarding stays on record', async () => {
      const departedIn = async () => departedPeopleOf(await tp.services.unitOfWork((tx) => tx.monitor.offboarded()));
      assert.ok((await departedIn()).has('ivan'));
      const bare = await tp.as('carol', 'POST', '/api/v1/offboardings/person:ivan/reinstate', { reason: '' });
      assert.equal(bare.statusCode, 400, bare.body);
      assert.equal((await tp.as('dave', 'POST', '/api/v1/offboardings/person:ivan/reinstate', { reason: 'rehired' })).statusCode, 403, 'only an administrator reinstates');
      assert.ok((await departedIn()).has('ivan'), 'a refused or invalid request changed nothing');

      const first = (await tp.as('carol', 'GET', '/api/v1/offboardings/person:ivan')).json() as Offboarding;
      const reinstated = await tp.as('carol', 'POST', '/api/v1/offboardings/person:ivan/reinstate', { reason: 'rehired in platform' });
      assert.equal(reinstated.statusCode, 200, reinstated.body);
      assert.equal(reinstated.json().id, first.id);
      assert.deepEqual([reinstated.json().reinstatement.by, reinstated.json().reinstatement.reason], ['person:carol', 'rehired in platform']);
      assert.equal((await departedIn()).has('ivan'), false);
      const again = await tp.as('carol', 'POST', `/api/v1/offboardings/${first.id}/reinstate`, { reason: 'twice' });
      assert.equal(again.statusCode, 409, again.body);
      assert.match(again.json().detail ?? again.body, /offboarding off_\w+ was already reinstated at .* by person:carol; person:ivan is not offboarded/);

      const second = await offboard('carol', { kind: 'person', id: 'ivan', reason: 'left again' });
      assert.equal(second.statusCode, 200, second.body);
      assert.ok((await departedIn()).has('ivan'));
      const shown = (await tp.as('carol', 'GET', '/api/v1/offboardings/person:ivan')).json() as Offboarding & { reinstatement: unknown };
      assert.deepEqual([shown.id, shown.reinstatement], [second.json().offboarding.id, null], 'by subject, the offboarding in force');
      const firstNow = (await tp.as('carol', 'GET', `/api/v1/offboardings/${first.id}`)).json() as Offboarding & { reinstatement: { reason: string } | null };
      assert.equal(firstNow.reinstatement?.reason, 'rehired in platform', 'the first stays, reinstated');
      const old = await tp.as('carol', 'POST', `/api/v1/offboardings/${first.id}/reinstate`, { reason: 'by the old id' });
      assert.equal(old.statusCode, 409, old.body);
      assert.match(old.json().detail, new RegExp(`person:ivan was offboarded again by ${second.json().offboarding.id}, which is the one to reinstate`));
    });

    test('the list comes newest first, a page at a time; a bad page is refused', async () => {
      const all = (await tp.as('carol', 'GET', '/api/v1/offboardings')).json().items as Offboarding[];
      assert.ok(all.length >= 3, `the tests above offboarded a partner, a workload and a person: ${all.length}`);
      assert.deepEqual(all.map((entry) => entry.at), all.map((entry) => entry.at).sort().reverse());
      const pages: string[] = [];
      for (let offset = 0; offset < all.length + 1; offset += 2) {
        const page = await tp.as('carol', 'GET', `/api/v1/offboardings?limit=2&offset=${offset}`);
        assert.equal(page.statusCode, 200, page.body);
        const items = page.json().items as Offboarding[];
        assert.ok(items.length <= 2);
        pages.push(...items.map((entry) => entry.id));
      }
      assert.deepEqual(pages, all.map((entry) => entry.id));
      const refused = await tp.as('carol', 'GET', '/api/v1/offboardings?limit=0');
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /limit/);
    });
  });
}
