// The credential inventory: import trust material (files parsed here, or facts parsed by the CLI),
// classify it, and answer list/show queries. A bad input is refused whole, before the transaction.
import { TrustplaneError } from '../../core/errors.ts';
import { parseDuration } from '../../core/duration.ts';
import { classifyCredential } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { formatParseFailure, parseTrustMaterial } from '../../core/inventory/index.ts';
import { checkImportReferences } from '../../core/inventory/import-references.ts';
import type { ImportDefaults, ImportedEntry } from '../../core/inventory/import-references.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { CredentialQuery, CredentialRecord, CredentialSortKey, CredentialUpsert } from '../stores/credential-store.ts';
import type { Clock } from '../platform.ts';
import type { GovernanceService } from './governance-service.ts';

export type InventoryServiceDeps = { unitOfWork: UnitOfWork; clock: Clock; governance: Pick<GovernanceService, 'current'> };

export type FileImportSummary = { file: string; credentials: number; created: number; updated: number; unclassified: number };
export type ImportSummary = { files: FileImportSummary[]; created: number; updated: number; unclassified: number };

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

export type CredentialPage = { items: CredentialRecord[]; page: number; pageSize: number; total: number };

/** The id of a credential follows from its fingerprint, so a re-import finds the same credential. */
export const credentialIdFor = (fingerprint: string): string => `cr_${fingerprint.slice(0, 20)}`;

const toUpsert = (entry: ImportedEntry, defaults: ImportDefaults, governance: Governance | null): CredentialUpsert => {
  const { facts } = entry;
  const sourceId = facts.source ?? defaults.sourceId ?? null;
  const classId = facts.classId ?? defaults.classId
    ?? classifyCredential(governance?.classes ?? [], { ...facts, ...(sourceId === null ? {} : { source: sourceId }) });
  const workloads = facts.workloads ?? defaults.workloads;
  return {
    id: credentialIdFor(facts.fingerprint),
    fingerprint: facts.fingerprint,
    kind: facts.kind,
    name: facts.name,
    classId: classId ?? null,
    sourceId,
    status: facts.status ?? null,
    subject: facts.subject ?? null,
    issuer: facts.issuer ?? null,
    serial: facts.serial ?? null,
    sans: facts.sans ?? [],
    notBefore: facts.notBefore?.toISOString() ?? null,
    notAfter: facts.notAfter?.toISOString() ?? null,
    keyAlgorithm: facts.keyAlgorithm ?? null,
    keySize: facts.keySize ?? null,
    isCa: facts.isCa ?? false,
    signatureAlgorithm: facts.signatureAlgorithm ?? null,
    externalId: facts.externalId ?? null,
    storageLocation: facts.storageLocation ?? defaults.storageLocation ?? null,
    managedStorage: facts.managedStorage ?? defaults.managedStorage ?? null,
    exposedTo: facts.exposedTo ?? [],
    lastRotatedAt: facts.lastRotatedAt?.toISOString() ?? null,
    importedFrom: entry.file,
    workloads: workloads ?? null,
  };
};

export const createInventoryService = ({ unitOfWork, clock, governance }: InventoryServiceDeps) => {
  const importEntries = async (entries: readonly ImportedEntry[], defaults: ImportDefaults, actor: string, requestId?: string): Promise<ImportSummary> => {
    const current = (await governance.current())?.governance ?? null;
    const problems = checkImportReferences(entries, defaults, current);
    if (problems.length > 0) {
      throw new TrustplaneError('IMPORT_INVALID', `the import refers to what governance does not declare (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was imported`, problems);
    }
    const upserts = entries.map((entry) => toUpsert(entry, defaults, current));
    const now = clock.now();
    const byFile = new Map<string, ImportedEntry[]>();
    for (const entry of entries) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry]);
    return unitOfWork(async (tx) => {
      const files: FileImportSummary[] = [];
      let offset = 0;
      for (const [file, fileEntries] of byFile) {
        const fileUpserts = upserts.filter((upsert) => upsert.importedFrom === file);
        const { created, updated } = await tx.credentials.upsert(fileUpserts, now.toISOString());
        files.push({ file, credentials: fileEntries.length, created, updated, unclassified: fileUpserts.filter((upsert) => upsert.classId === null).length });
        offset += fileEntries.length;
      }
      const summary = {
        files,
        created: files.reduce((sum, file) => sum + file.created, 0),
        updated: files.reduce((sum, file) => sum + file.updated, 0),
        unclassified: files.reduce((sum, file) => sum + file.unclassified, 0),
      };
      await tx.audit.append({
        at: now, actor, action: 'credentials.import', target: 'inventory',
        ...(requestId === undefined ? {} : { requestId }),
        details: { files: files.map((file) => file.file), credentials: offset, created: summary.created, updated: summary.updated, defaults },
      });
      return summary;
    });
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
      } satisfies Omit<CredentialQuery, 'sort' | 'descending' | 'limit' | 'offset'>;
      return unitOfWork(async (tx) => {
        const items = await tx.credentials.list({
          ...filter, sort: input.sort, descending: input.descending, limit: input.pageSize, offset: (input.page - 1) * input.pageSize,
        });
        const total = await tx.credentials.count(filter);
        return { items, page: input.page, pageSize: input.pageSize, total };
      });
    },

    async show(id: string): Promise<{ credential: CredentialRecord; lineage: { supersedes: CredentialRecord | null; supersededBy: CredentialRecord | null } }> {
      const now = clock.now().toISOString();
      return unitOfWork(async (tx) => {
        const credential = await tx.credentials.findById(id, now) ?? await tx.credentials.findByFingerprint(id.toLowerCase(), now);
        if (credential === null) throw new TrustplaneError('NOT_FOUND', `credential "${id.slice(0, 80)}" does not exist; \`trustplane credentials list\` shows the ids`);
        const supersedes = credential.supersedes === null ? null : await tx.credentials.findById(credential.supersedes, now);
        const supersededBy = credential.supersededBy === null ? null : await tx.credentials.findById(credential.supersededBy, now);
        return { credential, lineage: { supersedes, supersededBy } };
      });
    },

    countByClassAndStatus: () => unitOfWork((tx) => tx.credentials.countByClassAndStatus(clock.now().toISOString())),
  };
};

export type InventoryService = ReturnType<typeof createInventoryService>;
