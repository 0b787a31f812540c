// The credential inventory. A credential's id follows from its fingerprint (core/inventory/credential-id.ts):
// an upsert of a known fingerprint updates the row and never adds a second one.
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import type { DatabaseCapabilities } from '../db/capabilities.ts';
import type { CredentialTable, DatabaseSchema } from '../db/schema.ts';
import { branchesOf, filterOf, maxMergedWindow, mergeableSorts, sortColumns } from './credential-query.ts';
import type { CredentialFilter, CredentialQuery } from './credential-query.ts';
import { changesBetween, effectiveStatus, mergeWithRecorded, toRecord, toRow } from './credential-rows.ts';
import type { CredentialRecord, CredentialUpdate, CredentialUpsert } from './credential-rows.ts';

/** What an import reads of a known credential before it restates it. */
export type RecordedCredentialIdentity = { fingerprint: string; kind: string; name: string; classId: string | null; status: string; statusInEffect: string; sourceId: string | null };

export type UpsertOutcome = { created: string[]; updated: CredentialUpdate[]; unchanged: string[] };

/** What class match rules read of an unclassified credential. */
export type UnclassifiedCredential = { id: string; kind: string; name: string; subject: string | null; issuer: string | null; sans: string[]; sourceId: string | null };

export const createCredentialStore = (trx: Transaction<DatabaseSchema>, { maxBindParameters, isUniqueViolation }: Pick<DatabaseCapabilities, 'maxBindParameters' | 'isUniqueViolation'>) => {
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

  const columnsPerRow = 29;
  const batchSize = Math.max(1, Math.min(1000, Math.floor(maxBindParameters / columnsPerRow) - 1));

  /** Links credentials to their workloads; `replaced` are known ones whose links are stated anew. */
  const linkWorkloads = async (credentials: readonly CredentialUpsert[], replaced: readonly string[]): Promise<void> => {
    const withWorkloads = credentials.filter((c) => c.workloads !== null);
    if (withWorkloads.length === 0) return;
    if (replaced.length > 0) await trx.deleteFrom('credential_workloads').where('credential_id', 'in', [...replaced]).execute();
    const links = withWorkloads.flatMap((c) => [...new Set(c.workloads)].map((workloadId) => ({ credential_id: c.id, workload_id: workloadId })));
    for (let linkStart = 0; linkStart < links.length; linkStart += 5000) {
      await trx.insertInto('credential_workloads').values(links.slice(linkStart, linkStart + 5000)).execute();
    }
  };

  return {
    /**
     * The identity and trust state of the credentials on record among `ids` (status as stored and as in
     * effect at `now`), for an import to check what it restates before it writes.
     */
    async identitiesOf(ids: readonly string[], now: string): Promise<Map<string, RecordedCredentialIdentity>> {
      const found = new Map<string, RecordedCredentialIdentity>();
      for (let start = 0; start < ids.length; start += batchSize) {
        const rows = await trx.selectFrom('credentials').select(['id', 'fingerprint', 'kind', 'name', 'class_id', 'status', 'not_after', 'source_id'])
          .where('id', 'in', ids.slice(start, start + batchSize)).execute();
        for (const row of rows) {
          found.set(row.id, {
            fingerprint: row.fingerprint, kind: row.kind, name: row.name, classId: row.class_id, status: row.status, statusInEffect: effectiveStatus(row.status, row.not_after, now), sourceId: row.source_id,
          });
        }
      }
      return found;
    },

    /**
     * Inserts new credentials and updates known ones (by fingerprint, see mergeWithRecorded); returns the
     * ids created, the known ones whose recorded facts changed (with each change), and those left as they were.
     */
    async upsert(credentials: readonly CredentialUpsert[], now: string): Promise<UpsertOutcome> {
      const outcome: UpsertOutcome = { created: [], updated: [], unchanged: [] };
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
        const relinked = batch.filter((c) => c.workloads !== null && recorded.has(c.id)).map((c) => c.id);
        const linkedBefore = await workloadsOf(relinked);
        const rows = batch.map((c) => {
          const known = recorded.get(c.id);
          if (known === undefined) {
            outcome.created.push(c.id);
            return toRow(c, now);
          }
          const merged = mergeWithRecorded(c, known);
          const row = toRow(merged, now);
          const changes = changesBetween(known, row, linkedBefore.get(c.id) ?? [], merged.workloads);
          if (Object.keys(changes).length === 0) outcome.unchanged.push(c.id);
          else outcome.updated.push({ id: c.id, changes });
          return row;
        });
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
        await linkWorkloads(batch, relinked);
      }
      return outcome;
    },

    /**
     * Records credentials that cannot be on record yet, because the change that made them has just made
     * them (a certificate the CA has just signed): inserted as they are, without first looking for them as
     * an upsert does. One that is on record after all fails the statement (a unique violation), and the
     * unit of work with it: nothing is merged.
     */
    async insertNew(credentials: readonly CredentialUpsert[], now: string): Promise<void> {
      for (let start = 0; start < credentials.length; start += batchSize) {
        const batch = credentials.slice(start, start + batchSize);
        try {
          await trx.insertInto('credentials').values(batch.map((c) => toRow(c, now))).execute();
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // Made just now, so none should be on record: say which were being added, not "try it again".
          const named = batch.slice(0, 3).map((c) => `${c.id} (fingerprint ${c.fingerprint})`).join(', ');
          throw new TrustplaneError('CONFLICT', `a credential made just now is already in the inventory, or was made twice: one of ${named}${batch.length > 3 ? ` and ${batch.length - 3} more` : ''}`, [], { cause: error });
        }
      }
      await linkWorkloads(credentials, []);
    },

    /**
     * The credentials without a class, of the kinds given, among the next `window` credentials after
     * `afterId` in id order, with the facts class match rules read; `next` is where the following window
     * starts, or null after the last. The window walks the primary key, so a whole inventory is read once:
     * filtered on `class_id` instead, both databases would use the class index and sort every remaining
     * unclassified credential for each page.
     */
    async unclassifiedPage(afterId: string, kinds: readonly string[], window: number): Promise<{ credentials: UnclassifiedCredential[]; next: string | null }> {
      const rows = await trx.selectFrom('credentials').select(['id', 'class_id', 'kind']).where('id', '>', afterId).orderBy('id').limit(window).execute();
      const next = rows.length < window ? null : rows.at(-1)?.id ?? null;
      const wanted = rows.filter((row) => row.class_id === null && kinds.includes(row.kind)).map((row) => row.id);
      const credentials: UnclassifiedCredential[] = [];
      const chunk = Math.min(5000, maxBindParameters);
      for (let start = 0; start < wanted.length; start += chunk) {
        const facts = await trx.selectFrom('credentials').select(['id', 'kind', 'name', 'subject', 'issuer', 'sans', 'source_id'])
          .where('id', 'in', wanted.slice(start, start + chunk)).where('class_id', 'is', null).orderBy('id').execute();
        credentials.push(...facts.map((row) => ({ id: row.id, kind: row.kind, name: row.name, subject: row.subject, issuer: row.issuer, sans: JSON.parse(row.sans) as string[], sourceId: row.source_id })));
      }
      return { credentials, next };
    },

    /** Puts credentials that have no class into `classId`; one that has a class by now keeps it. Returns how many moved. */
    async classify(ids: readonly string[], classId: string, now: string): Promise<number> {
      let moved = 0;
      const chunk = Math.min(5000, maxBindParameters - 2);
      for (let start = 0; start < ids.length; start += chunk) {
        const result = await trx.updateTable('credentials').set({ class_id: classId, updated_at: now })
          .where('class_id', 'is', null).where('id', 'in', ids.slice(start, start + chunk)).executeTakeFirst();
        moved += Number(result.numUpdatedRows);
      }
      return moved;
    },

    /** Sets the stored status of credentials, as an executed change does (revoked, retired, superseded). */
    async setStatus(ids: readonly string[], status: string, now: string): Promise<void> {
      if (ids.length === 0) return;
      await trx.updateTable('credentials').set({ status, updated_at: now }).where('id', 'in', [...ids]).execute();
    },

    /** Records that `next` replaces `previous` (renew, rotate) and marks `previous` superseded. */
    async supersede(previous: string, next: string, now: string): Promise<void> {
      await trx.updateTable('credentials').set({ status: 'superseded', superseded_by: next, updated_at: now }).where('id', '=', previous).execute();
      await trx.updateTable('credentials').set({ supersedes: previous, last_rotated_at: now, updated_at: now }).where('id', '=', next).execute();
    },

    async findById(id: string, now: string): Promise<CredentialRecord | null> {
      const row = await trx.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      const workloads = await workloadsOf([row.id]);
      return toRecord(row, workloads.get(row.id) ?? [], now);
    },

    /** What names each credential (name, kind, class, serial), a thousand ids per statement; unknown ids are left out. */
    async names(ids: readonly string[]): Promise<{ id: string; name: string; kind: string; classId: string | null; serial: string | null }[]> {
      const named: { id: string; name: string; kind: string; classId: string | null; serial: string | null }[] = [];
      for (let start = 0; start < ids.length; start += 1000) {
        const rows = await trx.selectFrom('credentials').select(['id', 'name', 'kind', 'class_id', 'serial']).where('id', 'in', ids.slice(start, start + 1000)).execute();
        named.push(...rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, classId: row.class_id, serial: row.serial })));
      }
      return named;
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

    /** Counts per class (or for one class) and effective status; unclassified as class null. */
    async countByClassAndStatus(now: string, classId?: string): Promise<{ classId: string | null; status: string; count: number }[]> {
      const effective = sql<string>`case when status = 'active' and expiry_order < ${now} then 'expired' else status end`;
      let credentials = trx.selectFrom('credentials').select(['class_id', effective.as('effective_status')]);
      if (classId !== undefined) credentials = credentials.where('class_id', '=', classId);
      // Grouped over a derived table: PostgreSQL will not match a parameterised expression in GROUP BY.
      const rows = await trx.selectFrom(credentials.as('c'))
        .select(['c.class_id', 'c.effective_status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy(['c.class_id', 'c.effective_status'])
        .execute();
      return rows.map((row) => ({ classId: row.class_id, status: row.effective_status, count: Number(row.n) }));
    },
  };
};

export type CredentialStore = ReturnType<typeof createCredentialStore>;
