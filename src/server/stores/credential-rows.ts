// A credential as the database holds it, as an import states it, and as readers see it; and how one
// becomes the other.
import type { CredentialTable } from '../db/schema.ts';

/** Sorts after every real date (RFC 5280 §4.1.2.5: 99991231235959Z means "no expiry"). */
export const neverExpires = '9999-12-31T23:59:59.999Z~';

/** What is recorded about a credential, whether it is being written or read. */
type CredentialFields = {
  id: string;
  fingerprint: string;
  kind: string;
  name: string;
  classId: string | null;
  sourceId: string | null;
  subject: string | null;
  issuer: string | null;
  serial: string | null;
  notBefore: string | null;
  notAfter: string | null;
  keyAlgorithm: string | null;
  keySize: number | null;
  signatureAlgorithm: string | null;
  externalId: string | null;
  storageLocation: string | null;
  managedStorage: boolean | null;
  lastRotatedAt: string | null;
  importedFrom: string | null;
};

/**
 * A credential as an import or a change's result states it. Every null means "not stated": a new
 * credential gets the default (status `active`, no SANs, not a CA) and a known one keeps what is recorded.
 * The kind of a known credential never changes. Its class is, in order: the one stated (`classId`), the
 * one recorded, the one the class match rules chose (`classifiedAs`). An import states a class or status
 * for a known credential only where core/inventory/import-restatement.ts allows it.
 */
export type CredentialUpsert = CredentialFields & {
  classifiedAs: string | null;
  status: string | null;
  isCa: boolean | null;
  sans: readonly string[] | null;
  exposedTo: readonly string[] | null;
  workloads: readonly string[] | null;
};

export type CredentialRecord = CredentialFields & {
  /** The stored status, with an active credential past its not-after shown as expired. */
  status: string;
  isCa: boolean;
  sans: string[];
  exposedTo: string[];
  workloads: string[];
  supersedes: string | null;
  supersededBy: string | null;
  createdAt: string;
  updatedAt: string;
};

export const searchTextOf = (credential: CredentialUpsert): string =>
  [credential.name, credential.subject, credential.issuer, credential.serial, credential.externalId, credential.fingerprint, ...credential.sans ?? []]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
    .toLowerCase();

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);


/** What a known credential becomes when an import or a change's result restates it (see CredentialUpsert). */
export const mergeWithRecorded = (incoming: CredentialUpsert, recorded: CredentialTable): CredentialUpsert => ({
  ...incoming,
  kind: recorded.kind,
  name: incoming.name,
  classId: incoming.classId ?? recorded.class_id ?? incoming.classifiedAs,
  sourceId: incoming.sourceId ?? recorded.source_id,
  status: incoming.status ?? recorded.status,
  subject: incoming.subject ?? recorded.subject,
  issuer: incoming.issuer ?? recorded.issuer,
  serial: incoming.serial ?? recorded.serial,
  sans: incoming.sans ?? (JSON.parse(recorded.sans) as string[]),
  notBefore: incoming.notBefore ?? recorded.not_before,
  notAfter: incoming.notAfter ?? recorded.not_after,
  keyAlgorithm: incoming.keyAlgorithm ?? recorded.key_algorithm,
  keySize: incoming.keySize ?? (recorded.key_size === null ? null : Number(recorded.key_size)),
  isCa: incoming.isCa ?? Number(recorded.is_ca) === 1,
  signatureAlgorithm: incoming.signatureAlgorithm ?? recorded.signature_algorithm,
  externalId: incoming.externalId ?? recorded.external_id,
  storageLocation: incoming.storageLocation ?? recorded.storage_location,
  managedStorage: incoming.managedStorage ?? (recorded.managed_storage === null ? null : Number(recorded.managed_storage) === 1),
  exposedTo: incoming.exposedTo ?? (JSON.parse(recorded.exposed_to) as string[]),
  lastRotatedAt: incoming.lastRotatedAt ?? recorded.last_rotated_at,
  importedFrom: incoming.importedFrom ?? recorded.imported_from,
});

/** One fact of a known credential that a write changed: what was recorded, and what is now. */
export type FieldChange = { from: unknown; to: unknown };
export type CredentialUpdate = { id: string; changes: Record<string, FieldChange> };

const bit = (value: number | string | null): boolean | null => (value === null ? null : Number(value) === 1);

// The facts a person reads on `credentials show`, as they read them. Provenance (imported from) and the
// timestamps are bookkeeping, not facts, and the search text follows from the rest.
const comparedFacts: readonly (readonly [string, (row: CredentialTable) => unknown])[] = [
  ['kind', (row) => row.kind], ['name', (row) => row.name], ['classId', (row) => row.class_id], ['sourceId', (row) => row.source_id],
  ['status', (row) => row.status], ['subject', (row) => row.subject], ['issuer', (row) => row.issuer], ['serial', (row) => row.serial],
  ['sans', (row) => JSON.parse(row.sans) as unknown], ['notBefore', (row) => row.not_before], ['notAfter', (row) => row.not_after],
  ['keyAlgorithm', (row) => row.key_algorithm], ['keySize', (row) => (row.key_size === null ? null : Number(row.key_size))],
  ['isCa', (row) => bit(row.is_ca)], ['signatureAlgorithm', (row) => row.signature_algorithm], ['externalId', (row) => row.external_id],
  ['storageLocation', (row) => row.storage_location], ['managedStorage', (row) => bit(row.managed_storage)],
  ['exposedTo', (row) => JSON.parse(row.exposed_to) as unknown], ['lastRotatedAt', (row) => row.last_rotated_at],
];

/** The facts that differ between a recorded row and the row that replaces it; workloads when restated. */
export const changesBetween = (before: CredentialTable, after: CredentialTable, workloadsBefore: readonly string[], workloadsAfter: readonly string[] | null): Record<string, FieldChange> => {
  const changes: Record<string, FieldChange> = {};
  for (const [fact, read] of comparedFacts) {
    const [from, to] = [read(before), read(after)];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[fact] = { from, to };
  }
  if (workloadsAfter !== null) {
    const [from, to] = [[...new Set(workloadsBefore)].sort(), [...new Set(workloadsAfter)].sort()];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.workloads = { from, to };
  }
  return changes;
};

export const toRow = (credential: CredentialUpsert, now: string): CredentialTable => ({
  id: credential.id,
  fingerprint: credential.fingerprint,
  kind: credential.kind,
  name: credential.name,
  class_id: credential.classId ?? credential.classifiedAs,
  source_id: credential.sourceId,
  status: credential.status ?? 'active',
  subject: credential.subject,
  issuer: credential.issuer,
  serial: credential.serial,
  sans: JSON.stringify(credential.sans ?? []),
  not_before: credential.notBefore,
  not_after: credential.notAfter,
  expiry_order: credential.notAfter ?? neverExpires,
  key_algorithm: credential.keyAlgorithm,
  key_size: credential.keySize,
  is_ca: flag(credential.isCa ?? false),
  signature_algorithm: credential.signatureAlgorithm,
  external_id: credential.externalId,
  storage_location: credential.storageLocation,
  managed_storage: credential.managedStorage === null ? null : flag(credential.managedStorage),
  exposed_to: JSON.stringify(credential.exposedTo ?? []),
  last_rotated_at: credential.lastRotatedAt,
  supersedes: null,
  superseded_by: null,
  search_text: searchTextOf(credential),
  imported_from: credential.importedFrom,
  created_at: now,
  updated_at: now,
});

export const effectiveStatus = (status: string, notAfter: string | null, now: string): string =>
  status === 'active' && notAfter !== null && notAfter < now ? 'expired' : status;

export const toRecord = (row: CredentialTable, workloads: string[], now: string): CredentialRecord => ({
  id: row.id,
  fingerprint: row.fingerprint,
  kind: row.kind,
  name: row.name,
  classId: row.class_id,
  sourceId: row.source_id,
  status: effectiveStatus(row.status, row.not_after, now),
  subject: row.subject,
  issuer: row.issuer,
  serial: row.serial,
  sans: JSON.parse(row.sans) as string[],
  notBefore: row.not_before,
  notAfter: row.not_after,
  keyAlgorithm: row.key_algorithm,
  keySize: row.key_size === null ? null : Number(row.key_size),
  isCa: Number(row.is_ca) === 1,
  signatureAlgorithm: row.signature_algorithm,
  externalId: row.external_id,
  storageLocation: row.storage_location,
  managedStorage: row.managed_storage === null ? null : Number(row.managed_storage) === 1,
  exposedTo: JSON.parse(row.exposed_to) as string[],
  lastRotatedAt: row.last_rotated_at,
  supersedes: row.supersedes,
  supersededBy: row.superseded_by,
  importedFrom: row.imported_from,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  workloads,
});
