// The built-in secret store through the API, as the people of the example governance use it: an issue
// generates a value by the class's policy and seals it; whoever requested or executed the change reveals
// it once (Cedar refuses and records anyone else, any second attempt, any read-only token); the value
// appears nowhere but in that one response; a rotation makes a new credential while the previous value
// overlaps for the policy's time, and the sweep destroys it after; a revocation destroys the value; the
// verify step records the connector's probes; an altered sealed row reveals nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createServices } from '../../src/server/main.ts';
import { keyEncryptionKey } from '../../src/server/keys/key-envelope.ts';
import type { SecretVersionRecord } from '../../src/server/stores/secret-store.ts';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';
import { bearer, exampleGovernance } from '../support/server-fixture.ts';

const day = 86_400_000;

/** The example governance (whose secret-store source payments keys and data passwords may use), with renew and issue rights to test. */
const governance = (() => {
  const edits: [string, string][] = [
    ['      retire: { responsible: [team:payments], accountable: person:hana }',
      '      retire: { responsible: [team:payments], accountable: person:hana }\n      renew: { responsible: [team:payments], accountable: person:hana, preApproved: true }'],
    ['      rotate: { responsible: [team:data], accountable: person:kofi, preApproved: true }',
      '      issue: { responsible: [team:data], accountable: person:kofi, preApproved: true }\n      rotate: { responsible: [team:data], accountable: person:kofi, preApproved: true }'],
  ];
  return edits.reduce((document, [from, to]) => {
    assert.equal(document.split(from).length, 2, `the example governance has exactly one ${JSON.stringify(from.slice(0, 60))}`);
    return document.replace(from, to);
  }, exampleGovernance);
})();

type Reveal = { credentialId: string; version: number; value: string; revealedAt: string };
type Probe = { name: string; passed: boolean; detail: string };

for (const target of databaseTargets) {
  describe(`the secret store on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    before(async () => {
      tp = await startDecisionRightsFixture(target, { governance, credentials: 2 });
    });
    after(() => tp.close());

    const post = async (person: Person, url: string, payload: Record<string, unknown> = {}) => {
      const response = await tp.as(person, 'POST', url, payload);
      assert.ok(response.statusCode < 300, `${person} POST ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };

    /** hana asks for a payments key, frank and carol approve (quorum 2), hana executes; returns the new credential. */
    const issuePaymentsKey = async (name: string): Promise<{ changeId: string; credentialId: string }> => {
      const requested = await post('hana', '/api/v1/changes', { action: 'issue', class: 'payments-api-keys', reason: 'key for the card processor', spec: { name, workload: 'payments-api' } });
      await post('frank', `/api/v1/changes/${requested.id}/approve`);
      const approved = await post('carol', `/api/v1/changes/${requested.id}/approve`);
      assert.equal(approved.status, 'approved');
      const executed = await post('hana', `/api/v1/changes/${requested.id}/execute`);
      assert.equal(executed.status, 'executed', JSON.stringify(executed.events.at(-1)));
      assert.equal(executed.connector, 'secret-store', 'the class\'s secret-store source chose the connector');
      const [credentialId] = executed.events.at(-1).details.produced as string[];
      assert.ok(credentialId !== undefined);
      return { changeId: requested.id, credentialId };
    };

    const versionsOf = (credentialId: string): Promise<SecretVersionRecord[]> => tp.services.unitOfWork((tx) => tx.secrets.versions(credentialId));
    const audit = () => tp.services.unitOfWork((tx) => tx.audit.list({ limit: 10_000 }));

    /** Every row of every table, as text: where a leaked value would be found. */
    const everyRow = async (): Promise<string> => {
      const { db } = tp.database.database;
      const tables = await db.introspection.getTables();
      assert.ok(tables.some((table) => table.name === 'secret_versions'));
      const texts: string[] = [];
      for (const table of tables) {
        const rows = await sql`select * from ${sql.table(table.name)}`.execute(db);
        texts.push(JSON.stringify(rows.rows));
      }
      return texts.join('\n');
    };

    const assertPaymentsKey = (value: string): void => {
      assert.ok(value.startsWith('acme_pay_'), 'the prefix of policy.secret');
      assert.equal(value.length, 'acme_pay_'.length + 40, 'policy.secret.length counts after the prefix');
      assert.match(value.slice('acme_pay_'.length), /^[A-Za-z0-9_-]{40}$/, 'base64url characters only');
    };

    let issued: { changeId: string; credentialId: string };
    let firstValue = '';

    test('an issue generates a payments key in the secret store and records it in the inventory', async () => {
      issued = await issuePaymentsKey('payments-processor-key');
      const shown = (await tp.as('carol', 'GET', `/api/v1/credentials/${issued.credentialId}`)).json().credential;
      assert.deepEqual(
        { kind: shown.kind, name: shown.name, classId: shown.classId, sourceId: shown.sourceId, status: shown.status, managedStorage: shown.managedStorage, storageLocation: shown.storageLocation, workloads: shown.workloads },
        { kind: 'api_key', name: 'payments-processor-key', classId: 'payments-api-keys', sourceId: 'secret-store', status: 'active', managedStorage: true, storageLocation: 'trustplane-secret-store', workloads: ['payments-api'] },
      );
      assert.match(shown.fingerprint, /^[0-9a-f]{64}$/);
      const [version] = await versionsOf(issued.credentialId);
      assert.deepEqual({ version: version?.version, status: version?.status, revealTo: version?.revealTo, revealedAt: version?.revealedAt, changeId: version?.changeId },
        { version: 1, status: 'active', revealTo: ['person:hana'], revealedAt: null, changeId: issued.changeId });
    });

    test('nobody else, and no read-only token, may reveal it; each refusal is recorded', async () => {
      const byCarol = await tp.as('carol', 'POST', `/api/v1/credentials/${issued.credentialId}/reveal`, {});
      assert.equal(byCarol.statusCode, 403, byCarol.body);
      assert.equal(byCarol.json().value, undefined);
      const { token } = await tp.services.tokens.create({ principal: 'person:hana', scope: 'read-only', name: 'reader', expiresInMs: day, actor: 'system:bootstrap' });
      const readOnly = await tp.app.inject({ method: 'POST', url: `/api/v1/credentials/${issued.credentialId}/reveal`, headers: bearer(token), payload: {} });
      assert.equal(readOnly.statusCode, 403, readOnly.body);
      assert.match(readOnly.json().detail, /read-only token only reads/);
      const denied = (await tp.as('erin', 'GET', '/api/v1/authz/denied?limit=1000')).json().items as { principal: string; action: string; resource: string }[];
      const attempts = denied.filter((entry) => entry.action === 'reveal-secret' && entry.resource === `credential ${issued.credentialId}`);
      assert.deepEqual(attempts.map((entry) => entry.principal).sort(), ['person:carol', 'person:hana']);
      assert.equal((await versionsOf(issued.credentialId))[0]?.revealedAt, null, 'the refusals used nothing up');
    });

    test('the requester reveals it once; a second reveal is refused and recorded as a denied attempt', async () => {
      const response = await tp.as('hana', 'POST', `/api/v1/credentials/${issued.credentialId}/reveal`, {});
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      const revealed = response.json() as Reveal;
      assert.deepEqual({ credentialId: revealed.credentialId, version: revealed.version, revealedAt: revealed.revealedAt },
        { credentialId: issued.credentialId, version: 1, revealedAt: tp.clock.now().toISOString() });
      assertPaymentsKey(revealed.value);
      firstValue = revealed.value;

      const again = await tp.as('hana', 'POST', `/api/v1/credentials/${issued.credentialId}/reveal`, {});
      assert.equal(again.statusCode, 403, again.body);
      assert.match(again.json().detail, /already revealed, to person:hana/);
      assert.ok(!again.body.includes(firstValue));
      const denied = (await tp.as('erin', 'GET', '/api/v1/authz/denied?principal=person:hana')).json().items as { action: string; resource: string; reason: string }[];
      assert.ok(denied.some((entry) => entry.action === 'reveal-secret' && entry.resource === `credential ${issued.credentialId}` && /already revealed/.test(entry.reason)), JSON.stringify(denied));
      const entries = (await audit()).filter((entry) => entry.action === 'secret.reveal');
      assert.deepEqual(entries.map((entry) => ({ actor: entry.actor, target: entry.target, version: entry.details.version })),
        [{ actor: 'person:hana', target: `credential:${issued.credentialId}`, version: 1 }]);
    });

    test('the value appears nowhere else: not in the change, the audit log, the inventory, or any database row', async () => {
      const secretPart = firstValue.slice('acme_pay_'.length);
      const change = await tp.as('carol', 'GET', `/api/v1/changes/${issued.changeId}`);
      assert.ok(!change.body.includes(secretPart), 'not in the change or its events');
      assert.ok(!JSON.stringify(await audit()).includes(secretPart), 'not in the audit log');
      const listed = await tp.as('carol', 'GET', '/api/v1/credentials?class=payments-api-keys&pageSize=1000');
      assert.ok(listed.json().items.some((credential: { id: string }) => credential.id === issued.credentialId));
      assert.ok(!listed.body.includes(secretPart), 'not in the credentials list');
      const shown = await tp.as('carol', 'GET', `/api/v1/credentials/${issued.credentialId}`);
      assert.ok(!shown.body.includes(secretPart), 'not in the credential');
      const rows = await everyRow();
      assert.ok(!rows.includes(secretPart), 'no table holds it in clear');
      assert.ok(!rows.includes(Buffer.from(firstValue).toString('base64').slice(0, 40)), 'nor in base64');
      const [version] = await versionsOf(issued.credentialId);
      assert.match(version?.sealed ?? '', /"alg":"A256GCM"/, 'only the sealed value is stored');
    });

    test('the verifier\'s step records the probes: the new version is active and its sealed value is intact', async () => {
      const verified = await post('erin', `/api/v1/changes/${issued.changeId}/verify`);
      assert.equal(verified.status, 'verified');
      const probes = verified.events.at(-1).details.probes as Probe[];
      assert.deepEqual(probes.map((probe) => [probe.name, probe.passed]), [['secret-version-active', true], ['secret-sealed-intact', true]]);
      assert.ok(!JSON.stringify(verified).includes(firstValue.slice('acme_pay_'.length)), 'a probe opens the value and never returns it');
    });

    let rotated: { changeId: string; credentialId: string };

    test('a rotation makes a new credential; the previous value overlaps for exactly the policy\'s day, the new one is revealed once', async () => {
      const requested = await post('hana', '/api/v1/changes', { action: 'rotate', credentials: [issued.credentialId], reason: 'quarterly rotation' });
      assert.equal(requested.status, 'approved', 'payments-api-keys rotations are pre-approved');
      const executed = await post('hana', `/api/v1/changes/${requested.id}/execute`);
      assert.equal(executed.status, 'executed', JSON.stringify(executed.events.at(-1)));
      assert.equal(executed.connector, 'secret-store', 'the store holds the credential, so it rotates it');
      const [credentialId] = executed.events.at(-1).details.produced as string[];
      assert.ok(credentialId !== undefined && credentialId !== issued.credentialId);
      rotated = { changeId: requested.id, credentialId };

      const old = (await tp.as('carol', 'GET', `/api/v1/credentials/${issued.credentialId}`)).json().credential;
      assert.deepEqual({ status: old.status, supersededBy: old.supersededBy }, { status: 'superseded', supersededBy: credentialId });
      const fresh = (await tp.as('carol', 'GET', `/api/v1/credentials/${credentialId}`)).json().credential;
      assert.deepEqual({ name: fresh.name, supersedes: fresh.supersedes, status: fresh.status }, { name: 'payments-processor-key', supersedes: issued.credentialId, status: 'active' });

      const [previous] = await versionsOf(issued.credentialId);
      assert.deepEqual({ status: previous?.status, expiresAt: previous?.expiresAt }, { status: 'overlap', expiresAt: new Date(tp.clock.now().getTime() + day).toISOString() });
      assert.ok(previous?.sealed !== null, 'still valid, so still kept');
      const [next] = await versionsOf(credentialId);
      assert.deepEqual({ version: next?.version, status: next?.status }, { version: 2, status: 'active' });

      const revealed = await post('hana', `/api/v1/credentials/${credentialId}/reveal`) as Reveal;
      assert.equal(revealed.version, 2);
      assertPaymentsKey(revealed.value);
      assert.notEqual(revealed.value, firstValue);
      assert.equal((await tp.as('hana', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {})).statusCode, 403, 'once');
      assert.ok(!(await everyRow()).includes(revealed.value.slice('acme_pay_'.length)));
    });

    test('verifying the rotation records when the previous version\'s overlap ends', async () => {
      const verified = await post('erin', `/api/v1/changes/${rotated.changeId}/verify`);
      assert.equal(verified.status, 'verified');
      const probes = verified.events.at(-1).details.probes as Probe[];
      assert.deepEqual(probes.map((probe) => [probe.name, probe.passed]), [['secret-version-active', true], ['secret-sealed-intact', true], ['previous-version-overlap', true]]);
      assert.match(probes[2]?.detail ?? '', new RegExp(`until ${new Date(tp.clock.now().getTime() + day).toISOString()}, 1d after the rotation`));
    });

    test('the sweep destroys the previous value when its overlap has ended, not before', async () => {
      tp.clock.advance(day - 60_000);
      assert.equal(await tp.services.secrets.expireOverlapping(), 0, 'a minute before the end it still overlaps');
      tp.clock.advance(60_000);
      assert.equal(await tp.services.secrets.expireOverlapping(), 1);
      assert.equal(await tp.services.secrets.expireOverlapping(), 0, 'once');
      const [previous] = await versionsOf(issued.credentialId);
      assert.deepEqual({ status: previous?.status, sealed: previous?.sealed, destroyedAt: previous?.destroyedAt }, { status: 'destroyed', sealed: null, destroyedAt: tp.clock.now().toISOString() });
      const old = (await tp.as('carol', 'GET', `/api/v1/credentials/${issued.credentialId}`)).json().credential;
      assert.equal(old.status, 'expired');
      assert.ok((await audit()).some((entry) => entry.action === 'secret.expire' && entry.target === `credential:${issued.credentialId}` && entry.actor === 'system:automation'));
      const probes = (await tp.as('erin', 'GET', `/api/v1/changes/${rotated.changeId}/probes`)).json().items as Probe[];
      assert.deepEqual(probes.find((probe) => probe.name === 'previous-version-overlap')?.passed, true, 'destroyed after its overlap is as the policy says');
    });

    test('a revocation destroys the value, and its verification proves it', async () => {
      const requested = await post('hana', '/api/v1/changes', { action: 'revoke', credentials: [rotated.credentialId], reason: 'processor reported a leak', trigger: 'key_compromise' });
      await post('frank', `/api/v1/changes/${requested.id}/approve`);
      const executed = await post('hana', `/api/v1/changes/${requested.id}/execute`);
      assert.equal(executed.status, 'executed', JSON.stringify(executed.events.at(-1)));
      assert.equal(executed.connector, 'secret-store');
      assert.equal((await tp.as('carol', 'GET', `/api/v1/credentials/${rotated.credentialId}`)).json().credential.status, 'revoked');
      const [version] = await versionsOf(rotated.credentialId);
      assert.deepEqual({ status: version?.status, sealed: version?.sealed }, { status: 'destroyed', sealed: null });
      assert.equal((await tp.as('hana', 'POST', `/api/v1/credentials/${rotated.credentialId}/reveal`, {})).statusCode, 403);
      const verified = await post('erin', `/api/v1/changes/${requested.id}/verify`);
      assert.equal(verified.status, 'verified');
      assert.deepEqual((verified.events.at(-1).details.probes as Probe[]).map((probe) => [probe.name, probe.passed]), [['secret-destroyed', true]]);
    });

    test('without an overlap in the policy, a rotation destroys the previous value at once', async () => {
      const requested = await post('kofi', '/api/v1/changes', { action: 'issue', class: 'data-db-passwords', reason: 'warehouse password', spec: { name: 'warehouse-db' } });
      assert.equal(requested.status, 'approved');
      const executed = await post('kofi', `/api/v1/changes/${requested.id}/execute`);
      const [credentialId] = executed.events.at(-1).details.produced as string[];
      const password = await post('kofi', `/api/v1/credentials/${credentialId}/reveal`) as Reveal;
      assert.match(password.value, /^[A-Za-z0-9]{32}$/);
      assert.equal((await tp.as('carol', 'GET', `/api/v1/credentials/${credentialId}`)).json().credential.kind, 'password');
      const rotation = await post('kofi', '/api/v1/changes', { action: 'rotate', credentials: [credentialId], reason: 'monthly' });
      const done = await post('kofi', `/api/v1/changes/${rotation.id}/execute`);
      assert.equal(done.status, 'executed', JSON.stringify(done.events.at(-1)));
      const [previous] = await versionsOf(credentialId as string);
      assert.deepEqual({ status: previous?.status, sealed: previous?.sealed }, { status: 'destroyed', sealed: null });
      const verified = await post('erin', `/api/v1/changes/${rotation.id}/verify`);
      assert.deepEqual((verified.events.at(-1).details.probes as Probe[]).map((probe) => [probe.name, probe.passed]), [['secret-version-active', true], ['secret-sealed-intact', true], ['previous-version-destroyed', true]]);
    });

    test('an issue without a name, or a renewal, fails with a summary that says what to do', async () => {
      const unnamed = await post('hana', '/api/v1/changes', { action: 'issue', class: 'payments-api-keys', reason: 'forgot the name' });
      await post('frank', `/api/v1/changes/${unnamed.id}/approve`);
      await post('carol', `/api/v1/changes/${unnamed.id}/approve`);
      const failed = await post('hana', `/api/v1/changes/${unnamed.id}/execute`);
      assert.equal(failed.status, 'failed');
      assert.match(failed.events.at(-1).details.summary, /needs the secret's name: request it with spec.name/);

      const { credentialId } = await issuePaymentsKey('payments-renewal-key');
      const renewal = await post('hana', '/api/v1/changes', { action: 'renew', credentials: [credentialId], reason: 'extend it' });
      const renewed = await post('hana', `/api/v1/changes/${renewal.id}/execute`);
      assert.equal(renewed.status, 'failed');
      assert.match(renewed.events.at(-1).details.summary, /request a rotate instead/);
      assert.equal((await versionsOf(credentialId))[0]?.status, 'active', 'the value is untouched');
    });

    test('without the master key it was sealed with, a reveal fails as not ready and is not used up', async () => {
      const { credentialId } = await issuePaymentsKey('payments-keyless');
      const hana = { ref: 'person:hana', readOnly: false };
      const keyless = createServices(tp.database.database, { clock: tp.clock });
      await assert.rejects(keyless.secrets.reveal(hana, credentialId), { code: 'NOT_READY', message: /no master key is configured/ });
      const otherKey = createServices(tp.database.database, { clock: tp.clock, masterKey: keyEncryptionKey(randomBytes(32)) });
      await assert.rejects(otherKey.secrets.reveal(hana, credentialId), { code: 'NOT_READY', message: /not the configured one.*not used up/ });
      assert.equal((await versionsOf(credentialId))[0]?.revealedAt, null);
      assertPaymentsKey((await post('hana', `/api/v1/credentials/${credentialId}/reveal`) as Reveal).value);
    });

    test('two reveals racing: exactly one wins, the other is refused and recorded', async () => {
      const { credentialId } = await issuePaymentsKey('payments-raced');
      const responses = await Promise.all([1, 2, 3].map(() => tp.as('hana', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {})));
      assert.deepEqual(responses.map((response) => response.statusCode).sort(), [200, 403, 403], responses.map((response) => response.body).join('\n'));
      const denied = (await tp.as('erin', 'GET', '/api/v1/authz/denied?principal=person:hana&limit=1000')).json().items as { action: string; resource: string }[];
      assert.equal(denied.filter((entry) => entry.action === 'reveal-secret' && entry.resource === `credential ${credentialId}`).length, 2);
      assert.equal((await audit()).filter((entry) => entry.action === 'secret.reveal' && entry.target === `credential:${credentialId}`).length, 1);
    });

    test('an altered sealed value reveals nothing, fails with a clear error, and fails the verification probe', async () => {
      const { changeId, credentialId } = await issuePaymentsKey('payments-tampered');
      const [version] = await versionsOf(credentialId);
      const sealed = JSON.parse(version?.sealed ?? '{}') as { ct: string };
      const ciphertext = Buffer.from(sealed.ct, 'base64');
      ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01;
      const { db } = tp.database.database;
      await db.updateTable('secret_versions').set({ sealed: JSON.stringify({ ...sealed, ct: ciphertext.toString('base64') }) }).where('credential_id', '=', credentialId).execute();

      const probes = (await tp.as('erin', 'GET', `/api/v1/changes/${changeId}/probes`)).json().items as Probe[];
      assert.deepEqual(probes.map((probe) => [probe.name, probe.passed]), [['secret-version-active', true], ['secret-sealed-intact', false]]);
      const refused = await tp.as('erin', 'POST', `/api/v1/changes/${changeId}/verify`, { outcome: 'passed', checks: ['looked at it'] });
      assert.equal(refused.statusCode, 400, 'a verifier cannot pass a change a probe failed');
      assert.match(refused.json().detail, /secret-sealed-intact: .*failed authentication/);

      const response = await tp.as('hana', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {});
      assert.equal(response.statusCode, 500, response.body);
      assert.equal(response.json().code, 'INTERNAL');
      assert.match(response.json().detail, /failed authentication: it was altered.*no value was returned; rotate the secret/);
      assert.equal(response.json().value, undefined);
      assert.ok((await audit()).some((entry) => entry.action === 'secret.reveal.failed' && entry.target === `credential:${credentialId}`));
    });

    test('a certificate whose private key the store keeps is not the secret store\'s to revoke', async () => {
      // The built-in CA keeps the keys it generates in the store; their certificates' changes are the CA's.
      const certificate = tp.freshCredential('internal-mtls');
      await tp.services.unitOfWork((tx) => tx.secrets.insert({
        credentialId: certificate, version: 1, sealed: null, status: 'destroyed', createdAt: tp.clock.now().toISOString(), expiresAt: null,
        changeId: null, revealTo: ['person:ivan'], revealedAt: null, revealedBy: null, destroyedAt: tp.clock.now().toISOString(),
      }));
      const revocation = async () => {
        const requested = await post('ivan', '/api/v1/changes', { action: 'revoke', credentials: [certificate], reason: 'decommissioned', trigger: 'workload_decommissioned' });
        await post('carol', `/api/v1/changes/${requested.id}/approve`);
        return requested.id as string;
      };
      const named = await post('ivan', `/api/v1/changes/${await revocation()}/execute`, { connector: 'secret-store' });
      assert.equal(named.status, 'failed');
      assert.match(named.events.at(-1).details.summary, /is a x509_certificate, not a secret the store generated/);
      const chosen = await post('ivan', `/api/v1/changes/${await revocation()}/execute`, { reference: 'revoked at the CA console' });
      assert.equal(chosen.connector, 'manual', 'the store does not claim it');
    });

    test('a credential that is not in the store, or not at all, is not found', async () => {
      const imported = tp.freshCredential('payments-api-keys');
      const outside = await tp.as('hana', 'POST', `/api/v1/credentials/${imported}/reveal`, {});
      assert.equal(outside.statusCode, 404, outside.body);
      assert.match(outside.json().detail, /has no value in Trustplane's secret store/);
      const missing = await tp.as('hana', 'POST', '/api/v1/credentials/cr_00000000000000000000/reveal', {});
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().detail, /no credential cr_0/);
    });
  });
}
