import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassPolicy } from '../governance/governance-model.ts';
import { checkIssuancePolicy } from './issuance-policy.ts';
import type { IssuanceRequest } from './issuance-policy.ts';

const policy: ClassPolicy = {
  maxLifetime: '30d',
  keyAlgorithms: ['ECDSA-P256', 'Ed25519'],
  allowedNames: ['*.api.example.test', 'api.example.test'],
  allowedSources: ['payments', 'ledger'],
  requireManagedStorage: false,
  allowThirdPartyExposure: false,
};

const request: IssuanceRequest = {
  keyAlgorithm: 'ECDSA-P256',
  sans: ['dns:api.example.test', 'dns:eu.api.example.test'],
  notBefore: new Date('2026-03-01T00:00:00Z'),
  notAfter: new Date('2026-03-31T00:00:00Z'),
  sourceId: 'payments',
};

describe('checkIssuancePolicy', () => {
  it('allows a request inside every policy field, a lifetime of exactly maxLifetime included', () => {
    assert.deepEqual(checkIssuancePolicy(policy, request), []);
  });

  it('allows anything a policy without limits allows, as long as the dates are ordered', () => {
    const open: ClassPolicy = { requireManagedStorage: false, allowThirdPartyExposure: false };
    assert.deepEqual(checkIssuancePolicy(open, { ...request, keyAlgorithm: 'RSA-1024', sans: ['ip:10.0.0.1'], sourceId: 'anyone' }), []);
  });

  it('refuses a lifetime over policy.maxLifetime, saying both', () => {
    assert.deepEqual(
      checkIssuancePolicy(policy, { ...request, notAfter: new Date('2026-05-30T00:00:00Z') }),
      ['policy.maxLifetime is 30d but 90d was asked'],
    );
    assert.deepEqual(
      checkIssuancePolicy(policy, { ...request, notAfter: new Date('2026-03-31T00:00:01Z') }),
      ['policy.maxLifetime is 30d but 30d1s was asked'],
      'one second over is over',
    );
  });

  it('refuses dates that are not ordered', () => {
    const problems = checkIssuancePolicy(policy, { ...request, notAfter: request.notBefore });
    assert.deepEqual(problems, ['notAfter 2026-03-01T00:00:00.000Z is not after notBefore 2026-03-01T00:00:00.000Z']);
  });

  it('refuses a key algorithm not in policy.keyAlgorithms', () => {
    assert.deepEqual(
      checkIssuancePolicy(policy, { ...request, keyAlgorithm: 'RSA-2048' }),
      ['policy.keyAlgorithms allows ECDSA-P256, Ed25519 but the key is RSA-2048'],
    );
  });

  it('refuses each DNS name that matches none of policy.allowedNames', () => {
    assert.deepEqual(
      checkIssuancePolicy(policy, { ...request, sans: ['dns:api.example.test', 'dns:www.example.test', 'dns:a.b.api.example.test'] }),
      [
        'dns:www.example.test matches none of policy.allowedNames (*.api.example.test, api.example.test)',
        'dns:a.b.api.example.test matches none of policy.allowedNames (*.api.example.test, api.example.test)',
      ],
    );
  });

  it('refuses SANs other than DNS names when policy.allowedNames is set, saying why', () => {
    const problems = checkIssuancePolicy(policy, { ...request, sans: ['dns:api.example.test', 'ip:10.0.0.1', 'email:ops@example.test'] });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^policy\.allowedNames is set, so only DNS names may be asked for; ip:10\.0\.0\.1 is not a DNS name/);
    assert.match(problems[1]!, /email:ops@example\.test is not a DNS name/);
  });

  it('refuses a source not in policy.allowedSources', () => {
    assert.deepEqual(
      checkIssuancePolicy(policy, { ...request, sourceId: 'marketing' }),
      ['policy.allowedSources allows payments, ledger but the request came from source marketing'],
    );
  });

  it('reports every violated field at once', () => {
    const problems = checkIssuancePolicy(policy, {
      keyAlgorithm: 'RSA-1024', sans: ['dns:evil.test'], sourceId: 'marketing',
      notBefore: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z'),
    });
    assert.deepEqual(problems.map((problem) => /policy\.(\w+)/.exec(problem)?.[1]), ['maxLifetime', 'keyAlgorithms', 'allowedNames', 'allowedSources']);
  });
  it('refuses a wildcard unless allowedNames lists that very wildcard: a glob over hosts never grants one', () => {
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, sans: ['dns:*.api.example.test'] }), [], 'listed itself');
    const globbed: ClassPolicy = { ...policy, allowedNames: ['**.example.test'] };
    assert.deepEqual(checkIssuancePolicy(globbed, { ...request, sans: ['dns:eu.api.example.test'] }), [], 'a host under the glob');
    assert.deepEqual(checkIssuancePolicy(globbed, { ...request, sans: ['dns:*.api.example.test'] }), [
      'dns:*.api.example.test is a wildcard name, which a class allows only explicitly: policy.allowedNames must list "*.api.example.test" itself (it lists **.example.test)',
    ]);
    const open: ClassPolicy = { requireManagedStorage: false, allowThirdPartyExposure: false };
    assert.deepEqual(checkIssuancePolicy(open, { ...request, sans: ['dns:*.example.test'] }), [
      'dns:*.example.test is a wildcard name, which a class allows only explicitly: policy.allowedNames must list "*.example.test" itself (it is not set)',
    ]);
    assert.deepEqual(checkIssuancePolicy(open, { ...request, sans: ['dns:a.*.example.test'] }), [
      'dns:a.*.example.test has a "*" that is not the whole leftmost label; a wildcard name is written *.example.com',
    ]);
  });

  it('refuses a certificate without SANs, a name twice (DNS names without case), and a common name outside the SANs', () => {
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, sans: [] }), ['the certificate would carry no subjectAltName; it must name at least one DNS name']);
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, sans: ['dns:api.example.test', 'dns:API.example.test'] }), [
      'dns:API.example.test is asked for more than once; name each once',
    ]);
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, commonName: 'API.example.test' }), [], 'the common name among the SANs, in another case');
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, commonName: 'www.example.test' }), [
      'the common name "www.example.test" is not among the subjectAltNames (dns:api.example.test, dns:eu.api.example.test); add it to them, or leave it out of the subject',
    ]);
  });

  it('checks only the other fields when the names are not known yet, or the credential has no key or validity', () => {
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, sans: null, commonName: 'anything' }), []);
    assert.deepEqual(checkIssuancePolicy(policy, { ...request, sans: null, keyAlgorithm: null, notBefore: null, notAfter: null }), []);
  });
});
