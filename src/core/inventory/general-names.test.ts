import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpAddress } from './general-names.ts';

describe('formatIpAddress', () => {
  it('prints IPv4 dotted and IPv6 in RFC 5952 form', () => {
    const ipv6 = (hex: string) => formatIpAddress(Buffer.from(hex, 'hex'));
    assert.equal(formatIpAddress(Uint8Array.of(10, 0, 0, 1)), '10.0.0.1');
    assert.equal(ipv6('20010db8000000000000000000000001'), '2001:db8::1');
    assert.equal(ipv6('00000000000000000000000000000001'), '::1');
    assert.equal(ipv6('00000000000000000000000000000000'), '::');
    // RFC 5952 §4.2.2 and §4.2.3: one zero group stays, the first of two equal runs is shortened.
    assert.equal(ipv6('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1');
    assert.equal(ipv6('20010000000000010000000000010001'), '2001::1:0:0:1:1');
    assert.equal(ipv6('20010000000000010000000000000001'), '2001:0:0:1::1');
  });
});
