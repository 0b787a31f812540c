// The README's tour works whenever the demo is started: the demo is set up with its clock at several
// hours (a weekday night in Berlin, when Globex's own window is open; a weekend; the night the clocks go
// back in Europe; New Year's Eve; years from now) and, a few minutes later on the same clock, every step
// of the tour that depends on a change window is taken as the README takes it, by the same people.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setUpDemo } from '../../src/cli/local-server.ts';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import { demoCutoverDelegation, demoMaintenanceDelegation, demoWindowMs } from '../../src/server/demo/demo-governance.ts';
import { loadMasterKey } from '../../src/server/keys/master-key.ts';
import { createServices } from '../../src/server/main.ts';
import { fixedClock } from '../../src/server/platform.ts';
import { databaseEnvFor } from '../support/cli-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { opensslCsr } from '../support/openssl.ts';

const startedAt = [
  { when: 'a weekday night in Berlin, inside Globex\'s own window', at: '2026-03-02T21:45:00Z' },
  { when: 'a Saturday morning', at: '2026-06-13T03:00:00Z' },
  { when: 'the night the clocks go back in Europe', at: '2026-10-25T00:30:00Z' },
  { when: 'New Year\'s Eve, years from now', at: '2031-12-31T23:50:00Z' },
] as const;

const as = (person: string) => ({ ref: `person:${person}`, readOnly: false });
const minutes = 60_000;

/** Rejects with a Trustplane error carrying `code`. */
const refusedWith = async (work: Promise<unknown>, code: string): Promise<string> => {
  let message = '';
  await assert.rejects(work, (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, String(error));
    message = (error as Error).message;
    return true;
  });
  return message;
};

for (const target of databaseTargets) {
  describe(`the README tour at any hour, on ${target.name}`, { timeout: 300_000 }, () => {
    for (const start of startedAt) {
      test(`started on ${start.when} (${start.at})`, async () => {
        const empty = await target.createEmpty();
        try {
          const env = { ...databaseEnvFor(empty.location) };
          const dataDir = join(empty.dataDir, 'demo');
          const clock = fixedClock(new Date(start.at));
          await setUpDemo({ dataDir, port: '8470', env, clock });
          clock.advance(5 * minutes);

          const database = await openDatabase(locateDatabase(dataDir, env.TRUSTPLANE_DATABASE_URL || undefined));
          try {
            const services = createServices(database, { clock, masterKey: loadMasterKey({ env, dataDir, create: false }).kek });
            const delegations = await services.delegations.list();
            assert.equal(delegations.find((entry) => entry.id === demoMaintenanceDelegation)?.state, 'open', 'the maintenance window is open');
            assert.equal(delegations.find((entry) => entry.id === demoCutoverDelegation)?.state, 'closed', 'the cutover window is not open yet');

            // A change, from request to verification, by different people.
            const active = await services.inventory.list({ classId: 'internal-mtls', status: 'active', sort: 'notAfter', descending: true, page: 1, pageSize: 1 });
            const credential = active.items[0]?.id as string;
            assert.ok(credential !== undefined, 'an active internal-mtls certificate to rotate');
            const rotation = await services.changes.request(as('gina'), { action: 'rotate', credentialIds: [credential], reason: 'key older than 30 days' });
            await services.changes.approve(as('dave'), rotation.id);
            await refusedWith(services.changes.execute(as('dave'), rotation.id, {}), 'SOD_VIOLATION');
            const executed = await services.changes.execute(as('gina'), rotation.id, { reference: 'GLOBEX-4711', note: 'new key deployed' });
            assert.equal(executed.status, 'executed', JSON.stringify(executed));
            await refusedWith(services.changes.verify(as('gina'), rotation.id, { outcome: 'passed', checks: ['served certificate'] }), 'SOD_VIOLATION');
            const verified = await services.changes.verify(as('erin'), rotation.id, { outcome: 'passed', checks: ['served certificate has the new key'] });
            assert.equal(verified.status, 'verified');

            // Outside a window a partner is refused, with when the next one opens.
            const outside = await refusedWith(services.changes.request(as('gina'), { action: 'issue', classId: 'public-tls', credentialIds: [], reason: 'new storefront' }), 'OUTSIDE_CHANGE_WINDOW');
            assert.match(outside, new RegExp(`${demoCutoverDelegation}.*the next opens at`));

            // `trustplane can`, now and later (the README's --at +9h and +31d).
            const can = (at: Date) => services.explainer.explain({ principal: 'person:gina', action: 'request-rotate', resource: 'class:internal-mtls', at });
            assert.equal((await can(clock.now())).allowed, true);
            const afterWindow = await can(new Date(clock.now().getTime() + demoWindowMs + 60 * minutes));
            assert.equal(afterWindow.code, 'OUTSIDE_CHANGE_WINDOW', afterWindow.reason);
            const afterDelegation = await can(new Date(clock.now().getTime() + 31 * 86_400_000));
            assert.equal(afterDelegation.allowed, false, afterDelegation.reason);

            // An emergency, when the partner is gone.
            await services.delegations.revoke(as('dave'), demoMaintenanceDelegation, 'Globex contract paused');
            await refusedWith(services.changes.request(as('gina'), { action: 'rotate', credentialIds: [credential], reason: 'retry' }), 'DELEGATION_REVOKED');

            // A certificate from the built-in CA: Ivan asks, Dave approves, Ivan executes, in no window at all.
            const { csr } = opensslCsr(empty.dataDir, 'orders', { newkey: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], subject: '/CN=orders.svc.acme.internal', sans: ['DNS:orders.svc.acme.internal'] });
            const issue = await services.changes.request(as('ivan'), { action: 'issue', classId: 'internal-mtls', credentialIds: [], reason: 'orders service', spec: { csr: readFileSync(csr, 'utf8') } });
            await services.changes.approve(as('dave'), issue.id);
            const issued = await services.changes.execute(as('ivan'), issue.id, {});
            assert.equal(issued.status, 'executed', JSON.stringify(issued));
            assert.equal(issued.connector, 'builtin-ca');
            const produced = issued.events.findLast((event) => event.step === 'executed')?.details.produced;
            assert.ok(Array.isArray(produced) && produced.length === 1, JSON.stringify(produced));
            const revoked = await services.playbooks.invoke(as('erin'), { playbookId: 'key-compromise', credentialIds: [String(produced[0])], trigger: 'key_compromise', reason: 'key in a chat' });
            assert.equal(revoked.changes[0]?.status, 'executed', JSON.stringify(revoked.changes[0]));
          } finally {
            await database.close();
          }
        } finally {
          await empty.drop();
        }
      });
    }
  });
}
