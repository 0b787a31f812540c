import type { EntriesParse } from './parse-result.ts';
import { certificateFacts } from './certificate-facts.ts';
import { wholeFile } from './parse-result.ts';
import { describeSubjectPublicKeyInfo, keyLabel } from './public-key-facts.ts';

/** A binary file holds one DER X.509 certificate or one DER SubjectPublicKeyInfo, nothing else. */
export const parseDer = (bytes: Uint8Array): EntriesParse => {
  const certificate = certificateFacts(bytes);
  if (certificate !== null) return { ok: true, credentials: [{ entry: 'certificate #1', facts: certificate }] };
  const key = describeSubjectPublicKeyInfo(bytes);
  if (key !== null) return { ok: true, credentials: [{ entry: 'public key #1', facts: { kind: 'signing_key', name: keyLabel(key, 'public'), ...key } }] };
  return {
    ok: false,
    entry: wholeFile,
    message: 'not a DER certificate or public key; Trustplane reads binary files only as one X.509 certificate or one SubjectPublicKeyInfo — convert other material to PEM',
  };
};
