import type { CredentialFacts } from './credential-facts.ts';

/** `entry` locates the credential for a person: 'certificate #2 (line 23)', 'row 7', 'credentials[4]', 'line 3'. */
export type ImportedCredential = { entry: string; facts: CredentialFacts };

/** `message` says what is wrong and what to do; it never holds a secret value. */
export type ParseFailure = { file: string; entry: string; message: string };

export type TrustMaterialFormat = 'pem' | 'der' | 'openssh' | 'json' | 'csv';

export type ParseResult =
  | { ok: true; format: TrustMaterialFormat; credentials: ImportedCredential[] }
  | { ok: false; error: ParseFailure };

/** What each format's parser returns; the file name is added by parseTrustMaterial. */
export type EntriesParse =
  | { ok: true; credentials: ImportedCredential[] }
  | { ok: false; entry: string; message: string };

/** The entry of a failure that concerns the file as a whole rather than one credential in it. */
export const wholeFile = 'whole file';

export const formatParseFailure = (failure: ParseFailure): string => `${failure.file}: ${failure.entry}: ${failure.message}`;
