// Executing through the manual connector: evidence is checked before the change is claimed, so a mistake
// refuses the step and leaves the change approved; a revocation carries its SLA deadline and revokes the
// credential; a rotation with a new certificate supersedes the old credential; and what the executor
// hands over is held to the class policy before anything is recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certificateFacts } from '../../src/core/inventory/certificate-facts.ts';
import { credentialIdFor } from '../../src/core/inventory/index.ts';
import { databaseTargets } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import { createExternalCa, governanceWithExternalMtls } from '../support/external-ca.ts';
import type { ExternalCa } from '../support/external-ca.ts';
import { exampleGovernance } from '../support/server-fixture.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/inventory/${name}`, import.meta.url), 'utf8');

const derOf = (pem: string): Uint8Array => new Uint8Array(new X509Certificate(pem).raw);
const credentialIdOf = (pem: string): string => credentialIdFor(certificateFacts(derOf(pem))?.fingerprint ?? '');

for (const target of databaseTargets) {
  describe(`executing changes on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    let ca: ExternalCa;
    let rotatedPem = '';
    before(async () => {
      assert.notEqual(governanceWithExternalMtls, exampleGovernance);
      tp = await startDecisionRightsFixture(target, { credentials: 8, governance: governanceWithExternalMtls });
      ca = createExternalCa('Test External CA');
    });
    after(async () => {
      ca.cleanUp();
      await tp.close();
    });

    const approvedRevocation = async (credential: string): Promise<string> => {
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'revoke', credentials: [credential], reason: 'key on a lost laptop', trigger: 'key_compromise' });
      assert.equal(requested.statusCode, 201, requested.body);
      // internal-mtls: revocationSla key_compromise 1h.
      assert.equal(requested.json().dueAt, new Date(instants.tuesdayNight.getTime() + 3_600_000).toISOString());
      const approved = await tp.as('carol', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      assert.equal(approved.json().status, 'approved', approved.body);
      return requested.json().id;
    };

    test('unreadable evidence, or a certificate on a revocation, is refused and the change stays approved', async () => {
      const credential = tp.freshCredential('internal-mtls');
      const id = await approvedRevocation(credential);
      const before = await tp.change(id);
      for (const pem of ['-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n', fixture('ed25519-self-signed.pem'), fixture('private-key-pkcs8.pem')]) {
        const refused = await tp.as('ivan', 'POST', `/api/v1/changes/${id}/execute`, { pem });
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal(refused.json().code, 'VALIDATION_FAILED');
        assert.match(refused.json().detail, /the change was not touched/);
      }
      const after = await tp.change(id);
      assert.deepEqual({ status: after.status, revision: after.revision }, { status: 'approved', revision: before.revision });
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${id}/execute`, { reference: 'CRL published by hand' });
      assert.equal(executed.json().status, 'executed', executed.body);
      const shown = await tp.as('carol', 'GET', `/api/v1/credentials/${credential}`);
      assert.equal(shown.json().credential.status, 'revoked');
    });

    test('a rotation with the new certificate records it and supersedes the old credential', async () => {
      const credential = tp.freshCredential('internal-mtls');
      // The pool's credentials are metadata only, so the rotation names what the new certificate is for and where it comes from.
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', {
        action: 'rotate', credentials: [credential], reason: 'key older than policy', spec: { names: ['rotated.svc.acme.internal'], source: 'letsencrypt' },
      });
      assert.equal(requested.statusCode, 201, requested.body);
      await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      rotatedPem = ca.issue({ names: ['rotated.svc.acme.internal'] });
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, { pem: rotatedPem, note: 'new key deployed' });
      assert.equal(executed.json().status, 'executed', executed.body);
      const done = executed.json().events.at(-1);
      assert.equal(done.step, 'executed');
      const [replacement] = done.details.produced as string[];
      const old = await tp.as('carol', 'GET', `/api/v1/credentials/${credential}`);
      assert.deepEqual({ status: old.json().credential.status, supersededBy: old.json().credential.supersededBy }, { status: 'superseded', supersededBy: replacement });
      const fresh = await tp.as('carol', 'GET', `/api/v1/credentials/${replacement}`);
      assert.deepEqual(
        { classId: fresh.json().credential.classId, supersedes: fresh.json().credential.supersedes, sourceId: fresh.json().credential.sourceId },
        { classId: 'internal-mtls', supersedes: credential, sourceId: 'letsencrypt' },
      );
    });

    test('evidence that the inventory already holds is refused: no credential moves class or supersedes itself', async () => {
      const credential = tp.freshCredential('internal-mtls');
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'again', spec: { names: ['rotated.svc.acme.internal'], source: 'letsencrypt' } });
      await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      // The first rotation recorded this certificate already.
      const refused = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, { pem: rotatedPem });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.json().detail, /which the inventory already holds/);
      assert.equal((await tp.change(requested.json().id)).status, 'approved');
    });

    test('a connector that succeeded but whose outcome cannot be recorded fails the change at once, saying why, and changes nothing', async () => {
      const [credential, other] = [tp.freshCredential('internal-mtls'), tp.freshCredential('internal-mtls')];
      const { fingerprint } = (await tp.as('carol', 'GET', `/api/v1/credentials/${other}`)).json().credential;
      // Claims to have made a certificate that is already on record, one the class policy allows: the insert of what it made fails.
      const der = derOf(ca.issue({ names: ['twin.svc.acme.internal'] }));
      const facts = certificateFacts(der);
      assert.ok(facts !== null);
      tp.services.connectors.register({
        id: 'duplicating', description: 'makes a credential the inventory already holds', sourceKinds: [], holds: async () => false, checkEvidence: () => ({ fingerprints: [] }),
        execute: async () => ({
          ok: true, summary: 'rotated to certificate 4a01', evidence: { serial: '4a01' }, produced: [{ entry: 'certificate 4a01', der, facts: { ...facts, fingerprint, name: 'twin' } }],
          producedHere: true, credentialStatus: null,
        }),
      });
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'key older than policy', spec: { names: ['twin.svc.acme.internal'], source: 'letsencrypt' } });
      await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, { connector: 'duplicating' });
      assert.equal(executed.statusCode, 200, executed.body);
      assert.equal(executed.json().status, 'failed', 'not left executing until its lease runs out');
      const failed = executed.json().events.at(-1);
      assert.equal(failed.step, 'fail');
      assert.match(failed.details.summary, /the connector reported "rotated to certificate 4a01", but recording it failed \(a credential made just now is already in the inventory, or was made twice: one of cr_\w+ \(fingerprint [0-9a-f]{64}\)\)/);
      assert.deepEqual(failed.details.evidence, { serial: '4a01' });
      for (const id of [credential, other]) {
        const shown = (await tp.as('carol', 'GET', `/api/v1/credentials/${id}`)).json().credential;
        assert.deepEqual({ status: shown.status, supersededBy: shown.supersededBy }, { status: 'active', supersededBy: null }, `${id} is as it was`);
      }
      const again = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'once more' });
      assert.equal(again.statusCode, 201, `the credential is free for a new change: ${again.body}`);
    });

    test('a change whose connector never reports fails when its lease runs out, and frees its credential for a playbook', async () => {
      tp.services.connectors.register({ id: 'hung', description: 'never answers', sourceKinds: [], holds: async () => false, checkEvidence: () => ({ fingerprints: [] }), execute: () => new Promise(() => undefined) });
      const credential = tp.freshCredential('internal-mtls');
      const id = await approvedRevocation(credential);
      void tp.as('ivan', 'POST', `/api/v1/changes/${id}/execute`, { connector: 'hung' });
      for (let wait = 0; (await tp.change(id)).status !== 'executing' && wait < 50; wait += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await tp.change(id)).status, 'executing');
      const blocked = await tp.as('erin', 'POST', '/api/v1/playbooks/key-compromise/invoke', { credentials: [credential], trigger: 'key_compromise', reason: 'still compromised' });
      assert.equal(blocked.statusCode, 409, 'the execution is still under way');
      tp.clock.advance(16 * 60_000);
      assert.equal(await tp.services.changes.expireStale(), 1);
      const failed = await tp.change(id);
      assert.equal(failed.status, 'failed');
      assert.match(JSON.stringify(failed.events.at(-1)), /no outcome was recorded within the execution lease/);
      const invoked = await tp.as('erin', 'POST', '/api/v1/playbooks/key-compromise/invoke', { credentials: [credential], trigger: 'key_compromise', reason: 'still compromised' });
      assert.equal(invoked.statusCode, 200, invoked.body);
    });
    test('a partner on a pre-approved renewal hands over a self-signed RSA-1024 certificate for another domain: the change fails, saying why, and nothing is recorded', async () => {
      const ledgerPem = ca.issue({ names: ['ledger.svc.acme.internal'] });
      await tp.services.inventory.importFiles([{ name: 'ledger.pem', bytes: Buffer.from(ledgerPem) }], { classId: 'internal-mtls', sourceId: 'letsencrypt' }, 'system:bootstrap');
      const ledger = credentialIdOf(ledgerPem);
      // Tuesday night, inside Globex's window; renewals of internal-mtls are pre-approved.
      const requested = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'renew', credentials: [ledger], reason: 'nightly renewal' });
      assert.equal(requested.json().status, 'approved', requested.body);
      const foreign = ca.selfSigned({ names: ['www.evil.example'], newkey: ['rsa:1024'], days: 3650 });
      const executed = await tp.as('gina', 'POST', `/api/v1/changes/${requested.json().id}/execute`, { pem: foreign, reference: 'NIGHT-1' });
      assert.equal(executed.statusCode, 200, executed.body);
      assert.equal(executed.json().status, 'failed');
      const failed = executed.json().events.at(-1);
      assert.equal(failed.step, 'fail');
      const summary: string = failed.details.summary;
      assert.match(summary, /^the class policy refuses what the connector reported \(renew recorded by hand with a new x509 certificate\), so nothing was recorded: /);
      for (const reason of [
        /the certificate is self-signed, so no source issued it, and policy\.allowedSources allows only internal-ca, letsencrypt/,
        /policy\.maxLifetime is 30d but 3650d was asked/,
        /policy\.keyAlgorithms allows ECDSA-P256, Ed25519 but the key is RSA-1024/,
        /dns:www\.evil\.example matches none of policy\.allowedNames \(\*\.svc\.acme\.internal\)/,
        new RegExp(`the certificate names dns:www\\.evil\\.example, but the change renews credential ${ledger}, which names dns:ledger\\.svc\\.acme\\.internal`),
        new RegExp(`the certificate's subject is "CN=www\\.evil\\.example" but credential ${ledger}, which it renews, has "CN=ledger\\.svc\\.acme\\.internal"`),
      ]) assert.match(summary, reason);
      assert.equal(failed.details.evidence.reference, 'NIGHT-1');
      assert.equal(failed.details.evidence.policyProblems.length, 6, summary);
      assert.equal((await tp.as('carol', 'GET', `/api/v1/credentials/${credentialIdOf(foreign)}`)).statusCode, 404, 'the foreign certificate is not in the inventory');
      const kept = (await tp.as('carol', 'GET', `/api/v1/credentials/${ledger}`)).json().credential;
      assert.deepEqual({ status: kept.status, supersededBy: kept.supersededBy }, { status: 'active', supersededBy: null }, 'nothing was superseded');

      // The same renewal done right: the same subject and names, from the allowed CA, within the policy.
      const again = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'renew', credentials: [ledger], reason: 'nightly renewal, again' });
      const renewedPem = ca.issue({ names: ['ledger.svc.acme.internal'] });
      const renewed = await tp.as('gina', 'POST', `/api/v1/changes/${again.json().id}/execute`, { pem: renewedPem });
      assert.equal(renewed.json().status, 'executed', renewed.body);
      const successor = (await tp.as('carol', 'GET', `/api/v1/credentials/${credentialIdOf(renewedPem)}`)).json().credential;
      assert.deepEqual({ supersedes: successor.supersedes, sourceId: successor.sourceId }, { supersedes: ledger, sourceId: 'letsencrypt' });
    });

    test('a certificate the class allows but from a built-in CA source that did not sign it is refused, naming the source', async () => {
      const credential = tp.freshCredential('internal-mtls');
      // The pool's credentials come from internal-ca: a rotation that names no other source claims it.
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'rotate', credentials: [credential], reason: 'new key', spec: { names: ['claimed.svc.acme.internal'] } });
      await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      const pem = ca.issue({ names: ['claimed.svc.acme.internal'] });
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, { pem });
      assert.equal(executed.json().status, 'failed', executed.body);
      assert.deepEqual(executed.json().events.at(-1).details.evidence.policyProblems, [
        'source internal-ca is a built-in CA source that has no CA yet, so nothing can be signed by it; create its CA first (ca create internal-ca)',
      ]);
      assert.equal((await tp.as('carol', 'GET', `/api/v1/credentials/${credentialIdOf(pem)}`)).statusCode, 404);
    });
  });
}
