import { z } from 'zod';
import type { CredentialFacts } from './credential-facts.ts';
import type { MetadataField } from './metadata-fields.ts';
import { credentialKinds, credentialStatuses, keyAlgorithms } from './credential-kinds.ts';
import type { KeyAlgorithm } from './credential-kinds.ts';
import { normaliseFingerprint, sha256Hex } from './fingerprint.ts';
import { parseIsoDate } from './iso-date.ts';
import { quoteFieldName } from './metadata-fields.ts';
import { normaliseSerialNumber } from './serial-number.ts';

// One row of an inventory export, validated with bounded schemas. Values come as JSON types or as CSV
// text, so booleans, numbers and lists accept both forms. Messages never repeat a value.

const text = (max: number) => z.string({ error: 'must be text' }).trim().max(max, { error: `must be at most ${max} characters` });

/** A field read by `parse`, which returns null for a value it refuses; the issue then says `hint`. */
const checked = <T>(hint: string, parse: (value: unknown) => T | null) =>
  z.unknown().transform((value, context) => {
    const parsed = parse(value);
    if (parsed === null) {
      context.addIssue({ code: 'custom', message: hint });
      return z.NEVER;
    }
    return parsed;
  });

const textUpTo = <T>(max: number, parse: (value: string) => T | null) => (value: unknown): T | null =>
  typeof value === 'string' && value.length <= max ? parse(value) : null;

const date = checked('is not an ISO-8601 date; write it like 2027-03-01 or 2027-03-01T12:00:00Z', textUpTo(64, parseIsoDate));

// A JSON array, or in CSV either names separated by ";" or a JSON array written in the cell.
const readList = (value: unknown): string[] | null => {
  let items = value;
  if (typeof value === 'string') {
    if (!value.trimStart().startsWith('[')) items = value.split(';', 101);
    else {
      try {
        items = JSON.parse(value);
      } catch {
        return null;
      }
    }
  }
  if (!Array.isArray(items) || items.length > 100) return null;
  const names: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || item.length > 256) return null;
    const name = item.trim();
    if (name !== '') names.push(name);
  }
  return names;
};
const list = checked('must be a list of at most 100 names of at most 256 characters: a JSON array, or names separated by ";" in CSV', readList);

const booleanWords: ReadonlyMap<string, boolean> = new Map([['true', true], ['yes', true], ['1', true], ['false', false], ['no', false], ['0', false]]);
const flag = checked('must be true or false (also yes/no, 1/0)', (value) =>
  typeof value === 'boolean' ? value : booleanWords.get(String(value).trim().toLowerCase()) ?? null);

const keySize = checked('must be a whole number of bits between 1 and 65536', (value) => {
  const bits = typeof value === 'string' && /^\s*\d{1,5}\s*$/.test(value) ? Number(value) : value;
  return typeof bits === 'number' && Number.isInteger(bits) && bits >= 1 && bits <= 65536 ? bits : null;
});

const algorithmKey = (name: string): string => name.toUpperCase().replaceAll(/[\s_-]/g, '');
const algorithmsByKey: ReadonlyMap<string, KeyAlgorithm> = new Map(keyAlgorithms.map((name) => [algorithmKey(name), name]));
const keyAlgorithm = checked(`must be one of ${keyAlgorithms.join(', ')} or unknown:<oid>`, textUpTo(128, (value): KeyAlgorithm | null => {
  const trimmed = value.trim();
  if (/^unknown:\d+(?:\.\d+)+$/.test(trimmed)) return trimmed as KeyAlgorithm;
  return algorithmsByKey.get(algorithmKey(trimmed)) ?? null;
}));

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => {
  const hint = `must be one of ${values.join(', ')}`;
  return z.string({ error: hint }).trim().toLowerCase().pipe(z.enum(values, { error: hint }));
};

const rowSchema = z.object({
  kind: oneOf(credentialKinds),
  id: text(512).optional(),
  name: text(512).optional(),
  fingerprint: checked('is not a SHA-256 fingerprint; write 64 hex digits (colons between bytes allowed) or SHA256:<base64>', textUpTo(128, normaliseFingerprint)).optional(),
  source: text(256).optional(),
  class: text(256).optional(),
  storageLocation: text(512).optional(),
  managedStorage: flag.optional(),
  workloads: list.optional(),
  exposedTo: list.optional(),
  notBefore: date.optional(),
  notAfter: date.optional(),
  lastRotatedAt: date.optional(),
  status: oneOf(credentialStatuses).optional(),
  subject: text(2048).optional(),
  issuer: text(2048).optional(),
  serial: checked('must be the serial number in hex (colons between bytes allowed)', textUpTo(256, normaliseSerialNumber)).optional(),
  keyAlgorithm: keyAlgorithm.optional(),
  keySize: keySize.optional(),
});

/** Row values by field (absent and blank values left out), and the names the file gave the fields. */
export type MetadataRow = { values: Partial<Record<MetadataField, unknown>>; names: ReadonlyMap<MetadataField, string> };

export type RowRead = { ok: true; facts: CredentialFacts } | { ok: false; message: string };

export const readMetadataRow = ({ values, names }: MetadataRow): RowRead => {
  if (values.kind === undefined) return { ok: false, message: `field "kind" is missing; give each row one of ${credentialKinds.join(', ')}` };
  const parsed = rowSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path[0] as MetadataField;
    return { ok: false, message: `field ${quoteFieldName(names.get(field) ?? field)} ${issue.message}` };
  }
  const { kind, id, class: classId, fingerprint: given, ...rest } = parsed.data;
  if (id === undefined && given === undefined) {
    return { ok: false, message: 'the row has neither an id (or externalId) nor a fingerprint; give one so the credential can be matched' };
  }
  const fingerprint = given ?? sha256Hex(`${kind}:${rest.source ?? ''}:${id}`);
  return {
    ok: true,
    facts: {
      ...rest,
      kind,
      fingerprint,
      name: rest.name ?? id ?? `${kind} ${fingerprint.slice(0, 16)}`,
      ...(id === undefined ? {} : { externalId: id }),
      ...(classId === undefined ? {} : { classId }),
    },
  };
};
