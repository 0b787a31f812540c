// The fields of an inventory export row (JSON or CSV). Names match case-insensitively, and '_', '-' and
// spaces are ignored, so CSV headers may be written in snake_case ("storage_location").

export const metadataFields = [
  'kind', 'id', 'name', 'fingerprint', 'source', 'class', 'storageLocation', 'managedStorage', 'workloads',
  'exposedTo', 'notBefore', 'notAfter', 'lastRotatedAt', 'status', 'subject', 'issuer', 'serial',
  'keyAlgorithm', 'keySize',
] as const;
export type MetadataField = typeof metadataFields[number];

const fieldKey = (name: string): string => name.toLowerCase().replaceAll(/[\s_-]/g, '');

const fieldsByKey: ReadonlyMap<string, MetadataField> = new Map([
  ...metadataFields.map((field) => [fieldKey(field), field] as const),
  ['externalid', 'id'],
  ['classid', 'class'],
]);

// Names that hold a secret value rather than metadata about it. An export that carries one is refused
// whole: importing the metadata and dropping the secret would leave the secret sitting in the export.
const secretNames = new Set(['value', 'secretvalue', 'key', 'keyvalue', 'pem', 'keymaterial', 'credentialvalue']);
const secretSuffixes = ['secret', 'password', 'passwd', 'passphrase', 'token', 'apikey', 'privatekey', 'secretkey'];

export type FieldResolution =
  | { type: 'field'; field: MetadataField }
  | { type: 'secret' }
  | { type: 'unknown' };

export const resolveField = (name: string): FieldResolution => {
  const key = fieldKey(name);
  const field = fieldsByKey.get(key);
  if (field !== undefined) return { type: 'field', field };
  if (secretNames.has(key) || secretSuffixes.some((suffix) => key.endsWith(suffix))) return { type: 'secret' };
  return { type: 'unknown' };
};

/** A field name as the file wrote it, short enough to quote in a message. */
export const quoteFieldName = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

export const acceptedFieldsHint = 'accepted fields: kind, id (or externalId), name, fingerprint, source, class, storageLocation, '
  + 'managedStorage, workloads, exposedTo, notBefore, notAfter, lastRotatedAt, status, subject, issuer, serial, keyAlgorithm, keySize';

export const secretFieldMessage = (name: string | null, remove: 'field' | 'column', index: number): string =>
  `${remove} ${name === null ? String(index + 1) : quoteFieldName(name)} holds a secret value; inventory exports must carry metadata only — remove the ${remove}`;
