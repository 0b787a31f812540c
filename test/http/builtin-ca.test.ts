// The built-in CA end to end, through the API as its users act, checked with openssl as a relying party
// would: issue from a CSR and with a generated key, renew, rotate, revoke by playbook; the chain, the
// CRL and the OCSP answers are fetched from the URLs the certificates carry. Bad CSRs and requests the
// class policy forbids are refused before anything is requested, and nothing is issued.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { databaseTargets } from '../support/databases.ts';
import { fixturePublicUrl, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';
import { openssl, opensslCsr, scratchDirectory } from '../support/openssl.ts';

const p256 = ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

for (const target of databaseTargets) {
  describe(`the built-in CA on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    const scratch = scratchDirectory();

    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 2 });
      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
    });
    after(async () => {
      await tp.close();
      scratch.cleanUp();
    });

    /** openssl checks validity at the fixture's time, not the machine's. */
    const attime = (): string[] => ['-attime', String(Math.floor(tp.clock.now().getTime() / 1000))];

    /** GETs a /pki URL the way a relying party does, without a token. */
    const fetchPki = async (url: string): Promise<Buffer> => {
      assert.ok(url.startsWith(fixturePublicUrl), `${url} is under the public URL`);
      const response = await tp.app.inject({ method: 'GET', url: url.slice(fixturePublicUrl.length) });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      return response.rawPayload;
    };

    /** Requests, approves and executes a change; returns the executed change. */
    const carryOut = async (request: Record<string, unknown>, people: { requester: Person; approvers: Person[]; executor: Person }) => {
      const requested = await tp.as(people.requester, 'POST', '/api/v1/changes', request);
      assert.equal(requested.statusCode, 201, requested.body);
      const id = requested.json().id as string;
      for (const approver of people.approvers) {
        const approved = await tp.as(approver, 'POST', `/api/v1/changes/${id}/approve`, {});
        assert.equal(approved.statusCode, 200, approved.body);
      }
      const executed = await tp.as(people.executor, 'POST', `/api/v1/changes/${id}/execute`, {});
      assert.equal(executed.statusCode, 200, executed.body);
      assert.equal(executed.json().status, 'executed', JSON.stringify(executed.json().events.at(-1)));
      assert.equal(executed.json().connector, 'builtin-ca');
      return executed.json() as { id: string; events: { step: string; details: Record<string, unknown> }[] };
    };

    const producedBy = (change: { events: { step: string; details: Record<string, unknown> }[] }): string => {
      const produced = change.events.find((event) => event.step === 'executed')?.details.produced as string[];
      assert.equal(produced.length, 1);
      return produced[0] as string;
    };

    /** Writes the chain as the certificate's own URLs give it: issuing CA (AIA) and root (the issuing CA's AIA). */
    const chainFiles = async (leafPem: string, name: string): Promise<{ leaf: string; issuing: string; root: string }> => {
      const leaf = scratch.file(`${name}.pem`, leafPem);
      const aia = openssl(['x509', '-in', leaf, '-noout', '-ext', 'authorityInfoAccess']).stdout;
      const issuingUrl = /CA Issuers - URI:(\S+)/.exec(aia)?.[1];
      assert.ok(issuingUrl !== undefined, aia);
      const issuing = scratch.file(`${name}-issuing.crt`, await fetchPki(issuingUrl));
      const rootUrl = /CA Issuers - URI:(\S+)/.exec(openssl(['x509', '-inform', 'DER', '-in', issuing, '-noout', '-ext', 'authorityInfoAccess']).stdout)?.[1];
      assert.ok(rootUrl !== undefined);
      const root = scratch.file(`${name}-root.crt`, await fetchPki(rootUrl));
      const toPem = (file: string) => scratch.file(`${file.split('/').at(-1)}.pem`, openssl(['x509', '-inform', 'DER', '-in', file]).stdout);
      return { leaf, issuing: toPem(issuing), root: toPem(root) };
    };

    const certificateOf = async (credentialId: string): Promise<string> => {
      const shown = await tp.as('carol', 'GET', `/api/v1/credentials/${credentialId}`);
      assert.equal(shown.statusCode, 200, shown.body);
      const [issued] = await tp.services.unitOfWork((tx) => tx.ca.issuedFor([credentialId]));
      assert.ok(issued !== undefined, 'the CA recorded what it issued');
      return issued.certificatePem;
    };

    test('a CSR is issued into the class; openssl verifies the chain fetched from the certificate\'s URLs, with the CRL', async () => {
      const { csr } = opensslCsr(scratch.path, 'api', { newkey: p256, subject: '/CN=api.svc.acme.internal', sans: ['DNS:api.svc.acme.internal'] });
      const change = await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'new service', spec: { csr: readFileSync(csr, 'utf8'), workload: 'payments-api' } },
        { requester: 'ivan', approvers: ['dave'], executor: 'ivan' },
      );
      const credentialId = producedBy(change);
      const { credential } = (await tp.as('carol', 'GET', `/api/v1/credentials/${credentialId}`)).json();
      assert.equal(credential.classId, 'internal-mtls');
      assert.equal(credential.sourceId, 'internal-ca');
      assert.deepEqual(credential.workloads, ['payments-api']);
      const files = await chainFiles(await certificateOf(credentialId), 'api');
      const text = openssl(['x509', '-in', files.leaf, '-noout', '-text']).stdout;
      assert.match(text, /DNS:api\.svc\.acme\.internal/);
      assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
      assert.match(text, /CA:FALSE/);
      assert.match(text, new RegExp(`URI:${fixturePublicUrl}/pki/crl/internal-ca\\.crl`));
      assert.match(text, new RegExp(`OCSP - URI:${fixturePublicUrl}/pki/ocsp/internal-ca`));
      const crlUrl = /URI:(\S+\.crl)/.exec(text)?.[1] as string;
      const crlDer = scratch.file('api.crl.der', await fetchPki(crlUrl));
      const crlPem = scratch.file('api-crl.pem', openssl(['crl', '-inform', 'DER', '-in', crlDer]).stdout);
      const verified = openssl(['verify', ...attime(), '-x509_strict', '-crl_check', '-CAfile', files.root, '-untrusted', files.issuing, '-CRLfile', crlPem, files.leaf]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /: OK/);
    });

    test('an issue with several CSRs (a fleet) is approved once and makes one certificate per CSR, each verified by openssl', async () => {
      const csrs = ['web-1', 'web-2', 'web-3'].map((name) =>
        readFileSync(opensslCsr(scratch.path, name, { newkey: p256, subject: `/CN=${name}.svc.acme.internal`, sans: [`DNS:${name}.svc.acme.internal`] }).csr, 'utf8'));
      const change = await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'web fleet', spec: { csrs, workload: 'payments-api' } },
        { requester: 'ivan', approvers: ['dave'], executor: 'ivan' },
      );
      const executed = change.events.find((event) => event.step === 'executed')?.details;
      const produced = executed?.produced as string[];
      assert.equal(produced.length, 3);
      assert.equal((executed?.evidence as { certificates: unknown[] }).certificates.length, 3);
      assert.deepEqual(change.events.find((event) => event.step === 'request')?.details.spec, { csrs: '3 attached', workload: 'payments-api' });
      const names = new Set<string>();
      for (const credentialId of produced) {
        const files = await chainFiles(await certificateOf(credentialId), `fleet-${credentialId}`);
        const verified = openssl(['verify', ...attime(), '-x509_strict', '-CAfile', files.root, '-untrusted', files.issuing, files.leaf]);
        assert.equal(verified.status, 0, verified.stdout + verified.stderr);
        names.add(/DNS:(\S+)/.exec(openssl(['x509', '-in', files.leaf, '-noout', '-ext', 'subjectAltName']).stdout)?.[1] ?? '');
        const { credential } = (await tp.as('carol', 'GET', `/api/v1/credentials/${credentialId}`)).json();
        assert.deepEqual([credential.classId, credential.sourceId, credential.workloads], ['internal-mtls', 'internal-ca', ['payments-api']]);
      }
      assert.deepEqual([...names].sort(), ['web-1.svc.acme.internal', 'web-2.svc.acme.internal', 'web-3.svc.acme.internal']);
    });

    test('an issue with several CSRs is refused whole when one of them is bad, naming which, and nothing is requested', async () => {
      const good = readFileSync(opensslCsr(scratch.path, 'ok-1', { newkey: p256, subject: '/CN=ok-1.svc.acme.internal', sans: ['DNS:ok-1.svc.acme.internal'] }).csr, 'utf8');
      const outside = readFileSync(opensslCsr(scratch.path, 'outside', { newkey: p256, subject: '/CN=www.example.com', sans: ['DNS:www.example.com'] }).csr, 'utf8');
      const before = (await tp.as('carol', 'GET', '/api/v1/changes?limit=500')).json().items.length;
      const refusedPolicy = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'fleet', spec: { csrs: [good, outside] } });
      assert.equal(refusedPolicy.statusCode, 400, refusedPolicy.body);
      assert.match(refusedPolicy.json().detail, /spec\.csrs\[1\]: .*www\.example\.com/);
      const refusedGarbage = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'fleet', spec: { csrs: [good, 'not a csr'] } });
      assert.equal(refusedGarbage.statusCode, 400, refusedGarbage.body);
      assert.match(refusedGarbage.json().detail, /spec\.csrs\[1\] cannot be used/);
      const mixed = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'fleet', spec: { csrs: [good], names: ['x.svc.acme.internal'] } });
      assert.equal(mixed.statusCode, 400, mixed.body);
      assert.match(mixed.json().detail, /spec\.csrs: csrs carries the keys and names of every certificate/);
      // A name the CA could not encode is refused at request, not after approval.
      const underscore = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'bad name', spec: { names: ['app_1.svc.acme.internal'] } });
      assert.equal(underscore.statusCode, 400, underscore.body);
      assert.match(underscore.json().detail, /subjectAltName "dns:app_1\.svc\.acme\.internal" is not a DNS name/);
      assert.equal((await tp.as('carol', 'GET', '/api/v1/changes?limit=500')).json().items.length, before, 'nothing was requested');
    });

    test('without a CSR the CA generates the key; the executor reveals it once and it matches the certificate', async () => {
      const change = await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'new batch job', spec: { names: ['ledger.svc.acme.internal'], keyAlgorithm: 'Ed25519', lifetime: '7d' } },
        { requester: 'ivan', approvers: ['dave'], executor: 'ivan' },
      );
      const credentialId = producedBy(change);
      const pem = await certificateOf(credentialId);
      const certificate = scratch.file('ledger.pem', pem);
      assert.match(openssl(['x509', '-in', certificate, '-noout', '-text']).stdout, /ED25519/);
      const byOther = await tp.as('dave', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {});
      assert.equal(byOther.statusCode, 403, byOther.body);
      const revealed = await tp.as('ivan', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {});
      assert.equal(revealed.statusCode, 200, revealed.body);
      const key = scratch.file('ledger.key', revealed.json().value);
      assert.equal(openssl(['pkey', '-in', key, '-pubout']).stdout, openssl(['x509', '-in', certificate, '-noout', '-pubkey']).stdout);
      const again = await tp.as('ivan', 'POST', `/api/v1/credentials/${credentialId}/reveal`, {});
      assert.equal(again.statusCode, 403, 'a generated key is revealed once');
    });

    test('bad CSRs and requests the policy forbids are refused with the reason, and nothing is requested or issued', async () => {
      const before = (await tp.as('carol', 'GET', '/api/v1/changes?limit=500')).json().items.length;
      const issuedBefore = (await tp.services.unitOfWork((tx) => tx.ca.revokedEntries('internal-ca', '2000-01-01T00:00:00Z'))).length;
      const weak = opensslCsr(scratch.path, 'weak', { newkey: ['rsa:1024'], subject: '/CN=weak.svc.acme.internal', sans: ['DNS:weak.svc.acme.internal'] });
      const outside = opensslCsr(scratch.path, 'outside', { newkey: p256, subject: '/CN=www.acme.example', sans: ['DNS:www.acme.example'] });
      const good = readFileSync(opensslCsr(scratch.path, 'tampered', { newkey: p256, subject: '/CN=t.svc.acme.internal', sans: ['DNS:t.svc.acme.internal'] }).csr, 'utf8');
      const body = good.split('\n').slice(1, -2).join('');
      const der = Buffer.from(body, 'base64');
      der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
      const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['garbage', { csr: 'this is not a CSR' }, /the CSR cannot be used/],
        ['a wrong signature', { csr: tampered }, /signature does not verify/],
        ['a weak key', { csr: readFileSync(weak.csr, 'utf8') }, /policy\.keyAlgorithms allows ECDSA-P256, Ed25519 but the key is RSA-1024/],
        ['a name outside the class', { csr: readFileSync(outside.csr, 'utf8') }, /policy\.allowedNames/],
        ['too long a lifetime', { names: ['x.svc.acme.internal'], lifetime: '90d' }, /policy\.maxLifetime is 30d/],
        ['a key algorithm the class does not allow', { names: ['x.svc.acme.internal'], keyAlgorithm: 'RSA-2048' }, /policy\.keyAlgorithms/],
      ];
      for (const [what, spec, reason] of cases) {
        const refused = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: what, spec });
        assert.equal(refused.statusCode, 400, `${what}: ${refused.body}`);
        assert.match(refused.json().detail, reason, what);
      }
      // A name the CA could not encode is refused at request, not after approval.
      const underscore = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'bad name', spec: { names: ['app_1.svc.acme.internal'] } });
      assert.equal(underscore.statusCode, 400, underscore.body);
      assert.match(underscore.json().detail, /subjectAltName "dns:app_1\.svc\.acme\.internal" is not a DNS name/);
      assert.equal((await tp.as('carol', 'GET', '/api/v1/changes?limit=500')).json().items.length, before, 'nothing was requested');
      assert.equal((await tp.services.unitOfWork((tx) => tx.ca.revokedEntries('internal-ca', '2000-01-01T00:00:00Z'))).length, issuedBefore);
    });

    test('a partner renews inside its window (pre-approved): same key, new validity, the old one superseded; the verifier\'s probes pass', async () => {
      const { csr } = opensslCsr(scratch.path, 'checkout', { newkey: p256, subject: '/CN=checkout.svc.acme.internal', sans: ['DNS:checkout.svc.acme.internal'] });
      const issued = producedBy(await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'checkout service', spec: { csr: readFileSync(csr, 'utf8') } },
        { requester: 'gina', approvers: ['dave'], executor: 'gina' },
      ));
      tp.clock.advance(60_000);
      const renewed = await carryOut({ action: 'renew', credentials: [issued], reason: 'nightly renewal' }, { requester: 'gina', approvers: [], executor: 'gina' });
      const successor = producedBy(renewed);
      const old = (await tp.as('carol', 'GET', `/api/v1/credentials/${issued}`)).json().credential;
      assert.equal(old.status, 'superseded');
      assert.equal(old.supersededBy, successor);
      const [first, second] = [scratch.file('c1.pem', await certificateOf(issued)), scratch.file('c2.pem', await certificateOf(successor))];
      assert.equal(openssl(['x509', '-in', first, '-noout', '-pubkey']).stdout, openssl(['x509', '-in', second, '-noout', '-pubkey']).stdout);
      assert.notEqual(openssl(['x509', '-in', first, '-noout', '-serial']).stdout, openssl(['x509', '-in', second, '-noout', '-serial']).stdout);
      const verified = await tp.as('erin', 'POST', `/api/v1/changes/${renewed.id}/verify`, {});
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().status, 'verified');
      const probes = verified.json().events.at(-1).details.probes as { name: string; passed: boolean; detail: string }[];
      assert.deepEqual(probes.map((probe) => [probe.name, probe.passed]), [['chains-to-root', true], ['meets-class-policy', true], ['ocsp-good', true], ['previous-superseded', true], ['same-key', true]]);
    });

    test('a rotation gets a new key; a security responder revokes by playbook; openssl sees it in the CRL and through OCSP; the probes confirm', async () => {
      const issued = producedBy(await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'gateway', spec: { names: ['gw.svc.acme.internal'] } },
        { requester: 'ivan', approvers: ['dave'], executor: 'ivan' },
      ));
      const rotated = producedBy(await carryOut({ action: 'rotate', credentials: [issued], reason: 'yearly key change' }, { requester: 'ivan', approvers: ['dave'], executor: 'ivan' }));
      const [before, after] = [scratch.file('gw1.pem', await certificateOf(issued)), scratch.file('gw2.pem', await certificateOf(rotated))];
      assert.notEqual(openssl(['x509', '-in', before, '-noout', '-pubkey']).stdout, openssl(['x509', '-in', after, '-noout', '-pubkey']).stdout);

      const invoked = await tp.as('erin', 'POST', '/api/v1/playbooks/key-compromise/invoke', { credentials: [rotated], trigger: 'key_compromise', reason: 'key seen in a public repository' });
      assert.equal(invoked.statusCode, 200, invoked.body);
      const revocation = invoked.json().changes[0];
      assert.equal(revocation.status, 'executed');
      assert.equal(revocation.connector, 'builtin-ca');
      // The CRL was published right after the commit, and the outbox message written with the revocation
      // (the fallback for a process that dies first) is marked delivered, so no node publishes it again.
      const crlMessages = await tp.services.unitOfWork((tx) => tx.outbox.list({ topic: 'crl.publish', pendingOnly: false, limit: 100 }));
      assert.ok(crlMessages.some((message) => message.payload.ca === 'internal-ca'), JSON.stringify(crlMessages));
      assert.ok(crlMessages.every((message) => message.deliveredAt !== null), JSON.stringify(crlMessages));

      const files = await chainFiles(readFileSync(after, 'utf8'), 'gw');
      const crlUrl = /URI:(\S+\.crl)/.exec(openssl(['x509', '-in', files.leaf, '-noout', '-ext', 'crlDistributionPoints']).stdout)?.[1] as string;
      const crlDer = scratch.file('gw.crl', await fetchPki(crlUrl));
      const crlText = openssl(['crl', '-inform', 'DER', '-in', crlDer, '-noout', '-text']);
      const serial = openssl(['x509', '-in', files.leaf, '-noout', '-serial']).stdout.trim().split('=')[1] as string;
      assert.match(crlText.stdout, new RegExp(`Serial Number: ${serial}`, 'i'));
      assert.match(crlText.stdout, /Key Compromise/);
      const crlPem = scratch.file('gw-crl.pem', openssl(['crl', '-inform', 'DER', '-in', crlDer]).stdout);
      const refused = openssl(['verify', ...attime(), '-crl_check', '-CAfile', files.root, '-untrusted', files.issuing, '-CRLfile', crlPem, files.leaf]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stdout + refused.stderr, /certificate revoked/);

      const request = scratch.file('gw.ocsp-req');
      assert.equal(openssl(['ocsp', '-issuer', files.issuing, '-cert', files.leaf, '-reqout', request]).status, 0);
      const ocspUrl = /OCSP - URI:(\S+)/.exec(openssl(['x509', '-in', files.leaf, '-noout', '-ext', 'authorityInfoAccess']).stdout)?.[1] as string;
      const answered = await tp.app.inject({ method: 'POST', url: ocspUrl.slice(fixturePublicUrl.length), headers: { 'content-type': 'application/ocsp-request' }, payload: readFileSync(request) });
      assert.equal(answered.statusCode, 200, answered.body);
      assert.equal(answered.headers['content-type'], 'application/ocsp-response');
      const response = scratch.file('gw.ocsp-resp', answered.rawPayload);
      // With -reqin, openssl checks the response against the request it sent: the nonce, and the signature
      // up to the root through the delegated responder.
      const checked = openssl(['ocsp', ...attime(), '-reqin', request, '-respin', response, '-CAfile', files.root, '-verify_other', files.issuing, '-resp_text']);
      assert.match(checked.stdout + checked.stderr, /Response verify OK/);
      assert.match(checked.stdout, /Cert Status: revoked/);
      assert.match(checked.stdout, /Revocation Reason: keyCompromise/);

      const verified = await tp.as('lena', 'POST', `/api/v1/changes/${revocation.id}/verify`, {});
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().status, 'verified');
      const probes = verified.json().events.at(-1).details.probes as { name: string; passed: boolean }[];
      assert.deepEqual(probes.map((probe) => [probe.name, probe.passed]), [['crl-lists-serial', true], ['crl-published-after-revocation', true], ['ocsp-revoked', true]]);
    });

    test('a verifier cannot pass a change a probe failed: a certificate revoked behind the change\'s back fails ocsp-good', async () => {
      const change = await carryOut(
        { action: 'issue', class: 'internal-mtls', reason: 'probe target', spec: { names: ['probe.svc.acme.internal'] } },
        { requester: 'ivan', approvers: ['dave'], executor: 'ivan' },
      );
      const issued = producedBy(change);
      const issueId = change.id;
      const [record] = await tp.services.unitOfWork((tx) => tx.ca.issuedFor([issued]));
      await tp.services.unitOfWork((tx) => tx.ca.revoke('internal-ca', [record?.serial as string], tp.clock.now().toISOString(), 'keyCompromise'));
      const passed = await tp.as('erin', 'POST', `/api/v1/changes/${issueId}/verify`, { outcome: 'passed', checks: ['looked at it'] });
      assert.equal(passed.statusCode, 400, passed.body);
      assert.match(passed.json().detail, /ocsp-good: the responder .* says revoked/);
      const failed = await tp.as('erin', 'POST', `/api/v1/changes/${issueId}/verify`, {});
      assert.equal(failed.json().status, 'verification_failed');
    });
  });
}
