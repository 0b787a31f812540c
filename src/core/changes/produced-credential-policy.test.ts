import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createExternalCa } from '../../../test/support/external-ca.ts';
import { certificateFacts } from '../inventory/certificate-facts.ts';
import { designExample, edit, fixtureNow } from '../governance/governance-test-fixture.ts';
import { parseGovernance } from '../governance/parse-governance.ts';
import type { ChangeSpec } from './change-spec.ts';
import { producedCredentialProblems } from './produced-credential-policy.ts';
import type { ProducedPolicyInput, ReplacedCredential } from './produced-credential-policy.ts';

const parsed = parseGovernance(edit(designExample,
  ['  - { id: internal-ca, kind: builtin_ca, operatedBy: team:platform }', '  - { id: internal-ca, kind: builtin_ca, operatedBy: team:platform }\n  - { id: partner-ca, kind: external_ca, operatedBy: team:platform }'],
  ['allowedSources: [internal-ca]', 'allowedSources: [internal-ca, partner-ca]'],
), 'governance.yaml', { now: fixtureNow });
assert.ok(parsed.ok);
const { governance } = parsed;
const credentialClass = governance.classes[0]!;

const partnerCa = createExternalCa('Partner CA');
// Stands in for the CA of the built-in source internal-ca.
const internalCa = createExternalCa('Acme Internal CA');
after(() => {
  partnerCa.cleanUp();
  internalCa.cleanUp();
});

const der = (pem: string): Uint8Array => new Uint8Array(new X509Certificate(pem).raw);
const reported = (pem: string) => ({ facts: certificateFacts(der(pem))!, der: der(pem) });
const facts = { governance, sourcesWithCa: new Set(['internal-ca']) };
const authorities = [{ sourceId: 'internal-ca', der: der(internalCa.certificate) }];

const check = (pem: string, options: { action?: ProducedPolicyInput['action']; spec?: ChangeSpec; replaced?: ReplacedCredential[]; at?: Date } = {}) =>
  producedCredentialProblems(facts, {
    action: options.action ?? 'issue', spec: options.spec ?? {}, credentialClass, replaced: options.replaced ?? [], authorities, produced: [reported(pem)], at: options.at ?? new Date(),
  });

describe('producedCredentialProblems', () => {
  it('refuses a certificate that has expired by the time it is recorded', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal'] });
    const { notAfter } = reported(pem).facts;
    assert.ok(notAfter !== undefined && notAfter !== null);
    assert.deepEqual(check(pem, { spec: { names: ['api.svc.acme.internal'], source: 'partner-ca' }, at: new Date(notAfter.getTime() + 1000) }).problems, [
      `it expired at ${notAfter.toISOString()}, before it was recorded; only a credential in force is recorded`,
    ]);
  });

  it('records a certificate inside the policy from the source the change names', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal'] });
    assert.deepEqual(check(pem, { spec: { names: ['api.svc.acme.internal'], source: 'partner-ca' } }), { problems: [], sources: ['partner-ca'] });
  });

  it('takes the source of a certificate a built-in CA signed from that CA, and refuses a change that names another', () => {
    const pem = internalCa.issue({ names: ['api.svc.acme.internal'] });
    assert.deepEqual(check(pem), { problems: [], sources: ['internal-ca'] });
    assert.deepEqual(check(pem, { spec: { source: 'partner-ca' } }).problems, [
      'the certificate was signed by the CA of source internal-ca, not by source partner-ca, which the change names',
    ]);
  });

  it('refuses a certificate whose source nothing establishes, or that claims a built-in CA that did not sign it', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal'] });
    assert.deepEqual(check(pem).problems, [
      'nothing establishes which source the x509 certificate came from: its issuer (CN=Partner CA) is no CA of a built-in source, and the change names no source; policy.allowedSources allows internal-ca, partner-ca, so request the change naming the one that issued it (spec.source)',
    ]);
    assert.deepEqual(check(pem, { spec: { source: 'internal-ca' } }).problems, ['source internal-ca is a built-in CA, but none of its CAs signed the certificate (its issuer is CN=Partner CA)']);
    const { problems } = producedCredentialProblems({ governance, sourcesWithCa: new Set() }, {
      action: 'issue', spec: { source: 'internal-ca' }, credentialClass, replaced: [], authorities: [], produced: [reported(pem)], at: new Date(),
    });
    assert.deepEqual(problems, ['source internal-ca is a built-in CA source that has no CA yet, so nothing can be signed by it; create its CA first (ca create internal-ca)']);
  });

  it('applies the request rules: a wildcard not listed itself, a key, a lifetime, and a self-signed certificate comes from no source', () => {
    const pem = partnerCa.selfSigned({ names: ['*.acme.internal'], newkey: ['rsa:1024'], days: 90 });
    assert.deepEqual(check(pem, { spec: { source: 'partner-ca' } }).problems, [
      'the certificate is self-signed, so no source issued it, and policy.allowedSources allows only internal-ca, partner-ca',
      'policy.maxLifetime is 30d but 90d was asked',
      'policy.keyAlgorithms allows ECDSA-P256, Ed25519 but the key is RSA-1024',
      'dns:*.acme.internal is a wildcard name, which a class allows only explicitly: policy.allowedNames must list "*.acme.internal" itself (it lists *.svc.acme.internal)',
    ]);
  });

  it('holds an issue to the names asked for, and a rotation to those of what it replaces unless it asked for others', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal'] });
    const spec = { source: 'partner-ca' };
    assert.deepEqual(check(pem, { spec: { ...spec, names: ['web.svc.acme.internal'] } }).problems, [
      'the certificate names dns:api.svc.acme.internal, but the change asked for dns:web.svc.acme.internal',
    ]);
    const replaced = [{ id: 'cr_old', subject: 'CN=web.svc.acme.internal', sans: ['dns:web.svc.acme.internal'], sourceId: 'partner-ca' }];
    assert.deepEqual(check(pem, { action: 'rotate', replaced }).problems, [
      'the certificate names dns:api.svc.acme.internal, but the change rotates credential cr_old, which names dns:web.svc.acme.internal',
    ]);
    assert.deepEqual(check(pem, { action: 'rotate', replaced, spec: { names: ['api.svc.acme.internal'] } }), { problems: [], sources: ['partner-ca'] }, 'the rotation asked for the new name; the replaced credential names the source');
    assert.deepEqual(check(pem, { action: 'rotate', replaced: [{ ...replaced[0]!, sans: [] }] }).problems, [
      'credential cr_old has no recorded subjectAltNames, so a rotate cannot show it keeps them; request a rotation that names them (spec.names)',
    ]);
  });

  it('holds a renewal to the subject and names of what it renews', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal', 'web.svc.acme.internal'], commonName: 'web.svc.acme.internal' });
    const replaced = [{ id: 'cr_old', subject: 'CN=api.svc.acme.internal', sans: ['dns:web.svc.acme.internal', 'dns:API.svc.acme.internal'], sourceId: 'partner-ca' }];
    assert.deepEqual(check(pem, { action: 'renew', replaced }).problems, [
      'the certificate\'s subject is "CN=web.svc.acme.internal" but credential cr_old, which it renews, has "CN=api.svc.acme.internal"; a renewal keeps its subject (rotate or issue to change it)',
    ]);
    assert.deepEqual(check(pem, { action: 'renew', replaced: [{ ...replaced[0]!, subject: 'CN=web.svc.acme.internal' }] }).problems, [], 'the same names in another order and case');
  });

  it('refuses a kind the class does not hold, a certificate without its bytes, and an undeclared workload', () => {
    const pem = partnerCa.issue({ names: ['api.svc.acme.internal'] });
    const { facts: certificate } = reported(pem);
    const input = { action: 'issue' as const, spec: { source: 'partner-ca', workload: 'ghost' }, credentialClass, replaced: [], authorities, at: new Date() };
    assert.deepEqual(producedCredentialProblems(facts, { ...input, produced: [{ facts: { kind: 'api_key', fingerprint: 'f', name: 'key' } }, { facts: certificate }] }).problems, [
      'spec.workload ghost is not a workload declared in governance; declare it under workloads, or name one that is',
      'credential 1 of 2: class internal-mtls holds x509_certificate, but the connector reported a credential of kind api_key',
      'credential 2 of 2: the connector reported a certificate without its bytes, so who signed it cannot be checked',
    ]);
  });
});
