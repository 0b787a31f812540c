// A CA whose keys live in a PKCS #11 token (SoftHSM2 standing in for an HSM): the root, issuing and OCSP
// responder keys are generated inside the token and never leave it; the CA issues and revokes, and
// openssl verifies the chain, the CRL and the OCSP answer it signed through the token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import { openssl, scratchDirectory } from '../support/openssl.ts';
import { removeSoftHsmTokens, softHsmToken } from '../support/softhsm.ts';

for (const target of databaseTargets) {
  describe(`a CA with its keys in SoftHSM2, on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    const scratch = scratchDirectory();

    before(async () => {
      const token = softHsmToken(`ca-${target.name}`);
      tp = await startDecisionRightsFixture(target, { credentials: 1, pkcs11: token });
      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme HSM CA', algorithm: 'ECDSA-P256', backend: 'pkcs11', actor: 'test' });
    });
    after(async () => {
      await tp.close();
      scratch.cleanUp();
      removeSoftHsmTokens();
    });

    const attime = (): string[] => ['-attime', String(Math.floor(tp.clock.now().getTime() / 1000))];
    const pki = async (path: string): Promise<Buffer> => {
      const response = await tp.app.inject({ method: 'GET', url: path });
      assert.equal(response.statusCode, 200, `${path}: ${response.body}`);
      return response.rawPayload;
    };

    test('the CA\'s keys are references into the token: nothing sealed, nothing extractable on record', async () => {
      const keys = await tp.services.unitOfWork((tx) => tx.ca.allKeys());
      assert.equal(keys.length, 3);
      for (const key of keys) {
        const stored = JSON.parse(key.stored);
        assert.equal(stored.kind, 'pkcs11');
        assert.equal(stored.tokenLabel, `ca-${target.name}`);
        assert.equal(stored.sealed, undefined);
      }
    });

    test('it issues and revokes; openssl verifies the chain, sees the revocation in the CRL, and verifies the OCSP answer', async () => {
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'hsm-backed', spec: { names: ['hsm.svc.acme.internal'] } });
      assert.equal(requested.statusCode, 201, requested.body);
      await tp.as('dave', 'POST', `/api/v1/changes/${requested.json().id}/approve`, {});
      const executed = await tp.as('ivan', 'POST', `/api/v1/changes/${requested.json().id}/execute`, {});
      assert.equal(executed.json().status, 'executed', executed.body);
      const credential = executed.json().events.at(-1).details.produced[0] as string;
      const downloaded = (await tp.as('ivan', 'GET', `/api/v1/credentials/${credential}/certificate`)).json();
      const leaf = scratch.file('leaf.pem', downloaded.certificatePem);
      const issuing = scratch.file('issuing.pem', downloaded.chainPem[0]);
      const root = scratch.file('root.pem', downloaded.chainPem[1]);
      assert.equal(openssl(['verify', ...attime(), '-x509_strict', '-CAfile', root, '-untrusted', issuing, leaf]).status, 0);

      const revoked = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'revoke', credentials: [credential], reason: 'decommissioned', trigger: 'workload_decommissioned' });
      await tp.as('carol', 'POST', `/api/v1/changes/${revoked.json().id}/approve`, {});
      const done = await tp.as('ivan', 'POST', `/api/v1/changes/${revoked.json().id}/execute`, {});
      assert.equal(done.json().status, 'executed', done.body);

      const crl = scratch.file('crl.pem', openssl(['crl', '-inform', 'DER', '-in', scratch.file('crl.der', await pki('/pki/crl/internal-ca.crl'))]).stdout);
      assert.match(openssl(['crl', '-in', crl, '-noout', '-text']).stdout, /Cessation Of Operation/);
      const refused = openssl(['verify', ...attime(), '-crl_check', '-CAfile', root, '-untrusted', issuing, '-CRLfile', crl, leaf]);
      assert.match(refused.stdout + refused.stderr, /certificate revoked/);

      const request = scratch.file('req.der');
      assert.equal(openssl(['ocsp', '-issuer', issuing, '-cert', leaf, '-reqout', request]).status, 0);
      const answered = await tp.app.inject({ method: 'POST', url: '/pki/ocsp/internal-ca', headers: { 'content-type': 'application/ocsp-request' }, payload: readFileSync(request) });
      const response = scratch.file('resp.der', answered.rawPayload);
      const checked = openssl(['ocsp', ...attime(), '-reqin', request, '-respin', response, '-CAfile', root, '-verify_other', issuing, '-resp_text']);
      assert.match(checked.stdout + checked.stderr, /Response verify OK/);
      assert.match(checked.stdout, /Cert Status: revoked/);
    });
  });
}
