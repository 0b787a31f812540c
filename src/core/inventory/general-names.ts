import { decodeOid, derTag, readChildren, readWhole } from './der-reader.ts';

// GeneralName (RFC 5280 §4.2.1.6): context-specific tags. x400Address, directoryName and ediPartyName
// are left out: they are rare in subjectAltName and do not help match a credential.
const otherName = 0xa0;
const rfc822Name = 0x81;
const dnsName = 0x82;
const uniformResourceIdentifier = 0x86;
const ipAddress = 0x87;
const registeredId = 0x88;

const ascii = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** IPv4 dotted quad; IPv6 in RFC 5952 form (lowercase, longest run of zero groups as "::"). */
export const formatIpAddress = (bytes: Uint8Array): string => {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return Buffer.from(bytes).toString('hex');
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
};

/** The names in a subjectAltName extension value, prefixed by type; null if the DER is malformed. */
export const decodeSubjectAltNames = (extensionValue: Uint8Array): string[] | null => {
  const sequence = readWhole(extensionValue, derTag.sequence);
  const names = sequence === null ? null : readChildren(sequence.content);
  if (names === null) return null;
  const decoded: string[] = [];
  for (const name of names) {
    switch (name.tag) {
      case dnsName: decoded.push(`dns:${ascii(name.content)}`); break;
      case ipAddress: decoded.push(`ip:${formatIpAddress(name.content)}`); break;
      case rfc822Name: decoded.push(`email:${ascii(name.content)}`); break;
      case uniformResourceIdentifier: decoded.push(`uri:${ascii(name.content)}`); break;
      case registeredId: decoded.push(`rid:${decodeOid(name.content) ?? '?'}`); break;
      case otherName: {
        const typeId = readChildren(name.content)?.[0];
        const oid = typeId?.tag === derTag.oid ? decodeOid(typeId.content) : null;
        decoded.push(`othername:${oid ?? '?'}`);
        break;
      }
      default: break;
    }
  }
  return decoded;
};
