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
    const restatement = restateKnownCredential({ kind: upsert.kind, name: upsert.name, subject: upsert.subject, classId: upsert.classId, status: upsert.status, sourceId: upsert.sourceId }, known);
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
      sourceId: held.has('source') ? null : upsert.sourceId,
      status: null,
      name: held.has('name') ? known.name : upsert.name,
    });
    if (known.classId === null && upsert.classId === null && upsert.classifiedAs === null) result.unclassified += 1;
  }
  return result;
};

// A request holds up to 20,000 entries (the CLI sends 10,000 a batch), and one update can carry thousands
// of SANs. So that the audit entry stays a reasonable size (about 150 kB at most), each list stops at a
// budget of bytes, and a value longer than 256 characters is shortened and says so. Counts are always
// exact; what is left out of a list is counted, never dropped silently.
export const auditListBudgets = { created: 56 * 1024, updated: 64 * 1024, heldBack: 32 * 1024 } as const;

const maxValueLength = 256;

const bounded = (value: unknown): unknown => {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= maxValueLength ? value : `${text.slice(0, maxValueLength)}… (${text.length} characters in all)`;
};

const boundedUpdate = (update: CredentialUpdate): CredentialUpdate => ({
  id: update.id,
  changes: Object.fromEntries(Object.entries(update.changes).map(([fact, change]) => [fact, { from: bounded(change.from), to: bounded(change.to) }])),
});

/** The first items that fit in `budget` bytes of JSON, with the count of all and of those left out. */
const listed = <T>(items: readonly T[], budget: number, shorten: (item: T) => unknown = (item) => item): { count: number; listed: unknown[]; leftOut: number } => {
  const kept: unknown[] = [];
  let used = 0;
  for (const item of items) {
    const entry = shorten(item);
    used += (JSON.stringify(entry) ?? '').length + 1;
    if (used > budget) break;
    kept.push(entry);
  }
  return { count: items.length, listed: kept, leftOut: items.length - kept.length };
};

// The reason of a held-back field is the same for every entry (import-restatement.ts), so it is left out.
const auditedNotice = (notice: ImportNotice) => ({
  file: notice.file, entry: notice.entry, credentialId: notice.credentialId, outcome: notice.outcome,
  heldBack: notice.heldBack.map((held) => ({ field: held.field, asked: bounded(held.asked), stands: bounded(held.stands) })),
});

export const importAuditDetails = (input: { files: string[]; credentials: number; defaults: ImportDefaults; written: UpsertOutcome; notices: readonly ImportNotice[] }): Record<string, unknown> => {
  const { files, credentials, defaults, written, notices } = input;
  return {
    files,
    credentials,
    defaults,
    created: listed(written.created, auditListBudgets.created),
    updated: listed(written.updated, auditListBudgets.updated, boundedUpdate),
    unchanged: written.unchanged.length,
    heldBack: listed(notices, auditListBudgets.heldBack, auditedNotice),
  };
};
