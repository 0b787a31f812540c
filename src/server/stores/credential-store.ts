// The credential inventory. A credential's id follows from its fingerprint (core/inventory/credential-id.ts):
// an upsert of a known fingerprint updates the row and never adds a second one.
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool, Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import type { CredentialTable, DatabaseSchema } from '../db/schema.ts';

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
 * A credential as an import states it. Every null means "not stated": a new credential gets the default
 * (status `active`, no SANs, not a CA) and a known one keeps what is recorded. The kind of a known
 * credential never changes. Its class is, in order: the one the import states (`classId`), the one
 * recorded, the one the class match rules chose (`classifiedAs`).
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

export const credentialSortKeys = ['name', 'notAfter', 'createdAt', 'kind', 'status'] as const;
export type CredentialSortKey = (typeof credentialSortKeys)[number];

export type CredentialQuery = {
  now: string;
  classIds?: readonly string[];
  unclassified?: boolean;
  kind?: string;
  sourceId?: string;
  workloadId?: string;
  status?: string;
  /** Active credentials whose not-after falls in [now, expiringBefore]. */
  expiringBefore?: string;
  text?: string;
  /** Internal: one part of the effective-expiry union (see branchesOf). */
  expiredPart?: 'stored' | 'lapsed';
  sort: CredentialSortKey;
  descending: boolean;
  limit: number;
  offset: number;
};

/** Sorts after every real date (RFC 5280 §4.1.2.5: 99991231235959Z means "no expiry"). */
export const neverExpires = '9999-12-31T23:59:59.999Z~';

const maxMergedWindow = 10_000;

const mergeableSorts: ReadonlySet<CredentialSortKey> = new Set(['notAfter', 'createdAt', 'kind', 'status']);

export type CredentialFilter = Omit<CredentialQuery, 'sort' | 'descending' | 'limit' | 'offset'>;

/** The disjoint parts of a filter's union (see mergedRows); one part when the filter is no union. */
const branchesOf = <Q extends CredentialFilter>(query: Q): Q[] => {
  const classSets = query.classIds !== undefined && query.classIds.length > 1 ? query.classIds.map((id) => [id]) : [query.classIds];
  const expiredParts = query.status === 'expired' && query.expiredPart === undefined ? (['stored', 'lapsed'] as const) : [query.expiredPart];
  return classSets.flatMap((classIds) => expiredParts.map((expiredPart) => ({
    ...query,
    ...(classIds === undefined ? {} : { classIds }),
    ...(expiredPart === undefined ? {} : { expiredPart }),
  })));
};

const sortColumns = {
  name: 'name',
  notAfter: 'expiry_order',
  createdAt: 'created_at',
  kind: 'kind',
  status: 'status',
} as const satisfies Record<CredentialSortKey, keyof CredentialTable>;

const searchTextOf = (credential: CredentialUpsert): string =>
  [credential.name, credential.subject, credential.issuer, credential.serial, credential.externalId, credential.fingerprint, ...credential.sans ?? []]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
    .toLowerCase();

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);


/** What a known credential becomes when an import restates it (see CredentialUpsert). */
const mergeWithRecorded = (incoming: CredentialUpsert, recorded: CredentialTable): CredentialUpsert => ({
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

const toRow = (credential: CredentialUpsert, now: string): CredentialTable => ({
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

const effectiveStatus = (status: string, notAfter: string | null, now: string): string =>
  status === 'active' && notAfter !== null && notAfter < now ? 'expired' : status;

const toRecord = (row: CredentialTable, workloads: string[], now: string): CredentialRecord => ({
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

/** Escapes LIKE wildcards so user text matches literally (with `escape '\'`). */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

const filterOf = (query: CredentialFilter) =>
  (eb: ExpressionBuilder<DatabaseSchema, 'credentials'>): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    if (query.classIds !== undefined) {
      conditions.push(query.classIds.length === 0 ? sql<boolean>`1 = 0` : eb('class_id', 'in', [...query.classIds]));
    }
    if (query.unclassified === true) conditions.push(eb('class_id', 'is', null));
    if (query.kind !== undefined) conditions.push(eb('kind', '=', query.kind));
    if (query.sourceId !== undefined) conditions.push(eb('source_id', '=', query.sourceId));
    if (query.workloadId !== undefined) {
      const workloadId = query.workloadId;
      conditions.push(eb.exists(eb.selectFrom('credential_workloads as cw')
        .select('cw.workload_id')
        .whereRef('cw.credential_id', '=', 'credentials.id')
        .where('cw.workload_id', '=', workloadId)));
    }
    if (query.status === 'expired') {
      const stored = eb('status', '=', 'expired');
      const lapsed = eb.and([eb('status', '=', 'active'), eb('expiry_order', '<', query.now)]);
      conditions.push(query.expiredPart === 'stored' ? stored : query.expiredPart === 'lapsed' ? lapsed : eb.or([stored, lapsed]));
    } else if (query.status === 'active') {
      conditions.push(eb('status', '=', 'active'), eb('expiry_order', '>=', query.now));
    } else if (query.status !== undefined) {
      conditions.push(eb('status', '=', query.status));
    }
    if (query.expiringBefore !== undefined) {
      conditions.push(eb('status', '=', 'active'), eb('expiry_order', '>=', query.now), eb('expiry_order', '<=', query.expiringBefore));
    }
    if (query.text !== undefined && query.text !== '') {
      conditions.push(sql<boolean>`${sql.ref('search_text')} like ${`%${likeLiteral(query.text.toLowerCase())}%`} escape '\\'`);
    }
    return eb.and(conditions);
  };

export const createCredentialStore = (trx: Transaction<DatabaseSchema>, maxBindParameters: number) => {
  const workloadsOf = async (ids: readonly string[]): Promise<Map<string, string[]>> => {
    const byCredential = new Map<string, string[]>();
    if (ids.length === 0) return byCredential;
    const links = await trx.selectFrom('credential_workloads').selectAll()
      .where('credential_id', 'in', [...ids]).orderBy('workload_id').execute();
    for (const link of links) {
      const list = byCredential.get(link.credential_id) ?? [];
      list.push(link.workload_id);
      byCredential.set(link.credential_id, list);
    }
    return byCredential;
  };

  const selectRows = (query: CredentialQuery): Promise<CredentialTable[]> => {
    const direction = query.descending ? 'desc' : 'asc';
    return trx.selectFrom('credentials').selectAll()
      .where(filterOf(query))
      .orderBy(sortColumns[query.sort], direction)
      .orderBy('id', direction)
      .limit(query.limit)
      .offset(query.offset)
      .execute();
  };

  // Some filters are unions that neither database reads in order: several classes (an owner's), whose
  // `class_id IN (…)` makes both sort every match, and effective expiry ("stored as expired, or active and
  // past not-after"), an OR that SQLite answers by sorting too. Each part of the union reads its own index
  // in order and the pages are merged here. Only for sort keys whose order is the same in JavaScript and
  // in the databases' collations (ASCII digits, lowercase words and hex).
  const mergedRows = async (query: CredentialQuery, branches: readonly CredentialQuery[]): Promise<CredentialTable[]> => {
    const window = { offset: 0, limit: query.offset + query.limit };
    const rows: CredentialTable[] = [];
    for (const branch of branches) rows.push(...await selectRows({ ...branch, ...window }));
    const column = sortColumns[query.sort];
    const sign = query.descending ? -1 : 1;
    const compare = (a: string | number | null, b: string | number | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
    rows.sort((a, b) => sign * (compare(a[column], b[column]) || compare(a.id, b.id)));
    return rows.slice(query.offset, query.offset + query.limit);
  };

  /** Counts matches, stopping at `cap`: the answer is exact when it is below the cap. */
  const count = async (query: CredentialFilter, cap: number): Promise<number> => {
    const branches = branchesOf(query);
    if (branches.length > 1) {
      let total = 0;
      for (const branch of branches) {
        if (total >= cap) break;
        total += await count(branch, cap - total);
      }
      return total;
    }
    const matches = trx.selectFrom('credentials').select(sql<number>`1`.as('one')).where(filterOf(query)).limit(cap);
    const row = await trx.selectFrom(matches.as('m')).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  };

  return {
    /** Inserts new credentials and updates known ones (by fingerprint); returns how many of each. */
    async upsert(credentials: readonly CredentialUpsert[], now: string): Promise<{ created: number; updated: number }> {
      let created = 0;
      let updated = 0;
      const columnsPerRow = 29;
      const batchSize = Math.max(1, Math.min(1000, Math.floor(maxBindParameters / columnsPerRow) - 1));
      for (let start = 0; start < credentials.length; start += batchSize) {
        // Inputs repeat a fingerprint at times (a bundle listing a certificate twice): the last wins.
        const byId = new Map(credentials.slice(start, start + batchSize).map((c) => [c.id, c]));
        const batch = [...byId.values()];
        const existing = await trx.selectFrom('credentials').selectAll()
          .where('id', 'in', batch.map((c) => c.id)).execute();
        const recorded = new Map(existing.map((row) => [row.id, row]));
        for (const row of existing) {
          const incoming = byId.get(row.id);
          if (incoming !== undefined && incoming.fingerprint !== row.fingerprint) {
            throw new TrustplaneError('CONFLICT', `fingerprint ${incoming.fingerprint} shares its id ${row.id} with credential ${row.fingerprint}; nothing was imported`);
          }
        }
        updated += recorded.size;
        created += batch.length - recorded.size;
        const rows = batch.map((c) => {
          const known = recorded.get(c.id);
          return toRow(known === undefined ? c : mergeWithRecorded(c, known), now);
        });
        // Every column of a known row was merged above, so the conflict takes the new row whole, but for
        // when it was first recorded.
        await trx.insertInto('credentials').values(rows)
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            name: eb.ref('excluded.name'),
            class_id: eb.ref('excluded.class_id'),
            source_id: eb.ref('excluded.source_id'),
            status: eb.ref('excluded.status'),
            subject: eb.ref('excluded.subject'),
            issuer: eb.ref('excluded.issuer'),
            serial: eb.ref('excluded.serial'),
            sans: eb.ref('excluded.sans'),
            not_before: eb.ref('excluded.not_before'),
            not_after: eb.ref('excluded.not_after'),
            expiry_order: eb.ref('excluded.expiry_order'),
            key_algorithm: eb.ref('excluded.key_algorithm'),
            key_size: eb.ref('excluded.key_size'),
            is_ca: eb.ref('excluded.is_ca'),
            signature_algorithm: eb.ref('excluded.signature_algorithm'),
            external_id: eb.ref('excluded.external_id'),
            storage_location: eb.ref('excluded.storage_location'),
            managed_storage: eb.ref('excluded.managed_storage'),
            exposed_to: eb.ref('excluded.exposed_to'),
            last_rotated_at: eb.ref('excluded.last_rotated_at'),
            search_text: eb.ref('excluded.search_text'),
            imported_from: eb.ref('excluded.imported_from'),
            updated_at: eb.ref('excluded.updated_at'),
          })))
          .execute();
        const withWorkloads = batch.filter((c) => c.workloads !== null);
        if (withWorkloads.length > 0) {
          const replaced = withWorkloads.filter((c) => recorded.has(c.id)).map((c) => c.id);
          if (replaced.length > 0) await trx.deleteFrom('credential_workloads').where('credential_id', 'in', replaced).execute();
          const links = withWorkloads.flatMap((c) => [...new Set(c.workloads)].map((workloadId) => ({ credential_id: c.id, workload_id: workloadId })));
          for (let linkStart = 0; linkStart < links.length; linkStart += 5000) {
            await trx.insertInto('credential_workloads').values(links.slice(linkStart, linkStart + 5000)).execute();
          }
        }
      }
      return { created, updated };
    },

    async findById(id: string, now: string): Promise<CredentialRecord | null> {
      const row = await trx.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      const workloads = await workloadsOf([row.id]);
      return toRecord(row, workloads.get(row.id) ?? [], now);
    },

    async list(query: CredentialQuery): Promise<CredentialRecord[]> {
      const branches = branchesOf(query);
      // Merging reads offset + limit rows from every part, so deep pages are left to the database's sort.
      const merge = branches.length > 1 && mergeableSorts.has(query.sort) && query.offset + query.limit <= maxMergedWindow;
      const rows = merge ? await mergedRows(query, branches) : await selectRows(query);
      const workloads = await workloadsOf(rows.map((row) => row.id));
      return rows.map((row) => toRecord(row, workloads.get(row.id) ?? [], query.now));
    },

    count,

    /** How many credentials a class holds, of any kind or of the kinds given. */
    async countInClass(classId: string, kinds?: readonly string[]): Promise<number> {
      let query = trx.selectFrom('credentials').select((eb) => eb.fn.countAll<number | string>().as('n')).where('class_id', '=', classId);
      if (kinds !== undefined) query = query.where('kind', 'in', kinds.length === 0 ? [''] : [...kinds]);
      return Number((await query.executeTakeFirstOrThrow()).n);
    },

    /** Refreshes the planner's statistics after large imports (same statement on both databases). */
    async refreshStatistics(): Promise<void> {
      await sql`analyze credentials`.execute(trx);
      await sql`analyze credential_workloads`.execute(trx);
    },

    /** Counts per class and effective status (unclassified as class null). */
    async countByClassAndStatus(now: string): Promise<{ classId: string | null; status: string; count: number }[]> {
      const effective = sql<string>`case when status = 'active' and expiry_order < ${now} then 'expired' else status end`;
      // Grouped over a derived table: PostgreSQL will not match a parameterised expression in GROUP BY.
      const rows = await trx.selectFrom(
        trx.selectFrom('credentials').select(['class_id', effective.as('effective_status')]).as('c'),
      )
        .select(['c.class_id', 'c.effective_status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy(['c.class_id', 'c.effective_status'])
        .execute();
      return rows.map((row) => ({ classId: row.class_id, status: row.effective_status, count: Number(row.n) }));
    },
  };
};

export type CredentialStore = ReturnType<typeof createCredentialStore>;
