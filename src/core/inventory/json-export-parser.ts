import type { EntriesParse, ImportedCredential } from './parse-result.ts';
import { collectValues, mapFieldNames } from './metadata-export.ts';
import { readMetadataRow } from './metadata-row.ts';
import { wholeFile } from './parse-result.ts';

// A JSON inventory export: an array of credential objects, or an object with a "credentials" array (other
// top-level keys, such as an export date, are ignored). Entries are JSON paths with 0-based indexes:
// '[3]' in an array, 'credentials[3]' in an object.

// V8 reports where JSON breaks but quotes the text around it, which may be a secret: keep only the place.
const errorLocation = (error: unknown): string => {
  const match = /\(line (\d+) column (\d+)\)/.exec(error instanceof Error ? error.message : '');
  return match === null ? wholeFile : `line ${match[1]} column ${match[2]}`;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const locateRows = (document: unknown): { path: string; rows: unknown[] } | null => {
  if (Array.isArray(document)) return { path: '', rows: document };
  if (isObject(document) && Array.isArray(document.credentials)) return { path: 'credentials', rows: document.credentials };
  return null;
};

export const parseJsonExport = (text: string): EntriesParse => {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, entry: errorLocation(error), message: 'not valid JSON (cut short, or a comma or quote missing); fix the syntax or export again' };
  }
  const located = locateRows(document);
  if (located === null) return { ok: false, entry: wholeFile, message: 'expected an array of credentials or an object with a "credentials" array' };
  if (located.rows.length === 0) return { ok: false, entry: wholeFile, message: 'the export holds no credentials' };
  const credentials: ImportedCredential[] = [];
  for (const [index, row] of located.rows.entries()) {
    const entry = `${located.path}[${index}]`;
    if (!isObject(row)) return { ok: false, entry, message: 'each credential must be a JSON object of field names and values' };
    const mapping = mapFieldNames(Object.keys(row), 'field');
    if (!mapping.ok) return { ok: false, entry, message: mapping.message };
    const read = readMetadataRow({ values: collectValues(mapping.fields, Object.values(row)), names: mapping.names });
    if (!read.ok) return { ok: false, entry, message: read.message };
    credentials.push({ entry, facts: read.facts });
  }
  return { ok: true, credentials };
};
