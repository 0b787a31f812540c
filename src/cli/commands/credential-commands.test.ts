import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePolicy } from './credential-commands.ts';

test('credentials show describes a class policy in words, leaving out what is not set', () => {
  assert.equal(
    describePolicy({ maxLifetime: '30d', renewBefore: '10d', revocationSla: { key_compromise: '1h', default: '1d' }, keyAlgorithms: ['ECDSA-P256', 'Ed25519'], requireManagedStorage: true, allowThirdPartyExposure: false }),
    'max lifetime 30d; renew 10d before expiry; revoke within 1h (key compromise), 1d (default); keys ECDSA-P256, Ed25519; managed storage required',
  );
  assert.equal(describePolicy({ requireManagedStorage: false, allowThirdPartyExposure: false }), '-');
});
