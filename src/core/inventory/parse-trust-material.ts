import type { EntriesParse, ParseResult, TrustMaterialFormat } from './parse-result.ts';
import { parseCsvExport } from './csv-export-parser.ts';
import { parseDer } from './der-material.ts';
import { detectFormat } from './format-detection.ts';
import { parseJsonExport } from './json-export-parser.ts';
import { wholeFile } from './parse-result.ts';
import { parsePem } from './pem-material.ts';
import { parseOpenSshPublicKeys } from './ssh-parser.ts';

const parsers: Readonly<Record<Exclude<TrustMaterialFormat, 'der'>, (text: string) => EntriesParse>> = {
  pem: parsePem,
  openssh: parseOpenSshPublicKeys,
  json: parseJsonExport,
  csv: parseCsvExport,
};

const withFile = (file: string, format: TrustMaterialFormat, parsed: EntriesParse): ParseResult =>
  parsed.ok
    ? { ok: true, format, credentials: parsed.credentials }
    : { ok: false, error: { file, entry: parsed.entry, message: parsed.message } };

/**
 * Reads trust material (PEM, DER, OpenSSH public keys) or an inventory export (JSON, CSV) into facts.
 * All or nothing: one bad entry fails the file. Private keys yield only their public facts.
 */
export const parseTrustMaterial = (file: { name: string; bytes: Uint8Array }): ParseResult => {
  const detected = detectFormat(file.name, file.bytes);
  switch (detected.format) {
    case 'empty':
      return { ok: false, error: { file: file.name, entry: wholeFile, message: 'the file is empty' } };
    case 'unrecognised':
      return {
        ok: false,
        error: {
          file: file.name,
          entry: wholeFile,
          message: 'not a recognised format; Trustplane imports PEM (-----BEGIN …), DER certificates and public keys, OpenSSH public keys, and JSON or CSV inventory exports',
        },
      };
    case 'der':
      return withFile(file.name, 'der', parseDer(file.bytes));
    default:
      return withFile(file.name, detected.format, parsers[detected.format](detected.text));
  }
};
