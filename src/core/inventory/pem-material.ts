import type { CredentialFacts } from './credential-facts.ts';
import type { EntriesParse, ImportedCredential } from './parse-result.ts';
import type { PrivateKeyLabel } from './private-key-facts.ts';
import { certificateFacts } from './certificate-facts.ts';
import { wholeFile } from './parse-result.ts';
import { decodeBase64, splitPem } from './pem-parser.ts';
import { privateKeyFacts, privateKeyRefusal } from './private-key-facts.ts';
import { describeSubjectPublicKeyInfo, keyLabel } from './public-key-facts.ts';
import { rsaPublicKeyToSubjectPublicKeyInfo } from './rsa-public-key.ts';

// PEM files: certificates, chains and bundles, public and private keys. Entries read
// '<noun> #N (line L)': N counts the blocks of that noun from 1, L is the 1-based line of the BEGIN line.
// One bad block fails the whole file, so the caller imports nothing from it.

type BlockRead = { ok: true; facts: CredentialFacts } | { ok: false; message: string };
type BlockReader = { noun: string; read: (der: Buffer) => BlockRead } | { noun: string; refusal: string };

const encryptedKey = 'encrypted private key: Trustplane cannot read it; import its certificate or public key instead';

const readCertificate = (der: Buffer): BlockRead => {
  const facts = certificateFacts(der);
  return facts === null
    ? { ok: false, message: 'the block does not decode as an X.509 certificate (truncated or corrupted DER); export the certificate again' }
    : { ok: true, facts };
};

const readPublicKey = (spki: Uint8Array | null): BlockRead => {
  const key = spki === null ? null : describeSubjectPublicKeyInfo(spki);
  return key === null
    ? { ok: false, message: 'the block does not decode as a public key (truncated or corrupted DER); export the key again' }
    : { ok: true, facts: { kind: 'signing_key', name: keyLabel(key, 'public'), ...key } };
};

const readPrivateKey = (label: PrivateKeyLabel) => (der: Buffer): BlockRead => {
  const refusal = privateKeyRefusal(label, der);
  if (refusal !== null) {
    der.fill(0);
    return { ok: false, message: refusal };
  }
  const key = privateKeyFacts(label, der);
  return key === null
    ? { ok: false, message: 'the private key could not be read (an unsupported algorithm or corrupted DER); import its certificate or public key instead' }
    : { ok: true, facts: { kind: 'private_key', name: keyLabel(key, 'private'), ...key } };
};

const refuse = (noun: string, refusal: string): BlockReader => ({ noun, refusal });
const certificateRequest = refuse('certificate request', 'a certificate signing request is not trust material in use; import the certificate issued for it instead');

const blockReaders: ReadonlyMap<string, BlockReader> = new Map([
  ['CERTIFICATE', { noun: 'certificate', read: readCertificate }],
  ['X509 CERTIFICATE', { noun: 'certificate', read: readCertificate }],
  ['PUBLIC KEY', { noun: 'public key', read: readPublicKey }],
  ['RSA PUBLIC KEY', { noun: 'public key', read: (der) => readPublicKey(rsaPublicKeyToSubjectPublicKeyInfo(der)) }],
  ['PRIVATE KEY', { noun: 'private key', read: readPrivateKey('PRIVATE KEY') }],
  ['RSA PRIVATE KEY', { noun: 'private key', read: readPrivateKey('RSA PRIVATE KEY') }],
  ['EC PRIVATE KEY', { noun: 'private key', read: readPrivateKey('EC PRIVATE KEY') }],
  ['OPENSSH PRIVATE KEY', { noun: 'private key', read: readPrivateKey('OPENSSH PRIVATE KEY') }],
  ['ENCRYPTED PRIVATE KEY', refuse('private key', encryptedKey)],
  ['CERTIFICATE REQUEST', certificateRequest],
  ['NEW CERTIFICATE REQUEST', certificateRequest],
]);

// `openssl ecparam -genkey` writes the curve before the key; it is not a credential.
const ignoredLabels = new Set(['EC PARAMETERS']);

const unsupported = (label: string): BlockReader => refuse(`"${label}" block`,
  `unsupported PEM block "${label}"; Trustplane imports CERTIFICATE, PUBLIC KEY, RSA PUBLIC KEY and unencrypted PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY and OPENSSH PRIVATE KEY blocks`);

export const parsePem = (text: string): EntriesParse => {
  const split = splitPem(text);
  if (!split.ok) return { ok: false, entry: `line ${split.line}`, message: split.message };
  const credentials: ImportedCredential[] = [];
  const counts = new Map<string, number>();
  for (const block of split.blocks) {
    if (ignoredLabels.has(block.label)) continue;
    const reader = blockReaders.get(block.label) ?? unsupported(block.label);
    const count = (counts.get(reader.noun) ?? 0) + 1;
    counts.set(reader.noun, count);
    const entry = `${reader.noun} #${count} (line ${block.line})`;
    if ('refusal' in reader) return { ok: false, entry, message: reader.refusal };
    if (block.encrypted) return { ok: false, entry, message: encryptedKey };
    const der = decodeBase64(block.base64);
    if (der === null || der.length === 0) {
      return { ok: false, entry, message: 'the base64 between the BEGIN and END lines is malformed (a stray character or a line cut short); export it again' };
    }
    const read = reader.read(der);
    if (!read.ok) return { ok: false, entry, message: read.message };
    credentials.push({ entry, facts: read.facts });
  }
  if (credentials.length === 0) return { ok: false, entry: wholeFile, message: 'the file has PEM markers but no certificate or key blocks; check that it was exported completely' };
  return { ok: true, credentials };
};
