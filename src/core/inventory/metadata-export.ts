import type { MetadataField } from './metadata-fields.ts';
import { acceptedFieldsHint, quoteFieldName, resolveField, secretFieldMessage } from './metadata-fields.ts';

// Shared by the JSON and CSV export parsers: the names a file uses, mapped to fields once per header
// (CSV) or per object (JSON).

export type FieldMapping =
  | { ok: true; fields: MetadataField[]; names: ReadonlyMap<MetadataField, string> }
  | { ok: false; message: string };

/**
 * Maps the names of one object (JSON keys) or of a header (CSV columns) to fields. A secret field is
 * reported before an unknown one, whatever the order, because it is the finding that matters.
 */
// A header row may be missing, so that the first "name" is a data value, possibly a secret: names are
// quoted only when they read like a field name (letters, spaces, "_" and "-"; secrets carry digits).
const looksLikeFieldName = (name: string): boolean => /^[A-Za-z][A-Za-z _-]{0,40}$/.test(name);

/** `column 3 "owner"`, `column 1` (not a name), `field "owner"`, or `field (its name is withheld)`. */
const unknownName = (remove: 'field' | 'column', index: number, name: string): string => {
  const quoted = looksLikeFieldName(name) ? quoteFieldName(name) : null;
  if (remove === 'column') return `column ${index + 1}${quoted === null ? '' : ` ${quoted}`}`;
  return quoted === null ? 'field (its name is not shown: it does not read like a field name)' : `field ${quoted}`;
};

export const mapFieldNames = (names: readonly string[], remove: 'field' | 'column'): FieldMapping => {
  const resolutions = names.map(resolveField);
  const secret = resolutions.findIndex((resolution) => resolution.type === 'secret');
  if (secret >= 0) {
    const name = names[secret]!;
    // In a file without a header row the "name" is a value, perhaps the secret itself: not quoted then.
    return { ok: false, message: secretFieldMessage(looksLikeFieldName(name) ? name : null, remove, secret) };
  }
  const fields: MetadataField[] = [];
  const given = new Map<MetadataField, string>();
  for (const [index, resolution] of resolutions.entries()) {
    const name = names[index]!;
    if (resolution.type !== 'field') {
      return name.trim() === ''
        ? { ok: false, message: `${remove} ${index + 1} has no name; name it or remove it` }
        : { ok: false, message: `unknown ${unknownName(remove, index, name)}; ${acceptedFieldsHint}` };
    }
    const earlier = given.get(resolution.field);
    if (earlier !== undefined) {
      return { ok: false, message: `${remove}s ${quoteFieldName(earlier)} and ${quoteFieldName(name)} both give ${resolution.field}; keep one` };
    }
    given.set(resolution.field, name);
    fields.push(resolution.field);
  }
  return { ok: true, fields, names: given };
};

/** The row's present values by field: null, undefined and blank text count as absent. */
export const collectValues = (fields: readonly MetadataField[], values: readonly unknown[]): Partial<Record<MetadataField, unknown>> => {
  const collected: Partial<Record<MetadataField, unknown>> = {};
  for (let index = 0; index < fields.length; index++) {
    const value = values[index];
    if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) continue;
    collected[fields[index]!] = value;
  }
  return collected;
};
