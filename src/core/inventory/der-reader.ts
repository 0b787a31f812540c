// A small defensive reader for DER (ITU-T X.690 §8.1, §10.1): one-byte tags, definite lengths only,
// every length checked against the bytes at hand. It reads hostile input: it returns null, never throws.

export const derTag = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06, sequence: 0x30,
} as const;

/** One tag-length-value: `encoded` is all of it, `content` the value's bytes, `end` the offset just past it. */
export type Tlv = { tag: number; encoded: Uint8Array; content: Uint8Array; end: number };

export const readTlv = (bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv | null => {
  if (offset + 2 > limit) return null;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) return null; // high-tag-number form: not used by the structures read here
  const first = bytes[offset + 1]!;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > limit) return null; // indefinite or absurd length
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > limit) return null;
  return { tag, encoded: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end), end };
};

/** The TLV that spans `bytes` exactly, with the expected tag; null otherwise. */
export const readWhole = (bytes: Uint8Array, tag: number): Tlv | null => {
  const tlv = readTlv(bytes, 0);
  return tlv !== null && tlv.tag === tag && tlv.end === bytes.length ? tlv : null;
};

/** The elements inside a constructed value, or null if they do not exactly fill it. */
export const readChildren = (content: Uint8Array): Tlv[] | null => {
  const children: Tlv[] = [];
  let offset = 0;
  while (offset < content.length) {
    const child = readTlv(content, offset);
    if (child === null) return null;
    children.push(child);
    offset = child.end;
  }
  return children;
};

/** Dotted text of an OBJECT IDENTIFIER's content (X.690 §8.19). */
export const decodeOid = (content: Uint8Array): string | null => {
  if (content.length === 0 || content.length > 64) return null;
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value > 2 ** 45) return null; // keeps value * 128 + 127 an exact integer
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      return null;
    }
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
};

/** Bit length of a non-negative INTEGER's content (the RSA modulus, the DSA prime). */
export const integerBitLength = (content: Uint8Array): number => {
  let i = 0;
  while (i < content.length && content[i] === 0) i++;
  if (i === content.length) return 0;
  return (content.length - i - 1) * 8 + (32 - Math.clz32(content[i]!));
};

/** The OID and the parameters of an AlgorithmIdentifier (RFC 5280 §4.1.1.2). */
export const readAlgorithmIdentifier = (tlv: Tlv): { oid: string; parameters: Tlv | undefined } | null => {
  if (tlv.tag !== derTag.sequence) return null;
  const parts = readChildren(tlv.content);
  const oidTlv = parts?.[0];
  if (parts === null || oidTlv?.tag !== derTag.oid || parts.length > 2) return null;
  const oid = decodeOid(oidTlv.content);
  return oid === null ? null : { oid, parameters: parts[1] };
};
