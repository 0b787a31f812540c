// The hand-written DER of der.ts and certificate-template.ts, held to @peculiar/asn1-schema: every
// certificate Trustplane builds must come out byte for byte as asn1-schema builds it from its schemas
// (test/support/asn1-schema-reference.ts, the builder Trustplane used before), and what the reader reads
// must be what asn1-schema parses.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { KeyUsage, KeyUsageFlags, Time } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { referenceGeneralName, referenceTbsCertificate } from '../../../test/support/asn1-schema-reference.ts';
import { certificateProfileNames } from './certificate-profile.ts';
import { buildTbsCertificate, generalNameOfSan, serialInIssueOrder } from './certificate-template.ts';
import type { CertificateTemplate } from './certificate-template.ts';
import {
  derCertificateTime, derGeneralizedTime, derInteger, derNamedBits, derOid, derSmallInteger, dottedOid, elementAt, elementsOf, notDerOid,
  readBoolean, readNamedBits, readSmallInteger, readTime, tagged, wholeElement,
} from './der.ts';
import type { CaKeyAlgorithm } from './signer.ts';

const spki = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ type: 'spki', format: 'der' }));
const keys: Record<string, Uint8Array> = {
  'ECDSA-P256': spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
  'ECDSA-P384': spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey),
  'Ed25519': spki(generateKeyPairSync('ed25519').publicKey),
  'RSA-2048': spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
};
const issuerName = Uint8Array.from(Buffer.from('301c311a301806035504030c114578616d706c6520497373756572204341', 'hex'));
const hex = (bytes: Uint8Array | ArrayBuffer): string => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');

describe('buildTbsCertificate against asn1-schema', () => {
  const base: CertificateTemplate = {
    profile: 'mtls', serial: serialInIssueOrder(new Date(), randomBytes(9)), subject: { commonName: 'svc.example.test' },
    issuer: { name: issuerName, publicKey: keys['ECDSA-P256']! }, sans: ['dns:svc.example.test'],
    notBefore: new Date('2026-02-01T10:20:30.999Z'), notAfter: new Date('2026-05-01T00:00:00Z'),
    subjectPublicKey: keys['ECDSA-P256']!, signatureKeyAlgorithm: 'ECDSA-P256',
    urls: { crlDistributionPoint: 'http://pki.example.test/pki/crl/ca.crl', caIssuers: 'http://pki.example.test/pki/ca/ca.crt', ocsp: 'http://pki.example.test/pki/ocsp/ca' },
  };
  const same = (template: CertificateTemplate, what: string) =>
    assert.equal(hex(buildTbsCertificate(template)), hex(referenceTbsCertificate(template)), what);

  it('encodes every profile with every subject key and issuer key algorithm exactly as asn1-schema does', () => {
    const signatureAlgorithms: CaKeyAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'Ed25519', 'RSA-2048'];
    for (const profile of certificateProfileNames) {
      for (const [subjectAlgorithm, subjectKey] of Object.entries(keys)) {
        for (const signatureKeyAlgorithm of signatureAlgorithms) {
          const ca = profile.endsWith('-ca');
          same({ ...base, profile, subjectPublicKey: subjectKey, signatureKeyAlgorithm, issuer: profile === 'root-ca' ? 'self' : { name: issuerName, publicKey: keys[signatureKeyAlgorithm]! }, sans: ca ? [] : base.sans },
            `${profile}, a ${subjectAlgorithm} subject, a ${signatureKeyAlgorithm} issuer`);
        }
      }
    }
  });

  it('encodes names, SANs of every type, path lengths, serials and the URLs as asn1-schema does', () => {
    const variants: [string, Partial<CertificateTemplate>][] = [
      ['an organization', { subject: { commonName: 'svc.example.test', organization: 'Acme Corp' } }],
      ['an empty subject (SAN critical)', { subject: { commonName: '' } }],
      ['a non-ASCII common name', { subject: { commonName: 'dienst-ünïcödé.example.test' }, sans: ['dns:svc.example.test'] }],
      ['many SANs of each type', { sans: ['dns:a.example.test', 'dns:*.b.example.test', 'ip:10.0.0.7', 'ip:2001:db8::1', 'ip:::1', 'ip:fe80:0:0:0:0:0:0:1', 'uri:spiffe://acme.test/ns/prod/sa/api', 'email:ops@example.test'] }],
      ['a long SAN list (long-form lengths)', { sans: Array.from({ length: 40 }, (_, index) => `dns:host-${index}.a-rather-long-subdomain.example.test`) }],
      ['no URLs', { urls: {} }],
      ['only a CRL', { urls: { crlDistributionPoint: 'http://pki.example.test/crl' } }],
      ['a serial with its high bit set', { serial: Uint8Array.from([0xff, ...randomBytes(15)]) }],
      ['a serial with leading zero octets', { serial: Uint8Array.from([0, 0, 0x12, ...randomBytes(13)]) }],
      ['an intermediate with path length 3', { profile: 'intermediate-ca', sans: [], pathLength: 3 }],
      ['an intermediate with path length 300', { profile: 'intermediate-ca', sans: [], pathLength: 300 }],
      ['times in 2050 and beyond (GeneralizedTime)', { notBefore: new Date('2049-12-31T23:59:59.500Z'), notAfter: new Date('2051-06-30T12:00:00Z') }],
      ['times before 1950 (GeneralizedTime)', { notBefore: new Date('1949-12-31T23:59:59Z'), notAfter: new Date('1950-01-01T00:00:00Z') }],
    ];
    for (const [what, changes] of variants) same({ ...base, ...changes }, what);
  });

  it('encodes each SAN as asn1-schema encodes its GeneralName', () => {
    for (const san of ['dns:a.example.test', 'ip:192.0.2.1', 'ip:2001:db8:0:0:1:0:0:1', 'ip:2001:DB8::A', 'ip:::', 'ip:1::', 'uri:https://example.test/x?y=1', 'email:a@b.test']) {
      assert.equal(hex(generalNameOfSan(san)), hex(AsnConvert.serialize(referenceGeneralName(san))), san);
    }
  });

  it('encodes an IPv6 address with an embedded IPv4 address as its 16 octets (RFC 4291 §2.2), where asn1-schema does not', () => {
    // asn1-schema's IpConverter reads the dotted quad of ::ffff:192.0.2.1 as two hex groups ("0192"); the
    // address is ::ffff:c000:201.
    assert.equal(hex(generalNameOfSan('ip:::ffff:192.0.2.1')), `8710${'00'.repeat(10)}ffffc0000201`);
    assert.equal(hex(generalNameOfSan('ip:64:ff9b::10.1.2.3')), `87100064ff9b${'00'.repeat(8)}0a010203`);
  });
});

describe('DER writer', () => {
  it('writes lengths in the short form below 128 and the minimal long form above', () => {
    for (const length of [0, 1, 127, 128, 255, 256, 65_535, 65_536, 16_777_216]) {
      const encoded = tagged(0x04, new Uint8Array(length));
      assert.equal(hex(encoded.subarray(0, encoded.length - length)), hex(AsnConvert.serialize(new OctetString(new Uint8Array(length)))).slice(0, (encoded.length - length) * 2), `length ${length}`);
    }
  });

  it('writes named bit strings as asn1-schema writes keyUsage', () => {
    const flags = [KeyUsageFlags.digitalSignature, KeyUsageFlags.keyEncipherment, KeyUsageFlags.keyCertSign, KeyUsageFlags.cRLSign, KeyUsageFlags.decipherOnly];
    for (let mask = 1; mask < 1 << flags.length; mask += 1) {
      const chosen = flags.filter((_, index) => (mask & (1 << index)) !== 0);
      const bits = chosen.map((flag) => Math.log2(flag));
      const value = chosen.reduce((all, flag) => all | flag, 0);
      assert.equal(hex(derNamedBits(bits)), hex(AsnConvert.serialize(new KeyUsage(value))), `bits ${bits.join(',')}`);
      assert.deepEqual(readNamedBits(derNamedBits(bits), wholeElement(derNamedBits(bits))!), bits);
    }
  });

  it('writes OIDs, integers and times as asn1js does', () => {
    for (const oid of ['2.5.29.17', '1.2.840.113549.1.1.11', '1.3.6.1.5.5.7.48.1.5', '2.999.1', '1.2.840.10045.4.3.2']) {
      assert.equal(hex(derOid(oid)), hex(new asn1js.ObjectIdentifier({ value: oid }).toBER()), oid);
    }
    assert.throws(() => derOid('3.1'), RangeError);
    for (const value of [0, 1, 127, 128, 255, 256, 65_536, 2 ** 40]) {
      assert.equal(hex(derSmallInteger(value)), hex(new asn1js.Integer({ value }).toBER()), `integer ${value}`);
    }
    assert.equal(hex(derInteger(Uint8Array.of(0, 0, 0x80))), '02020080');
    for (const iso of ['2026-11-22T17:51:33Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '1950-01-01T00:00:00Z', '1949-12-31T23:59:59Z']) {
      const date = new Date(iso);
      const time = new Time(date.getUTCFullYear() >= 1950 && date.getUTCFullYear() < 2050 ? { utcTime: date } : { generalTime: date });
      assert.equal(hex(derCertificateTime(date)), hex(AsnConvert.serialize(time)), iso);
    }
    assert.throws(() => derGeneralizedTime(new Date(Number.NaN)), RangeError);
  });
});

describe('DER reader', () => {
  it('refuses indefinite, non-minimal, overlong and multi-octet-tag encodings', () => {
    const refused = [
      Uint8Array.of(0x30, 0x80, 0x00, 0x00), // indefinite length (BER)
      Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5), // long form for a short length
      Uint8Array.of(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128)), // leading zero length octet
      Uint8Array.of(0x04, 0x03, 1, 2), // contents past the end
      Uint8Array.of(0x1f, 0x81, 0x01, 0x00), // multi-octet tag
      Uint8Array.of(0x30),
    ];
    for (const der of refused) assert.equal(wholeElement(der), null, hex(der));
    assert.equal(wholeElement(Uint8Array.of(0x05, 0x00, 0x05, 0x00)), null, 'two elements are not one');
    const two = Uint8Array.of(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x05);
    const fields = elementsOf(two, wholeElement(two)!)!;
    assert.deepEqual([readBoolean(two, fields[0]!), readSmallInteger(two, fields[1]!)], [true, 5]);
    assert.equal(elementsOf(Uint8Array.of(0x30, 0x03, 0x05, 0x00, 0x05), elementAt(Uint8Array.of(0x30, 0x03, 0x05, 0x00, 0x05), 0, 5)!), null, 'contents must be whole elements');
  });

  it('refuses BOOLEANs, INTEGERs and BIT STRINGs that BER allows but DER does not', () => {
    const read = <T>(reader: (der: Uint8Array, element: NonNullable<ReturnType<typeof wholeElement>>) => T, ...octets: number[]) => {
      const der = Uint8Array.from(octets);
      return reader(der, wholeElement(der)!);
    };
    assert.equal(read(readBoolean, 0x01, 0x01, 0x01), null, 'TRUE is FF in DER');
    assert.equal(read(readSmallInteger, 0x02, 0x02, 0x00, 0x05), null, 'a leading 00 before a low octet');
    assert.equal(read(readSmallInteger, 0x02, 0x01, 0x85), null, 'negative');
    assert.equal(read(readNamedBits, 0x03, 0x02, 0x00, 0x80), null, 'trailing zero bits left in');
    assert.equal(read(readNamedBits, 0x03, 0x02, 0x06, 0x81), null, 'an unused bit set');
    assert.deepEqual(read(readNamedBits, 0x03, 0x02, 0x07, 0x80), [0]);
  });

  it('reads the times RFC 5280 allows and refuses the rest', () => {
    const time = (tag: number, text: string) => {
      const der = tagged(tag, Buffer.from(text, 'latin1'));
      return readTime(der, wholeElement(der)!)?.toISOString() ?? null;
    };
    assert.equal(time(0x17, '491231235959Z'), '2049-12-31T23:59:59.000Z');
    assert.equal(time(0x17, '500101000000Z'), '1950-01-01T00:00:00.000Z');
    assert.equal(time(0x18, '20500101000000Z'), '2050-01-01T00:00:00.000Z');
    assert.equal(time(0x18, '00990101000000Z'), '0099-01-01T00:00:00.000Z');
    for (const [tag, text] of [[0x17, '260231000000Z'], [0x17, '2602010000Z'], [0x17, '260201000000+0100'], [0x18, '20260201000000.5Z'], [0x18, '20261301000000Z'], [0x04, '260201000000Z']] as const) {
      assert.equal(time(tag, text), null, text);
    }
  });
});

describe('dottedOid', () => {
  it('reads OIDs by their octets, the same the first time and after, short or long, DER or not', () => {
    const contents = (dotted: string) => derOid(dotted).subarray(2);
    const long = `1.3.6.1.4.1.${Array.from({ length: 30 }, (_, index) => 1000 + index).join('.')}`;
    for (const dotted of ['2.5.29.17', '1.2.840.10045.4.3.2', long]) {
      assert.equal(dottedOid(contents(dotted)), dotted);
      assert.equal(dottedOid(contents(dotted)), dotted);
    }
    // The same bytes object holding another OID afterwards reads as that one: what is remembered is the octets.
    const reused = Uint8Array.from(contents('2.5.29.17'));
    assert.equal(dottedOid(reused), '2.5.29.17');
    reused[2] = 0x13;
    assert.equal(dottedOid(reused), '2.5.29.19');
    // Two OIDs whose octets hash alike (FNV-1a): a Buffer the first was read from, rewritten with the
    // second, does not change what is remembered for the first.
    const [first, second] = ['2a356f4c0a105b', '2a276325422208'].map((hex) => Buffer.from(hex, 'hex'));
    const buffer = Buffer.from(first!);
    assert.equal(dottedOid(buffer.subarray(0)), '1.2.53.111.76.10.16.91');
    buffer.set(second!);
    assert.equal(dottedOid(Uint8Array.from(second!)), '1.2.39.99.37.66.34.8');
    assert.equal(dottedOid(Uint8Array.from(first!)), '1.2.53.111.76.10.16.91');
    assert.equal(dottedOid(Uint8Array.of(0x55, 0x80, 0x01)), notDerOid, 'a padded arc is not DER');
    assert.equal(dottedOid(Uint8Array.of(0x55, 0x80, 0x01)), notDerOid);
  });
});
