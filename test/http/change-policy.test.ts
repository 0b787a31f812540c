// Policy at request: what execution would refuse is refused when it is asked for, with the reason, so
// approvers never approve it; nothing is requested. And `lint` names a built-in CA source without a CA.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import { governanceWithExternalMtls } from '../support/external-ca.ts';
import { opensslCsr, scratchDirectory } from '../support/openssl.ts';

const p256 = ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

for (const target of databaseTargets) {
  describe(`the class policy at request, on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    const scratch = scratchDirectory();
    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 1, governance: governanceWithExternalMtls });
    });
    after(async () => {
      scratch.cleanUp();
      await tp.close();
    });

    const changeCount = async (): Promise<number> => (await tp.as('carol', 'GET', '/api/v1/changes?pageSize=200')).json().items.length;

    /** Asks for an issue as Ivan (team:platform), and expects it refused with each of `reasons`, nothing requested. */
    const refused = async (body: Record<string, unknown>, reasons: readonly RegExp[]): Promise<void> => {
      const before = await changeCount();
      const response = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', reason: 'new service', ...body });
      assert.equal(response.statusCode, 400, response.body);
      const problem = response.json();
      assert.equal(problem.code, 'VALIDATION_FAILED');
      assert.match(problem.detail, /^the class policy refuses this request, so nothing was requested: /);
      for (const reason of reasons) assert.ok(problem.errors.some((error: string) => reason.test(error)), `${reason} in ${problem.errors.join(' | ')}`);
      assert.equal(await changeCount(), before, 'nothing was requested');
    };

    const csr = (name: string, options: { subject: string; sans?: readonly string[] }): string =>
      readFileSync(opensslCsr(scratch.path, name, { newkey: p256, ...options }).csr, 'utf8');

    test('a wildcard name only where allowedNames lists that wildcard itself', async () => {
      // code-signing sets no allowedNames: no wildcard is allowed explicitly.
      await refused({ class: 'code-signing', spec: { names: ['*.acme.example'] } }, [
        /^dns:\*\.acme\.example is a wildcard name, which a class allows only explicitly: policy\.allowedNames must list "\*\.acme\.example" itself \(it is not set\)$/,
      ]);
      await refused({ class: 'code-signing', spec: { names: ['api*.acme.example'] } }, [/"dns:api\*\.acme\.example" is not a DNS name \(letters, digits, hyphens; a leading \*\. at most\)/]);
      // public-tls lists "*.acme.example".
      const allowed = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', class: 'public-tls', reason: 'web front', spec: { names: ['*.acme.example'], source: 'letsencrypt' } });
      assert.equal(allowed.statusCode, 201, allowed.body);
    });

    test('a name asked for twice', async () => {
      await refused({ class: 'internal-mtls', spec: { names: ['a.svc.acme.internal', 'A.svc.acme.internal'], source: 'letsencrypt' } }, [
        /^dns:A\.svc\.acme\.internal is asked for more than once; name each once$/,
      ]);
    });

    test('a CSR whose common name is not among its SANs, and a CSR without SANs', async () => {
      await refused({ class: 'internal-mtls', spec: { csr: csr('cn-outside', { subject: '/CN=other.svc.acme.internal', sans: ['DNS:a.svc.acme.internal'] }), source: 'letsencrypt' } }, [
        /^the common name "other\.svc\.acme\.internal" is not among the subjectAltNames \(dns:a\.svc\.acme\.internal\)/,
      ]);
      await refused({ class: 'internal-mtls', spec: { csr: csr('no-sans', { subject: '/CN=a.svc.acme.internal' }), source: 'letsencrypt' } }, [
        /^the CSR asks for no subjectAltName; put the names it is for in its subjectAltName extension$/,
      ]);
    });

    test('a workload that governance does not declare, or that is decommissioned', async () => {
      await refused({ class: 'internal-mtls', spec: { names: ['b.svc.acme.internal'], workload: 'ghost', source: 'letsencrypt' } }, [
        /^spec\.workload ghost is not a workload declared in governance/,
      ]);
      await refused({ class: 'internal-mtls', spec: { names: ['b.svc.acme.internal'], workload: 'legacy-reports', source: 'letsencrypt' } }, [
        /^spec\.workload legacy-reports is decommissioned/,
      ]);
    });

    test('a class whose built-in CA source has no CA, until its CA is created; lint says so too', async () => {
      const issue = { class: 'internal-mtls', spec: { names: ['c.svc.acme.internal'] } };
      await refused(issue, [/^policy\.allowedSources: source internal-ca is a built-in CA source that has no CA yet, so nothing can be signed by it; create its CA first \(ca create internal-ca\)$/]);
      await refused({ ...issue, spec: { ...issue.spec, source: 'internal-ca' } }, [/^spec\.source: source internal-ca is a built-in CA source that has no CA yet, so nothing can be signed by it/]);
      const linted = await tp.as('carol', 'POST', '/api/v1/governance/lint', {});
      assert.equal(linted.statusCode, 200, linted.body);
      const finding = linted.json().findings.find((entry: { rule: string }) => entry.rule === 'builtin-ca-without-ca');
      assert.deepEqual({ severity: finding?.severity, message: finding?.message }, {
        severity: 'warning',
        message: 'source "internal-ca" is a built-in CA but has no CA, so nothing can be issued from it: class "internal-mtls" cannot get certificates from it',
      });

      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
      const requested = await tp.as('ivan', 'POST', '/api/v1/changes', { action: 'issue', reason: 'new service', ...issue });
      assert.equal(requested.statusCode, 201, requested.body);
      const relinted = await tp.as('carol', 'POST', '/api/v1/governance/lint', {});
      assert.equal(relinted.json().findings.some((entry: { rule: string }) => entry.rule === 'builtin-ca-without-ca'), false);
    });
  });
}
