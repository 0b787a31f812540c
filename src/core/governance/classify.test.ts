import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCredential, globMatches } from './classify.ts';
import type { CredentialClass } from './governance-model.ts';

test('* stands for exactly one DNS label, ** for anything', () => {
  assert.equal(globMatches('*.svc.acme.internal', 'payments.svc.acme.internal'), true);
  assert.equal(globMatches('*.svc.acme.internal', 'a.payments.svc.acme.internal'), false);
  assert.equal(globMatches('*.svc.acme.internal', '.svc.acme.internal'), false);
  assert.equal(globMatches('*.svc.acme.internal', 'svc.acme.internal'), false);
  assert.equal(globMatches('**.acme.example', 'a.b.c.acme.example'), true);
  assert.equal(globMatches('**.acme.example', 'acme.example'), false);
  assert.equal(globMatches('**', 'anything at all'), true);
  assert.equal(globMatches('payments-*', 'payments-stripe-live'), true);
  assert.equal(globMatches('payments-*', 'payments-'), false);
  assert.equal(globMatches('*@bastion-*', 'deploy@bastion-01'), true);
  assert.equal(globMatches('api.acme.example', 'API.Acme.Example'), true, 'case-insensitive, as DNS');
  assert.equal(globMatches('api.acme.example', 'api.acme.example.evil'), false, 'anchored at both ends');
  assert.equal(globMatches('a.b', 'axb'), false, '"." is literal');
});

test('patterns never backtrack: a hostile pattern on a long name answers at once', () => {
  const started = performance.now();
  assert.equal(globMatches(`${'**.'.repeat(100)}x`, `${'a.'.repeat(120)}y`), false);
  assert.ok(performance.now() - started < 200);
});

const credentialClass = (id: string, kinds: CredentialClass['kinds'], match?: CredentialClass['match']): CredentialClass => ({
  id, kinds, businessOwner: 'person:carol', technicalOwner: 'person:dave',
  policy: { requireManagedStorage: false, allowThirdPartyExposure: false }, decisionRights: {},
  ...(match === undefined ? {} : { match }),
});

const classes = [
  credentialClass('manual-only', ['x509_certificate']),
  credentialClass('public-tls', ['x509_certificate'], { issuers: ["Let's Encrypt"], names: ['acme.example', '*.acme.example'] }),
  credentialClass('internal-mtls', ['x509_certificate'], { names: ['*.svc.acme.internal'] }),
  credentialClass('payments-api-keys', ['api_key'], { names: ['payments-*'], sources: ['vault'] }),
  credentialClass('everything-else', ['x509_certificate', 'api_key'], { names: ['**'] }),
];

test('the first class in file order whose match rules all hold and whose kinds fit', () => {
  const publicCert = { kind: 'x509_certificate', name: 'www.acme.example', subject: 'CN=www.acme.example', issuer: "CN=R3, O=Let's Encrypt, C=US" };
  assert.equal(classifyCredential(classes, publicCert), 'public-tls');
  assert.equal(classifyCredential(classes, { ...publicCert, issuer: "C=US, O=let's encrypt, CN=E5" }), 'public-tls', 'issuer match ignores case');
  assert.equal(classifyCredential(classes, { ...publicCert, issuer: 'CN=Other CA' }), 'everything-else', 'every rule must hold');
  assert.equal(classifyCredential(classes, {
    kind: 'x509_certificate', name: 'payments', subject: 'CN=payments, O=Acme', sans: ['dns:payments.svc.acme.internal', 'ip:10.0.0.7'],
  }), 'internal-mtls', 'a DNS SAN counts');
  assert.equal(classifyCredential(classes, { kind: 'x509_certificate', name: 'x', subject: 'O=Acme, CN=ledger.svc.acme.internal' }), 'internal-mtls', 'the CN counts');
  assert.equal(classifyCredential(classes, { kind: 'x509_certificate', name: 'x', sans: ['uri:spiffe://a.svc.acme.internal', 'email:a.svc.acme.internal'] }), 'everything-else', 'only DNS SANs count');
  assert.equal(classifyCredential(classes, { kind: 'api_key', name: 'payments-stripe-live', source: 'vault' }), 'payments-api-keys');
  assert.equal(classifyCredential(classes, { kind: 'api_key', name: 'payments-stripe-live' }), 'everything-else', 'the source must match when named');
  assert.equal(classifyCredential(classes, { kind: 'ssh_key', name: 'payments-deploy' }), null, 'no class governs the kind');
  assert.equal(classifyCredential(classes.slice(0, 1), { kind: 'x509_certificate', name: 'www.acme.example' }), null, 'a class without match is only chosen by hand');
});
