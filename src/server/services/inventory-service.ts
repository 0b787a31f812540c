// The credential inventory: import trust material (files parsed here, or facts parsed by the CLI),
// classify it, and answer list/show queries. A bad input is refused whole, before the transaction.
import { TrustplaneError } from '../../core/errors.ts';
import { parseDuration } from '../../core/duration.ts';
import { classifyCredential } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { checkImportReferences, credentialIdFor, formatParseFailure, parseTrustMaterial, summariseImport } from '../../core/inventory/index.ts';
import type { FileImportSummary, ImportDefaults, ImportedEntry, ImportNotice, ImportSummary } from '../../core/inventory/index.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { CredentialFilter, CredentialSortKey } from '../stores/credential-query.ts';
import type { CredentialRecord, CredentialUpsert } from '../stores/credential-rows.ts';
import type { UpsertOutcome } from '../stores/credential-store.ts';
import { importAuditDetails, restateEntries } from './inventory-import.ts';
import type { Clock } from '../platform.ts';
import type { GovernanceService } from './governance-service.ts';

export type InventoryServiceDeps = { unitOfWork: UnitOfWork; clock: Clock; governance: Pick<GovernanceService, 'current'> };


export type CredentialListInput = {
  classId?: string;
  kind?: string;
  owner?: string;
  sourceId?: string;
  workloadId?: string;
  status?: string;
  expiringWithin?: string;
  unclassified?: boolean;
  text?: string;
  sort: CredentialSortKey;
  descending: boolean;
  page: number;
  pageSize: number;
};

const maxExpiringWithinMs = 5200 * 7 * 86_400_000;

/** `total` is exact when `totalIsExact`; otherwise there are at least that many. */
export type CredentialPage = { items: CredentialRecord[]; page: number; pageSize: number; total: number; totalIsExact: boolean };

/** Totals above this are reported as "at least": counting a million matches would cost more than the page. */
export const countCap = 10_000;

/** An imported entry as the store records it, classified by governance unless its class is stated. */
export const toUpsert = (entry: ImportedEntry, defaults: ImportDefaults, governance: Governance | null): CredentialUpsert => {
  const { facts } = entry;
  const sourceId = facts.source ?? defaults.sourceId ?? null;
  const classId = facts.classId ?? defaults.classId ?? null;
  const classifiedAs = classId === null
    ? classifyCredential(governance?.classes ?? [], { ...facts, ...(sourceId === null ? {} : { source: sourceId }) })
    : null;
  const workloads = facts.workloads ?? defaults.workloads;
  return {
    id: credentialIdFor(facts.fingerprint),
    fingerprint: facts.fingerprint,
    kind: facts.kind,
    name: facts.name,
    classId,
    classifiedAs,
    sourceId,
    status: facts.status ?? null,
    subject: facts.subject ?? null,
    issuer: facts.issuer ?? null,
    serial: facts.serial ?? null,
    sans: facts.sans ?? null,
    notBefore: facts.notBefore?.toISOString() ?? null,
    notAfter: facts.notAfter?.toISOString() ?? null,
    keyAlgorithm: facts.keyAlgorithm ?? null,
    keySize: facts.keySize ?? null,
    isCa: facts.isCa ?? null,
    signatureAlgorithm: facts.signatureAlgorithm ?? null,
    externalId: facts.externalId ?? null,
    storageLocation: facts.storageLocation ?? defaults.storageLocation ?? null,
    managedStorage: facts.managedStorage ?? defaults.managedStorage ?? null,
    exposedTo: facts.exposedTo ?? null,
    lastRotatedAt: facts.lastRotatedAt?.toISOString() ?? null,
    importedFrom: entry.file,
    workloads: workloads ?? null,
  };
};

export const createInventoryService = ({ unitOfWork, clock, governance }: InventoryServiceDeps) => {
  // Query plans go stale after a large import until the database gathers statistics again (PostgreSQL's
  // autovacuum takes up to a minute; SQLite never does on its own). Refresh them on a geometric schedule,
  // as autovacuum's scale factor does: when the rows added since the last refresh reach a fifth of the rows
  // known then (and at least 10,000), so a million-row import triggers a handful of refreshes, not hundreds.
  const statistics = { sinceRefresh: 0, atRefresh: 0 };
  const refreshStatisticsIfStale = async (created: number): Promise<void> => {
    statistics.sinceRefresh += created;
    if (statistics.sinceRefresh < Math.max(10_000, statistics.atRefresh / 5)) return;
    statistics.atRefresh += statistics.sinceRefresh;
    statistics.sinceRefresh = 0;
    await unitOfWork((tx) => tx.credentials.refreshStatistics());
  };

  const importEntries = async (entries: readonly ImportedEntry[], defaults: ImportDefaults, actor: string, requestId?: string): Promise<ImportSummary> => {
    const current = (await governance.current())?.governance ?? null;
    const problems = checkImportReferences(entries, defaults, current);
    if (problems.length > 0) {
      throw new TrustplaneError('IMPORT_INVALID', `the import refers to what governance does not declare (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was imported`, problems);
    }
    const byFile = new Map<string, { entry: ImportedEntry; upsert: CredentialUpsert }[]>();
    for (const entry of entries) {
      const list = byFile.get(entry.file) ?? [];
      list.push({ entry, upsert: toUpsert(entry, defaults, current) });
      byFile.set(entry.file, list);
    }
    const now = clock.now();
    const at = now.toISOString();
    const summary = await unitOfWork(async (tx) => {
      const files: FileImportSummary[] = [];
      const notices: ImportNotice[] = [];
      const written: UpsertOutcome = { created: [], updated: [], unchanged: [] };
      // File by file, so that an entry restating what an earlier file of the same import recorded is held
      // to the same rules as one restating what was on record before.
      for (const [file, fileEntries] of byFile) {
        const recorded = await tx.credentials.identitiesOf([...new Set(fileEntries.map(({ upsert }) => upsert.id))], at);
        const restated = restateEntries(fileEntries, recorded);
        notices.push(...restated.notices);
        const outcome = await tx.credentials.upsert(restated.upserts, at);
        written.created.push(...outcome.created);
        written.updated.push(...outcome.updated);
        written.unchanged.push(...outcome.unchanged);
        files.push({
          file, credentials: fileEntries.length, created: outcome.created.length, updated: outcome.updated.length, unchanged: outcome.unchanged.length,
          skipped: restated.skipped, heldBack: restated.heldBack, unclassified: restated.unclassified,
        });
      }
      const totals = summariseImport(files, notices);
      await tx.audit.append({
        at: now, actor, action: 'credentials.import', target: 'inventory',
        ...(requestId === undefined ? {} : { requestId }),
        details: importAuditDetails({ files: files.map((entry) => entry.file), credentials: entries.length, defaults, written, notices }),
      });
      return totals;
    });
    await refreshStatisticsIfStale(summary.created);
    return summary;
  };

  return {
    /** Parses each file and imports all of them, or nothing if any file is corrupt. */
    async importFiles(files: readonly { name: string; bytes: Uint8Array }[], defaults: ImportDefaults, actor: string, requestId?: string): Promise<ImportSummary> {
      const entries: ImportedEntry[] = [];
      const failures: string[] = [];
      for (const file of files) {
        const parsed = parseTrustMaterial(file);
        if (!parsed.ok) failures.push(formatParseFailure(parsed.error));
        else entries.push(...parsed.credentials.map((credential) => ({ file: file.name, entry: credential.entry, facts: credential.facts })));
      }
      if (failures.length > 0) {
        throw new TrustplaneError('IMPORT_INVALID', `${failures.length} of ${files.length} file${files.length === 1 ? '' : 's'} could not be read; nothing was imported`, failures);
      }
      return importEntries(entries, defaults, actor, requestId);
    },

    /** Imports facts the client already parsed (the CLI sends large imports in batches this way). */
    importEntries,

    async list(input: CredentialListInput): Promise<CredentialPage> {
      const now = clock.now();
      let classIds: string[] | undefined = input.classId === undefined ? undefined : [input.classId];
      if (input.owner !== undefined) {
        const classes = (await governance.current())?.governance.classes ?? [];
        const owned = classes.filter((entry) => entry.businessOwner === input.owner || entry.technicalOwner === input.owner).map((entry) => entry.id);
        classIds = classIds === undefined ? owned : classIds.filter((id) => owned.includes(id));
      }
      let expiringBefore: string | undefined;
      if (input.expiringWithin !== undefined) {
        const within = parseDuration(input.expiringWithin);
        if (!within.ok) throw new TrustplaneError('VALIDATION_FAILED', `expiringWithin: ${within.message}`);
        if (within.ms > maxExpiringWithinMs) throw new TrustplaneError('VALIDATION_FAILED', 'expiringWithin: at most 100 years (5200w)');
        expiringBefore = new Date(now.getTime() + within.ms).toISOString();
      }
      const filter = {
        now: now.toISOString(),
        ...(classIds === undefined ? {} : { classIds }),
        ...(input.unclassified === true ? { unclassified: true } : {}),
        ...(input.kind === undefined ? {} : { kind: input.kind }),
        ...(input.sourceId === undefined ? {} : { sourceId: input.sourceId }),
        ...(input.workloadId === undefined ? {} : { workloadId: input.workloadId }),
        ...(input.status === undefined ? {} : { status: input.status }),
        ...(expiringBefore === undefined ? {} : { expiringBefore }),
        ...(input.text === undefined ? {} : { text: input.text }),
      } satisfies CredentialFilter;
      return unitOfWork(async (tx) => {
        const items = await tx.credentials.list({
          ...filter, sort: input.sort, descending: input.descending, limit: input.pageSize, offset: (input.page - 1) * input.pageSize,
        });
        const offset = (input.page - 1) * input.pageSize;
        // A short page needs no count: the total is what came before it plus what is on it.
        const total = items.length < input.pageSize && (items.length > 0 || offset === 0)
          ? offset + items.length
          : await tx.credentials.count(filter, countCap + 1);
        return { items, page: input.page, pageSize: input.pageSize, total: Math.min(total, countCap), totalIsExact: total <= countCap };
      });
    },

    async show(id: string): Promise<{ credential: CredentialRecord; lineage: { supersedes: CredentialRecord | null; supersededBy: CredentialRecord | null } }> {
      const now = clock.now().toISOString();
      return unitOfWork(async (tx) => {
        const fingerprint = /^[0-9a-f]{64}$/i.test(id) ? id.toLowerCase() : null;
        const found = await tx.credentials.findById(fingerprint === null ? id : credentialIdFor(fingerprint), now);
        const credential = fingerprint === null || found?.fingerprint === fingerprint ? found : null;
        if (credential === null) throw new TrustplaneError('NOT_FOUND', `credential "${id.slice(0, 80)}" does not exist; \`trustplane credentials list\` shows the ids`);
        const supersedes = credential.supersedes === null ? null : await tx.credentials.findById(credential.supersedes, now);
        const supersededBy = credential.supersededBy === null ? null : await tx.credentials.findById(credential.supersededBy, now);
        return { credential, lineage: { supersedes, supersededBy } };
      });
    },

    countByClassAndStatus: (classId?: string) => unitOfWork((tx) => tx.credentials.countByClassAndStatus(clock.now().toISOString(), classId)),
  };
};

export type InventoryService = ReturnType<typeof createInventoryService>;
