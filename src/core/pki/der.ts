// DER (X.690 §10) by hand, for the structures Trustplane builds and reads on its hot paths: the
// to-be-signed part of every certificate it issues (built, then re-read by the lints), CRLs and OCSP.
// Why by hand: @peculiar/asn1-schema reads and writes any structure from a schema, and pays for that
// generality; building a TBSCertificate through it and parsing it back for the lints took about 70 % of an
// issuance, twenty times the signature. What is here is the small part of DER those structures use:
// single-octet tags and definite, minimal lengths. The tests hold every encoder to asn1-schema's output
// byte for byte, and the reader to asn1-schema's parse.

// ── writing ──

/** Identifier and length octets (X.690 §8.1.2, §8.1.3: short form below 128, else the minimal long form). */
export const derHeader = (tag: number, length: number): Uint8Array => {
  if (length < 0x80) return Uint8Array.of(tag, length);
  if (length < 0x100) return Uint8Array.of(tag, 0x81, length);
  if (length < 0x10000) return Uint8Array.of(tag, 0x82, length >> 8, length & 0xff);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(tag, 0x80 | octets.length, ...octets);
};

/** One element: `tag`, the length of `contents`, then `contents` in order. The header is written in place. */
export const tagged = (tag: number, ...contents: readonly Uint8Array[]): Buffer => {
  let length = 0;
  for (const part of contents) length += part.length;
  const lengthOctets = length < 0x80 ? 0 : length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4;
  const out = Buffer.allocUnsafe(2 + lengthOctets + length);
  out[0] = tag;
  if (lengthOctets === 0) out[1] = length;
  else {
    out[1] = 0x80 | lengthOctets;
    for (let index = 0, rest = length; index < lengthOctets; index += 1, rest = Math.floor(rest / 256)) out[1 + lengthOctets - index] = rest % 256;
  }
  let at = 2 + lengthOctets;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

export const sequence = (...contents: readonly Uint8Array[]): Buffer => tagged(0x30, ...contents);
export const setOf = (...contents: readonly Uint8Array[]): Buffer => tagged(0x31, ...contents);

export const derTrue = Uint8Array.of(0x01, 0x01, 0xff);
export const derNull = Uint8Array.of(0x05, 0x00);

/** INTEGER contents of a big-endian magnitude: minimal, with a 00 octet when the high bit is set (X.690 §8.3.2). */
export const integerContents = (magnitude: Uint8Array): Uint8Array => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const minimal = magnitude.subarray(start);
  if (minimal.length === 0) return Uint8Array.of(0);
  return minimal[0]! >= 0x80 ? Buffer.concat([Uint8Array.of(0), minimal]) : Uint8Array.from(minimal);
};

/** A non-negative INTEGER from its big-endian magnitude. */
export const derInteger = (magnitude: Uint8Array): Buffer => tagged(0x02, integerContents(magnitude));
export const derSmallInteger = (value: number): Buffer => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a small INTEGER is a non-negative safe integer, not ${value}`);
  const octets: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return derInteger(Uint8Array.from(octets));
};

const encodedOids = new Map<string, Uint8Array>();

/** An OBJECT IDENTIFIER, whole element (X.690 §8.19), from its dotted form; encoded once per OID. */
export const derOid = (dotted: string): Uint8Array => {
  let encoded = encodedOids.get(dotted);
  if (encoded === undefined) {
    const arcs = dotted.split('.').map(Number);
    if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0) || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40)) {
      throw new RangeError(`${JSON.stringify(dotted)} is not an object identifier`);
    }
    const contents: number[] = [];
    for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
      const base128 = [arc % 128];
      for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift(0x80 | (rest % 128));
      contents.push(...base128);
    }
    encoded = tagged(0x06, Uint8Array.from(contents));
    encodedOids.set(dotted, encoded);
  }
  return encoded;
};

export const derUtf8String = (text: string): Buffer => tagged(0x0c, Buffer.from(text, 'utf8'));
export const derOctetString = (octets: Uint8Array): Buffer => tagged(0x04, octets);
/** A BIT STRING of whole octets (the unused-bits octet is 0, X.690 §8.6.2.2). */
export const derBitString = (octets: Uint8Array): Buffer => tagged(0x03, Uint8Array.of(0), octets);

/**
 * A named BIT STRING from the numbers of its set bits (bit 0 is the first octet's high bit): X.690
 * §11.2.2 drops trailing zero bits, so the length and unused-bits count follow the highest set bit.
 */
export const derNamedBits = (bits: readonly number[]): Buffer => {
  if (bits.length === 0) return Buffer.from([0x03, 0x01, 0x00]);
  const highest = Math.max(...bits);
  const octets = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) octets[bit >> 3] = octets[bit >> 3]! | (0x80 >> (bit & 7));
  return tagged(0x03, Uint8Array.of(7 - (highest & 7)), octets);
};

const twoDigits = (value: number): string => (value < 10 ? `0${value}` : String(value));

/** YYYYMMDDHHMMSS of a date in UTC, whole seconds. */
const timeDigits = (date: Date): string =>
  `${String(date.getUTCFullYear()).padStart(4, '0')}${twoDigits(date.getUTCMonth() + 1)}${twoDigits(date.getUTCDate())}`
  + `${twoDigits(date.getUTCHours())}${twoDigits(date.getUTCMinutes())}${twoDigits(date.getUTCSeconds())}`;

const checkedYear = (date: Date, what: string): void => {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new RangeError(`${what} must fall in the years 0 to 9999, not ${Number.isNaN(date.getTime()) ? 'an invalid date' : date.toISOString()}`);
};

/** GeneralizedTime YYYYMMDDHHMMSSZ in whole seconds (RFC 5280 §4.1.2.5.2). */
export const derGeneralizedTime = (date: Date): Buffer => {
  checkedYear(date, 'a GeneralizedTime');
  return tagged(0x18, Buffer.from(`${timeDigits(date)}Z`, 'latin1'));
};

/** A certificate or CRL time (RFC 5280 §4.1.2.5): UTCTime YYMMDDHHMMSSZ for 1950 to 2049, GeneralizedTime otherwise. */
export const derCertificateTime = (date: Date): Buffer => {
  checkedYear(date, 'a certificate time');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tagged(0x17, Buffer.from(`${timeDigits(date).slice(2)}Z`, 'latin1')) : derGeneralizedTime(date);
};

// ── reading ──

/** One element: its tag, where it begins, and where its contents begin and end. */
export type DerElement = { tag: number; from: number; start: number; end: number };

/**
 * The element at `at`, ending by `limit`; null unless its tag is one octet and its length definite,
 * minimal and in bounds (X.690 §10.1). Lengths up to 2^32 − 1.
 */
export const elementAt = (der: Uint8Array, at: number, limit: number): DerElement | null => {
  if (at + 2 > limit) return null;
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) return null; // multi-octet tags: none occur in what Trustplane reads
  let length = der[at + 1]!;
  let start = at + 2;
  if (length >= 0x80) {
    const count = length - 0x80; // 0 is BER's indefinite form
    if (count < 1 || count > 4 || start + count > limit || der[start] === 0) return null;
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + der[start + index]!;
    start += count;
    if (length < 0x80) return null;
  }
  return start + length > limit ? null : { tag, from: at, start, end: start + length };
};

/** The one element that is all of `der`; null if `der` is not exactly one element. */
export const wholeElement = (der: Uint8Array): DerElement | null => {
  const element = elementAt(der, 0, der.length);
  return element !== null && element.end === der.length ? element : null;
};

/** The elements filling `parent`'s contents exactly; null if they do not. */
export const elementsOf = (der: Uint8Array, parent: DerElement): DerElement[] | null => {
  const elements: DerElement[] = [];
  for (let at = parent.start; at < parent.end;) {
    const element = elementAt(der, at, parent.end);
    if (element === null) return null;
    elements.push(element);
    at = element.end;
  }
  return elements;
};

export const contentsOf = (der: Uint8Array, element: DerElement): Uint8Array => der.subarray(element.start, element.end);
export const encodingOf = (der: Uint8Array, element: DerElement): Uint8Array => der.subarray(element.from, element.end);

/**
 * Whether an OBJECT IDENTIFIER's contents are DER (X.690 §8.19.2): at least one arc, no arc padded with a
 * leading 0x80 octet, the last arc finished, every arc a safe integer.
 */
export const isDerOid = (contents: Uint8Array): boolean => {
  if (contents.length === 0 || contents[contents.length - 1]! >= 0x80) return false;
  let value = 0;
  let starting = true;
  for (const octet of contents) {
    if (starting && octet === 0x80) return false;
    value = value * 128 + (octet & 0x7f);
    if (!Number.isSafeInteger(value)) return false;
    starting = octet < 0x80;
    if (starting) value = 0;
  }
  return true;
};

/** Stands for an OID that is not DER: it equals no OID anyone compares with. */
export const notDerOid = 'not-a-DER-OID';

// The same few OIDs (extensions, algorithms, attribute types) are read over and over: their dotted forms
// are remembered by their octets, which cost less to look up than to decode and join again. A lookup
// hashes the octets (FNV-1a) and compares them, making no string or buffer: for an OID of a few octets
// that is a third of the cost of a Map keyed by a string of them (measured). Only short ones: hostile
// input may carry long OIDs, and 1,024 × 32 octets bounds what is kept (the memo starts again when full).
const rememberedOids = new Map<number, { octets: Uint8Array; dotted: string }[]>();
let rememberedOidCount = 0;
const maxDottedOids = 1024;
const maxRememberedOidLength = 32;

const fnv1a = (octets: Uint8Array): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < octets.length; index += 1) hash = Math.imul(hash ^ octets[index]!, 0x01000193);
  return hash >>> 0;
};

const sameOctets = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
};

/** An OBJECT IDENTIFIER's contents in dotted form (X.690 §8.19); notDerOid when they are not DER. */
export const dottedOid = (contents: Uint8Array): string => {
  if (contents.length > maxRememberedOidLength) return decodeOid(contents);
  const hash = fnv1a(contents);
  const bucket = rememberedOids.get(hash);
  for (const entry of bucket ?? []) if (sameOctets(entry.octets, contents)) return entry.dotted;
  const dotted = decodeOid(contents);
  if (rememberedOidCount >= maxDottedOids) {
    rememberedOids.clear();
    rememberedOidCount = 0;
  }
  // A copy (Buffer's slice would be a view): `contents` is a view into the caller's buffer, which may
  // change, and which the memo must not keep alive.
  const entry = { octets: Uint8Array.from(contents), dotted };
  if (bucket === undefined || rememberedOidCount === 0) rememberedOids.set(hash, [entry]);
  else bucket.push(entry);
  rememberedOidCount += 1;
  return dotted;
};

const decodeOid = (contents: Uint8Array): string => {
  if (!isDerOid(contents)) return notDerOid;
  const arcs: number[] = [];
  let value = 0;
  for (const octet of contents) {
    value = value * 128 + (octet & 0x7f);
    if (octet < 0x80) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const top = Math.min(2, Math.floor(first / 40));
  return [top, first - 40 * top, ...rest].join('.');
};

/** The value of `count` ASCII digits at `at`; -1 if any of them is not a digit. */
const digitsAt = (der: Uint8Array, at: number, count: number): number => {
  let value = 0;
  for (let index = at; index < at + count; index += 1) {
    const digit = der[index]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
};

/**
 * A UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) element in the forms RFC 5280 §4.1.2.5
 * allows (seconds, Z); null otherwise. Read from the octets: the lints read two of these per certificate.
 */
export const readTime = (der: Uint8Array, element: DerElement): Date | null => {
  const yearDigits = element.tag === 0x17 ? 2 : element.tag === 0x18 ? 4 : 0;
  const { start, end } = element;
  if (yearDigits === 0 || end - start !== yearDigits + 11 || der[end - 1] !== 0x5a) return null;
  const fields = [digitsAt(der, start, yearDigits), ...[0, 1, 2, 3, 4].map((field) => digitsAt(der, start + yearDigits + 2 * field, 2))];
  if (fields.some((field) => field < 0)) return null;
  const [year, month, day, hours, minutes, seconds] = fields as [number, number, number, number, number, number];
  const fullYear = yearDigits === 2 ? (year >= 50 ? 1900 + year : 2000 + year) : year;
  const date = new Date(Date.UTC(fullYear, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls 31 February over into March; a real time reads back as written.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hours > 23 || minutes > 59 || seconds > 59) return null;
  date.setUTCFullYear(fullYear); // Date.UTC maps the years 0 to 99 to 1900 to 1999
  return date;
};

/** A DER BOOLEAN's value; null unless it is FALSE (00) or TRUE (FF), as DER requires (X.690 §11.1). */
export const readBoolean = (der: Uint8Array, element: DerElement): boolean | null => {
  if (element.tag !== 0x01 || element.end - element.start !== 1) return null;
  const octet = der[element.start];
  return octet === 0xff ? true : octet === 0x00 ? false : null;
};

/** Whether an INTEGER's contents are minimal (X.690 §8.3.2): no leading 00 before a low octet, no FF before a high one. */
export const isMinimalInteger = (contents: Uint8Array): boolean =>
  contents.length > 0 && !(contents.length > 1 && ((contents[0] === 0x00 && contents[1]! < 0x80) || (contents[0] === 0xff && contents[1]! >= 0x80)));

/** A small non-negative INTEGER's value; null when it is not one. */
export const readSmallInteger = (der: Uint8Array, element: DerElement): number | null => {
  const contents = contentsOf(der, element);
  if (element.tag !== 0x02 || !isMinimalInteger(contents) || contents[0]! >= 0x80 || contents.length > 6) return null;
  let value = 0;
  for (const octet of contents) value = value * 256 + octet;
  return value;
};

/** The set bits of a DER named BIT STRING (bit 0 is the first octet's high bit); null unless it is one. */
export const readNamedBits = (der: Uint8Array, element: DerElement): number[] | null => {
  const contents = contentsOf(der, element);
  if (element.tag !== 0x03 || contents.length === 0 || contents[0]! > 7) return null;
  const unused = contents[0]!;
  if (contents.length === 1) return unused === 0 ? [] : null;
  const last = contents[contents.length - 1]!;
  // DER: the unused bits are zero, and no trailing zero bits are left (X.690 §11.2.1, §11.2.2).
  if ((last & ((1 << unused) - 1)) !== 0 || (last & (1 << unused)) === 0) return null;
  const bits: number[] = [];
  for (let index = 1; index < contents.length; index += 1) {
    for (let bit = 0; bit < 8; bit += 1) if ((contents[index]! & (0x80 >> bit)) !== 0) bits.push((index - 1) * 8 + bit);
  }
  return bits;
};
