// Certificate signing requests (RFC 2986) arrive from outside, so they are read as hostile: bounded in
// size, parsed with der.ts's strict reader (definite, minimal lengths that must add up), and accepted only when the request is signed by the key it
// carries (proof of possession). Every failure is a plain problem; nothing here throws.
import { id_ce_subjectAltName } from '@peculiar/asn1-x509';
import { createPublicKey, verify } from 'node:crypto';
import { decodeBase64, splitPem } from '../inventory/pem-parser.ts';
import { subjectKeyOf } from './certificate-profile.ts';
import type { SubjectKey } from './certificate-profile.ts';
import { readCommonNames, readGeneralNames } from './certificate-template.ts';
import { contentsOf, dottedOid, elementsOf, encodingOf, notDerOid, readBoolean, readSmallInteger, wholeElement } from './der.ts';
import type { DerElement } from './der.ts';

export type CertificateRequestFacts = {
  /** DER SubjectPublicKeyInfo of the requested key. */
  subjectPublicKey: Uint8Array;
  /** Named as governance names key algorithms: 'ECDSA-P256', 'RSA-2048', 'RSA-1024', 'unknown:<oid>'. */
  keyAlgorithm: string;
  keySize: number;
  commonName: string | null;
  /** From the extensionRequest attribute's subjectAltName (RFC 2985 §5.4.2), prefixed dns:, ip:, uri:, email:. */
  sans: string[];
};

export type CsrParse = { ok: true; csr: CertificateRequestFacts } | { ok: false; problem: string };

export const maxCsrBytes = 64 * 1024;

const extensionRequestOid = '1.2.840.113549.1.9.14';
const rsassaPssOid = '1.2.840.113549.1.1.10';
const csrLabels = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

type SignatureCheck = { digest: string | null; family: SubjectKey['family'] };

// The signature algorithms a CSR may be signed with (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3).
const signatureChecks: ReadonlyMap<string, SignatureCheck> = new Map([
  ['1.2.840.10045.4.3.2', { digest: 'sha256', family: 'ec' }],
  ['1.2.840.10045.4.3.3', { digest: 'sha384', family: 'ec' }],
  ['1.2.840.10045.4.3.4', { digest: 'sha512', family: 'ec' }],
  ['1.2.840.113549.1.1.11', { digest: 'sha256', family: 'rsa' }],
  ['1.2.840.113549.1.1.12', { digest: 'sha384', family: 'rsa' }],
  ['1.2.840.113549.1.1.13', { digest: 'sha512', family: 'rsa' }],
  ['1.3.101.112', { digest: null, family: 'eddsa' }],
]);

const refusedSignatures: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.5', 'the CSR is signed with SHA-1, which no longer proves possession; create it again with SHA-256 (openssl req -sha256)'],
  ['1.2.840.10045.4.1', 'the CSR is signed with SHA-1, which no longer proves possession; create it again with SHA-256 (openssl req -sha256)'],
  ['1.2.840.113549.1.1.10', 'the CSR is signed with RSA-PSS, which Trustplane does not verify; sign it with PKCS #1 v1.5 (sha256WithRSAEncryption)'],
]);

const problem = (text: string): CsrParse => ({ ok: false, problem: text });

const pemHint = 'give the CSR as PEM (-----BEGIN CERTIFICATE REQUEST-----) or as DER bytes';
const certificateInstead = 'this is a certificate, not a certificate signing request; send the CSR (-----BEGIN CERTIFICATE REQUEST-----) instead';

const looksLikePem = (bytes: Uint8Array): boolean =>
  Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart().startsWith('-----BEGIN');

/** The DER inside PEM text, or the problem with the text. */
const derFromPem = (text: string): Uint8Array | string => {
  const split = splitPem(text);
  if (!split.ok) return `the PEM is malformed at line ${split.line}: ${split.message}`;
  const requests = split.blocks.filter((block) => csrLabels.has(block.label));
  if (requests.length === 0) {
    const labels = [...new Set(split.blocks.map((block) => block.label))];
    if (labels.length === 0) return `no PEM block was found; ${pemHint}`;
    return labels.some((label) => label.endsWith('CERTIFICATE'))
      ? certificateInstead
      : `expected a CERTIFICATE REQUEST block but found ${labels.join(', ')}`;
  }
  if (split.blocks.length > 1) return `expected one CERTIFICATE REQUEST block but found ${split.blocks.length} PEM blocks; send the CSR alone`;
  return decodeBase64(requests[0]!.base64) ?? 'the CERTIFICATE REQUEST block is not valid base64; the PEM may be damaged, so copy it again';
};

/** The parts of a CertificationRequest (RFC 2986 §4) that issuing needs, as found by der.ts's reader. */
type RequestParts = {
  /** certificationRequestInfo, whole element: what the signature covers. */
  info: Uint8Array;
  subject: { der: Uint8Array; name: DerElement };
  spki: Uint8Array;
  /** The attributes' [0] element, when there is one. */
  attributes: { der: Uint8Array; list: DerElement } | null;
  signatureOid: string;
  signature: Uint8Array;
};

/** Whether `der` is a Certificate: SEQUENCE { TBSCertificate SEQUENCE (starting with [0] version or the serial INTEGER), … }. */
const isCertificate = (der: Uint8Array): boolean => {
  const outer = wholeElement(der);
  const [tbs, algorithm, signature] = outer?.tag === 0x30 ? elementsOf(der, outer) ?? [] : [];
  const [first] = tbs?.tag === 0x30 ? elementsOf(der, tbs) ?? [] : [];
  return algorithm?.tag === 0x30 && signature?.tag === 0x03 && (first?.tag === 0xa0 || first?.tag === 0x02);
};

/**
 * RFC 2986 §4.1–4.2: SEQUENCE { info SEQUENCE { version 0, subject Name, subjectPKInfo, [0] attributes },
 * algorithm AlgorithmIdentifier, signature BIT STRING }, in DER, nothing after it.
 */
const readRequest = (der: Uint8Array): RequestParts | string => {
  const notACsr = () => (isCertificate(der) ? certificateInstead : `the bytes are not a certificate signing request; ${pemHint}`);
  const outer = wholeElement(der);
  const [info, algorithm, signature, ...rest] = outer?.tag === 0x30 ? elementsOf(der, outer) ?? [] : [];
  if (info?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03 || rest.length > 0) return notACsr();
  const [version, subject, spki, attributes, ...more] = elementsOf(der, info) ?? [];
  if (version?.tag !== 0x02 || subject?.tag !== 0x30 || spki?.tag !== 0x30 || (attributes !== undefined && attributes.tag !== 0xa0) || more.length > 0) return notACsr();
  const versionNumber = readSmallInteger(der, version);
  if (versionNumber !== 0) return `the CSR has version ${versionNumber ?? 'unreadable'}; RFC 2986 defines only version 1 (0)`;
  const [oid, , extraParameter] = elementsOf(der, algorithm) ?? [];
  const signatureBits = contentsOf(der, signature);
  // A signature is whole octets: the BIT STRING's unused-bits octet is 0.
  if (oid?.tag !== 0x06 || extraParameter !== undefined || signatureBits[0] !== 0 || dottedOid(contentsOf(der, oid)) === notDerOid) return notACsr();
  // The key's own algorithm: RSASSA-PSS keys (RFC 4055 §1.2) are not certified, whatever signs the request.
  const [keyAlgorithm] = elementsOf(der, spki) ?? [];
  const [keyOid] = keyAlgorithm?.tag === 0x30 ? elementsOf(der, keyAlgorithm) ?? [] : [];
  if (keyOid?.tag === 0x06 && dottedOid(contentsOf(der, keyOid)) === rsassaPssOid) return 'the CSR carries an RSA-PSS key (RSASSA-PSS), which Trustplane does not certify; use an rsaEncryption, ECDSA or Ed25519 key';
  return {
    info: encodingOf(der, info),
    subject: { der, name: subject },
    spki: Uint8Array.from(encodingOf(der, spki)),
    attributes: attributes === undefined ? null : { der, list: attributes },
    signatureOid: dottedOid(contentsOf(der, oid)),
    signature: signatureBits.subarray(1),
  };
};

/** The most specific commonName of the subject (RFC 4514 order puts it last in the RDNSequence); why not, when the subject is not a Name. */
const commonNameOf = (subject: RequestParts['subject']): string | null | { problem: string } => {
  const names = readCommonNames(subject.der, subject.name);
  return names === null ? { problem: "the CSR's subject is not a DER Name" } : names.at(-1) ?? null;
};

/** The subjectAltName entries asked for in the extensionRequest attribute (RFC 2985 §5.4.2), or the problem with them. */
const requestedSans = (request: RequestParts): string[] | string => {
  if (request.attributes === null) return [];
  const { der, list } = request.attributes;
  const attributes = elementsOf(der, list);
  if (attributes === null) return 'the CSR\'s attributes are not DER';
  // Attribute ::= SEQUENCE { type OID, values SET OF value }, at least one value
  const requests: DerElement[] = [];
  for (const attribute of attributes) {
    const [type, values, extra] = attribute.tag === 0x30 ? elementsOf(der, attribute) ?? [] : [];
    if (type?.tag !== 0x06 || values?.tag !== 0x31 || values.end === values.start || extra !== undefined) return 'the CSR carries an attribute that is not SEQUENCE { OID, SET of values }';
    const typeOid = dottedOid(contentsOf(der, type));
    if (typeOid === notDerOid) return 'the CSR carries an attribute whose OID is not DER';
    if (typeOid === extensionRequestOid) requests.push(values);
  }
  if (requests.length === 0) return [];
  const values = requests.length === 1 ? elementsOf(der, requests[0] as DerElement) : null;
  if (values?.length !== 1) return 'the CSR carries more than one extensionRequest';
  const [extensionList] = values;
  const extensions = extensionList?.tag === 0x30 ? elementsOf(der, extensionList) : null;
  if (extensions === null) return 'the CSR\'s extensionRequest is not a DER list of extensions';
  const sanValues: Uint8Array[] = [];
  for (const extension of extensions) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const [oid, second, third, fourth] = extension.tag === 0x30 ? elementsOf(der, extension) ?? [] : [];
    const value = third ?? second;
    const critical = third === undefined ? true : second !== undefined && readBoolean(der, second) !== null;
    if (oid?.tag !== 0x06 || value?.tag !== 0x04 || fourth !== undefined || !critical) return 'the CSR\'s extensionRequest holds something that is not an extension';
    const extensionOid = dottedOid(contentsOf(der, oid));
    if (extensionOid === notDerOid) return 'the CSR\'s extensionRequest holds an extension whose OID is not DER';
    if (extensionOid === id_ce_subjectAltName) sanValues.push(contentsOf(der, value));
  }
  if (sanValues.length === 0) return [];
  if (sanValues.length > 1) return 'the CSR asks for subjectAltName twice';
  const names = readGeneralNames(sanValues[0] as Uint8Array);
  if (names === null) return 'the CSR\'s subjectAltName is not a DER list of names';
  if (names.includes(null)) return 'the CSR asks for a subjectAltName that is not a DNS name, IP address, URI or email address; Trustplane issues only those';
  return names as string[];
};

/** node:crypto throws, rather than answering false, on a signature that is not even well-formed DER. */
const verifies = (check: SignatureCheck, info: Uint8Array, spki: Uint8Array, signature: Uint8Array): boolean => {
  try {
    return verify(check.digest, info, createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), signature);
  } catch {
    return false;
  }
};

/** Proof of possession: the request info verifies under the key the request carries. */
const signatureProblem = (request: RequestParts, key: SubjectKey): string | null => {
  const oid = request.signatureOid;
  const refused = refusedSignatures.get(oid);
  if (refused !== undefined) return refused;
  const check = signatureChecks.get(oid);
  if (check === undefined) return `the CSR is signed with algorithm ${oid.slice(0, 64)}, which Trustplane does not verify; sign it with ECDSA, RSA (PKCS #1 v1.5, SHA-256) or Ed25519`;
  if (key.family === 'other') return `the CSR carries a ${key.keyAlgorithm.slice(0, 80)} key, which Trustplane cannot verify or certify; use an ECDSA P-256/P-384, RSA or Ed25519 key`;
  if (check.family !== key.family) return `the CSR is signed with a ${check.family.toUpperCase()} algorithm but carries a ${key.keyAlgorithm} key`;
  return verifies(check, request.info, request.spki, request.signature)
    ? null
    : "the CSR's signature does not verify: it was not signed by the key it carries";
};

const parseDer = (der: Uint8Array): CsrParse => {
  const request = readRequest(der);
  if (typeof request === 'string') return problem(request);
  const key = subjectKeyOf(request.spki);
  if (key === null) return problem("the CSR's public key cannot be read; create the CSR again");
  const signature = signatureProblem(request, key);
  if (signature !== null) return problem(signature);
  const sans = requestedSans(request);
  if (typeof sans === 'string') return problem(sans);
  const commonName = commonNameOf(request.subject);
  if (commonName !== null && typeof commonName === 'object') return problem(commonName.problem);
  return { ok: true, csr: { subjectPublicKey: request.spki, keyAlgorithm: key.keyAlgorithm, keySize: key.keySize, commonName, sans } };
};

const readCsr = (input: string | Uint8Array): CsrParse => {
  if (input.length > maxCsrBytes) return problem(`the CSR is larger than ${maxCsrBytes / 1024} KiB; a real CSR is a few KiB at most`);
  if (input.length === 0) return problem(`the CSR is empty; ${pemHint}`);
  try {
    const der = typeof input !== 'string' && !looksLikePem(input)
      ? input
      : derFromPem(typeof input === 'string' ? input : Buffer.from(input).toString('latin1'));
    return typeof der === 'string' ? problem(der) : parseDer(der);
  } catch (error) {
    // Hostile DER can still trip the ASN.1 reader (a wrong type deep inside an attribute); that is a bad CSR, not a crash.
    return problem(`the CSR cannot be read: ${(error instanceof Error ? error.message : String(error)).slice(0, 120)}`);
  }
};

// A change's CSR is read when it is requested and again when the CA executes it, usually in the same
// process: the signature check alone costs about as much as the CA's own signature. What a PEM text
// parses to never changes, so the last texts read are remembered, whole text as the key; callers get
// copies, so none can change what another reads.
const parsedCsrs = new Map<string, CsrParse>();
const maxParsedCsrs = 4096;
/** A real CSR is a few KiB of PEM; larger ones are read every time (4,096 × 8 KiB bounds what is kept). */
const maxRememberedCsrLength = 8 * 1024;

const copyOf = (parsed: CsrParse): CsrParse =>
  parsed.ok ? { ok: true, csr: { ...parsed.csr, subjectPublicKey: parsed.csr.subjectPublicKey.slice(), sans: [...parsed.csr.sans] } } : parsed;

/** Reads a PEM or DER certificate signing request and checks its self-signature. Never throws. */
export const parseCsr = (input: string | Uint8Array): CsrParse => {
  if (typeof input !== 'string' || input.length > maxRememberedCsrLength) return readCsr(input);
  const remembered = parsedCsrs.get(input);
  if (remembered !== undefined) return copyOf(remembered);
  const parsed = readCsr(input);
  // Only what was read well is remembered: a refusal costs its sender the reading again.
  if (!parsed.ok) return parsed;
  if (parsedCsrs.size >= maxParsedCsrs) parsedCsrs.clear();
  parsedCsrs.set(input, parsed);
  return copyOf(parsed);
};
