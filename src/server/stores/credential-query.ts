// Listing credentials: the filters, their SQL, and the unions that are read part by part (see
// mergedRows in credential-store.ts).
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { CredentialTable, DatabaseSchema } from '../db/schema.ts';

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


export const maxMergedWindow = 10_000;

export const mergeableSorts: ReadonlySet<CredentialSortKey> = new Set(['notAfter', 'createdAt', 'kind', 'status']);

export type CredentialFilter = Omit<CredentialQuery, 'sort' | 'descending' | 'limit' | 'offset'>;

/** The disjoint parts of a filter's union (see mergedRows); one part when the filter is no union. */
export const branchesOf = <Q extends CredentialFilter>(query: Q): Q[] => {
  const classSets = query.classIds !== undefined && query.classIds.length > 1 ? query.classIds.map((id) => [id]) : [query.classIds];
  const expiredParts = query.status === 'expired' && query.expiredPart === undefined ? (['stored', 'lapsed'] as const) : [query.expiredPart];
  return classSets.flatMap((classIds) => expiredParts.map((expiredPart) => ({
    ...query,
    ...(classIds === undefined ? {} : { classIds }),
    ...(expiredPart === undefined ? {} : { expiredPart }),
  })));
};

export const sortColumns = {
  name: 'name',
  notAfter: 'expiry_order',
  createdAt: 'created_at',
  kind: 'kind',
  status: 'status',
} as const satisfies Record<CredentialSortKey, keyof CredentialTable>;

/** Escapes LIKE wildcards so user text matches literally (with `escape '\'`). */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export const filterOf = (query: CredentialFilter) =>
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
