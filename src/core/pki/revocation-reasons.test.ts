// The reasons relying parties see for each trigger. The names OpenSSL prints are checked against the real
// tool in crl.test.ts (`openssl crl -text`) and ocsp.test.ts (`openssl ocsp -resp_text`).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crlReasonByName, crlReasonCodes, crlReasonForTrigger, crlReasonName, crlReasonText, revocationTriggers } from './revocation-reasons.ts';
import type { CrlReasonCode } from './revocation-reasons.ts';

it('publishes each revocation trigger with its RFC 5280 §5.3.1 reason', () => {
  assert.deepEqual(Object.fromEntries(revocationTriggers.map((trigger) => [trigger, crlReasonForTrigger(trigger)])), {
    key_compromise: { code: 1, name: 'keyCompromise' },
    workload_decommissioned: { code: 5, name: 'cessationOfOperation' },
    owner_departed: { code: 3, name: 'affiliationChanged' },
    partner_offboarded: { code: 3, name: 'affiliationChanged' },
    superseded: { code: 4, name: 'superseded' },
    policy_violation: { code: 9, name: 'privilegeWithdrawn' },
  });
});

it('gives no reason for a trigger it does not know, including inherited property names', () => {
  for (const trigger of ['unknown_trigger', '', 'constructor', '__proto__', 'toString']) assert.equal(crlReasonForTrigger(trigger), null, trigger);
});

it('reads a stored reason name back to its code, and nothing else', () => {
  for (const [name, code] of Object.entries(crlReasonCodes)) {
    assert.equal(crlReasonByName(name), code);
    assert.equal(crlReasonName(code), name);
  }
  for (const name of ['KeyCompromise', 'key_compromise', 'constructor', '__proto__', '7']) assert.equal(crlReasonByName(name), null, name);
});

it('has no code 7, which RFC 5280 leaves unused, and words for every code', () => {
  assert.ok(!(Object.values(crlReasonCodes) as number[]).includes(7));
  const codes = Object.values(crlReasonCodes) as CrlReasonCode[];
  assert.equal(new Set(codes.map(crlReasonText)).size, codes.length);
  assert.equal(crlReasonText(crlReasonCodes.cACompromise), 'CA Compromise');
});
