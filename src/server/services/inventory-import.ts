// How the entries of an import apply to the credentials on record (core/inventory/import-restatement.ts
// says what an import may change), and what the import's audit entry says about it.
import { restateKnownCredential } from '../../core/inventory/index.ts';
import type { ImportDefaults, ImportedEntry, ImportNotice } from '../../core/inventory/index.ts';
import type { CredentialUpdate, CredentialUpsert } from '../stores/credential-rows.ts';
import type { RecordedCredentialIdentity, UpsertOutcome } from '../stores/credential-store.ts';

export type RestatedEntries = { upserts: CredentialUpsert[]; notices: ImportNotice[]; skipped: number; heldBack: number; unclassified: number };

/** The upserts to write for a file's entries: new credentials as they are, known ones as the rules allow. */
export const restateEntries = (entries: readonly { entry: ImportedEntry; upsert: CredentialUpsert }[], recorded: ReadonlyMap<string, RecordedCredentialIdentity>): RestatedEntries => {
  const result: RestatedEntries = { upserts: [], notices: [], skipped: 0, heldBack: 0, unclassified: 0 };
  for (const { entry, upsert } of entries) {
    const known = recorded.get(upsert.id);
    // Another fingerprint under the same id is refused by the store, whole; it is not this rule's to judge.
    if (known === undefined || known.fingerprint !== upsert.fingerprint) {
      result.upserts.push(upsert);
      if (upsert.classId === null && upsert.classifiedAs === null) result.unclassified += 1;
      continue;
    }
    const restatement = restateKnownCredential({ kind: upsert.kind, name: upsert.name, subject: upsert.subject, classId: upsert.classId, status: upsert.status }, known);
    if (restatement.heldBack.length > 0) {
      result.notices.push({ file: entry.file, entry: entry.entry, credentialId: upsert.id, outcome: restatement.outcome, heldBack: restatement.heldBack });
    }
    if (restatement.outcome === 'skipped') {
      result.skipped += 1;
      if (known.classId === null) result.unclassified += 1;
      continue;
    }
    if (restatement.heldBack.length > 0) result.heldBack += 1;
    const held = new Set(restatement.heldBack.map((entry) => entry.field));
    // A null states nothing, so the store keeps what is recorded (mergeWithRecorded). The status of a
    // known credential is never written: one the rules let through equals what is recorded or in effect.
    result.upserts.push({
      ...upsert,
      classId: held.has('class') ? null : upsert.classId,
      status: null,
      name: held.has('name') ? known.name : upsert.name,
    });
    if (known.classId === null && upsert.classId === null && upsert.classifiedAs === null) result.unclassified += 1;
  }
  return result;
};

// A request holds up to 20,000 entries (the CLI sends 10,000 a batch). Ids of created credentials are
// short and listed up to 2,000 (about 55 kB); updates carry their changes and notices their reasons, so
// fewer are listed. Counts are always exact; what is left out is counted, never dropped silently.
export const auditListLimits = { created: 2000, updated: 500, notices: 500 } as const;

/** Long values (a SAN list of thousands) are shortened in the audit entry, and say so. */
const maxValueLength = 512;

const bounded = (value: unknown): unknown => {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= maxValueLength ? value : `${text.slice(0, maxValueLength)}… (${text.length} characters in all)`;
};

const boundedUpdate = (update: CredentialUpdate): CredentialUpdate => ({
  id: update.id,
  changes: Object.fromEntries(Object.entries(update.changes).map(([fact, change]) => [fact, { from: bounded(change.from), to: bounded(change.to) }])),
});

const listed = <T>(items: readonly T[], limit: number): { count: number; listed: T[]; leftOut: number } =>
  ({ count: items.length, listed: items.slice(0, limit), leftOut: Math.max(0, items.length - limit) });

export const importAuditDetails = (input: { files: string[]; credentials: number; defaults: ImportDefaults; written: UpsertOutcome; notices: readonly ImportNotice[] }): Record<string, unknown> => {
  const { files, credentials, defaults, written, notices } = input;
  return {
    files,
    credentials,
    defaults,
    created: listed(written.created, auditListLimits.created),
    updated: listed(written.updated.map(boundedUpdate), auditListLimits.updated),
    unchanged: written.unchanged.length,
    heldBack: listed(notices, auditListLimits.notices),
  };
};
