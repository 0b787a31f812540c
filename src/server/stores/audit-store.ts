// Appends audit events in the caller's transaction: if the append fails, so does the change. Each event
// becomes a leaf of the audit log's Merkle tree (src/core/audit): the append locks the log's state row
// (an UPDATE, which serializes appenders on PostgreSQL as SQLite's single writer does), numbers the
// leaves after the last, stores each event with its leaf hash, and keeps every node the leaves complete
// (the leaves themselves included) in a narrow node table. Roots and proofs read O(log n) of those rows.
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import { entryJson, entryLeafHash } from '../../core/audit/audit-entry.ts';
import type { AuditEntry } from '../../core/audit/audit-entry.ts';
import {
  appendLeaves, consistencyProof, consistencyProofNodes, frontierRoot, inclusionProof, inclusionProofNodes, nodeKey, rootHash, rootNodes,
} from '../../core/audit/merkle.ts';
import type { Frontier, Hash, NodeId } from '../../core/audit/merkle.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { DatabaseSchema } from '../db/schema.ts';

/** A text matched literally inside LIKE, with a backslash as the escape. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * Entries about a target, and, for a change or a credential, the attempts refused on it (authz.denied),
 * whose target is the decision's words (`change ID (revoke on CLASS)`, `credential ID`) or, for the
 * system's refused pre-approval, change:ID: a refused step of a change is about each of its credentials,
 * and a refused request names its credentials in its details.
 */
const aboutTarget = (target: string) => (eb: ExpressionBuilder<DatabaseSchema, 'audit_events'>) => {
  const refused = (condition: Expression<SqlBool>) => eb.and([eb('audit_events.action', '=', 'authz.denied'), condition]);
  const wordsOfChange = (changeId: Expression<string>) => {
    const words = sql<string>`'change ' || cast(${changeId} as text) || ' ('`;
    return sql<boolean>`substr(audit_events.target, 1, length(${words})) = ${words}`;
  };
  const change = /^change:(.+)$/.exec(target)?.[1];
  const credential = /^credential:(.+)$/.exec(target)?.[1];
  const about: Expression<SqlBool>[] = [eb('audit_events.target', '=', target)];
  if (change !== undefined) about.push(refused(wordsOfChange(sql.val(change))));
  if (credential !== undefined) {
    const changesOf = eb.selectFrom('change_credentials').where('change_credentials.credential_id', '=', credential);
    about.push(refused(eb.or([
      eb('audit_events.target', '=', `credential ${credential}`),
      eb('audit_events.target', 'in', changesOf.select(sql<string>`'change:' || change_credentials.change_id`.as('ref'))),
      eb.exists(changesOf.select('change_credentials.change_id').where(wordsOfChange(sql.ref('change_credentials.change_id')))),
      sql<boolean>`audit_events.details like cast(${`%${likeLiteral(JSON.stringify(credential))}%`} as text) escape '\\'`,
    ])));
  }
  return eb.or(about);
};

export type AuditEvent = {
  at: Date;
  actor: string;
  action: string;
  target: string;
  requestId?: string;
  governanceVersion?: number;
  /** What changed. Never secret values: callers pass identifiers, counts and hashes only. */
  details: Record<string, unknown>;
};

export type AuditEventRow = AuditEvent & { seq: number; leafIndex: number };

/** A signed checkpoint as kept: the note exactly as signed. */
export type StoredCheckpoint = { size: number; root: Hash; at: string; note: string };

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Hash => Uint8Array.from(Buffer.from(text, 'hex'));

const parseFrontier = (size: number, json: string): Frontier => ({
  size,
  nodes: (JSON.parse(json) as [number, string][]).map(([level, hash]) => ({ level, hash: unhex(hash) })),
});

type AuditEventRecord = Selectable<DatabaseSchema['audit_events']>;

/** The entry an event's columns say: what its leaf must hash. */
const entryOfRow = (row: Pick<AuditEventRecord, 'leaf_index' | 'at' | 'actor' | 'action' | 'target' | 'request_id' | 'governance_version' | 'details'>): AuditEntry => ({
  index: Number(row.leaf_index),
  at: row.at,
  actor: row.actor,
  action: row.action,
  target: row.target,
  requestId: row.request_id,
  governanceVersion: row.governance_version === null ? null : Number(row.governance_version),
  details: JSON.parse(row.details) as Record<string, unknown>,
});

/** Through a unit of work's transaction, or, for proofs (what is stored for a size never changes), through createAuditReader. */
/**
 * Node hashes already read, by node key. A stored node never changes (it is complete before it is
 * stored), so what was read once can be answered again without the database; the upper levels, shared
 * by every proof, stay here. Bounded: emptied when full.
 */
export type NodeCache = Map<string, Hash>;
const maxCachedNodes = 200_000;

/** Reads stored node rows by their (level, index) pairs; when absent, the store's own statement does. */
export type NodeRowsReader = (nodes: readonly NodeId[]) => Promise<{ level: number | string; idx: number | string; hash: string | null }[]>;

export const createAuditStore = (trx: Kysely<DatabaseSchema>, cache: NodeCache | null = null, readNodeRows: NodeRowsReader | null = null) => {
  /** The stored hashes of these nodes, leaves included, in one statement on the narrow node table. */
  const nodeHashes = async (wanted: readonly NodeId[]): Promise<Map<string, Hash>> => {
    const found = new Map<string, Hash>();
    const nodes = wanted.filter((node) => {
      const cached = cache?.get(nodeKey(node));
      if (cached !== undefined) found.set(nodeKey(node), cached);
      return cached === undefined;
    });
    if (nodes.length === 0) return found;
    // (level, idx) IN ((…), …): one row-value list the planner turns into index lookups (SQLite 3.15+, PostgreSQL).
    const rows = readNodeRows !== null ? await readNodeRows(nodes)
      : await trx.selectFrom('audit_tree_nodes').select(['level', 'idx', 'hash']).where(sql<boolean>`(level, idx) in (${sql.join(nodes.map((node) => sql`(${node.level}, ${node.index})`))})`).execute();
    for (const row of rows) {
      if (row.hash === null) continue;
      const key = nodeKey({ level: Number(row.level), index: Number(row.idx) });
      const hash = unhex(row.hash);
      found.set(key, hash);
      if (cache !== null) {
        if (cache.size >= maxCachedNodes) cache.clear();
        cache.set(key, hash);
      }
    }
    const missing = nodes.find((node) => !found.has(nodeKey(node)));
    if (missing !== undefined) throw new TrustplaneError('INTERNAL', `the audit log's node ${nodeKey(missing)} is not stored: the log is damaged; run \`trustplane audit verify\``);
    return found;
  };

  const store = {
    async append(event: AuditEvent): Promise<void> {
      await store.appendAll([event]);
    },

    /** Appends events in order, as consecutive leaves. */
    async appendAll(events: readonly AuditEvent[]): Promise<void> {
      if (events.length === 0) return;
      // Locks the state row until commit: the next appender waits, then reads what this one wrote.
      const state = await trx.updateTable('audit_log_state').set((eb) => ({ size: eb.ref('size') })).where('id', '=', 1)
        .returning(['size', 'frontier']).executeTakeFirst();
      if (state === undefined) throw new TrustplaneError('INTERNAL', 'the audit log has no state row; the database was not migrated');
      const first = Number(state.size);
      const rows = events.map((event, offset) => ({
        leaf_index: first + offset,
        at: event.at.toISOString(),
        actor: event.actor,
        action: event.action,
        target: event.target,
        request_id: event.requestId ?? null,
        governance_version: event.governanceVersion ?? null,
        details: JSON.stringify(event.details),
      }));
      const leafHashes = rows.map((row) => entryLeafHash(entryJson(entryOfRow(row))));
      const { frontier, completed } = appendLeaves(parseFrontier(first, state.frontier), leafHashes);
      for (let start = 0; start < rows.length; start += 500) {
        await trx.insertInto('audit_events').values(rows.slice(start, start + 500).map((row, offset) => ({ ...row, leaf_hash: hex(leafHashes[start + offset] as Hash) }))).execute();
      }
      // Leaves too: proofs then read one narrow table, whose rows stay in the database's cache.
      for (let start = 0; start < completed.length; start += 1000) {
        await trx.insertInto('audit_tree_nodes').values(completed.slice(start, start + 1000).map((node) => ({ level: node.level, idx: node.index, hash: hex(node.hash) }))).execute();
      }
      await trx.updateTable('audit_log_state').set({ size: frontier.size, frontier: JSON.stringify(frontier.nodes.map((node) => [node.level, hex(node.hash)])) })
        .where('id', '=', 1).execute();
    },

    /** The log's size and root now. */
    async head(): Promise<{ size: number; root: Hash }> {
      const state = await trx.selectFrom('audit_log_state').select(['size', 'frontier']).where('id', '=', 1).executeTakeFirst();
      if (state === undefined) throw new TrustplaneError('INTERNAL', 'the audit log has no state row; the database was not migrated');
      const frontier = parseFrontier(Number(state.size), state.frontier);
      return { size: frontier.size, root: frontierRoot(frontier) };
    },

    /** The root of the first `size` entries (RFC 9162 §2.1.1), from stored nodes. */
    async rootAt(size: number): Promise<Hash> {
      return rootHash(size, await nodeHashes(rootNodes(size)));
    },

    /** The inclusion proof of entry `index` in the tree of `size` (RFC 9162 §2.1.3.1). */
    async inclusionProof(index: number, size: number): Promise<Hash[]> {
      return inclusionProof(index, size, await nodeHashes(inclusionProofNodes(index, size)));
    },

    /** The consistency proof from size `first` to `second` (RFC 9162 §2.1.4.1). */
    async consistencyProof(first: number, second: number): Promise<Hash[]> {
      return consistencyProof(first, second, await nodeHashes(consistencyProofNodes(first, second)));
    },

    /** One entry by its leaf index: its canonical JSON, made from its columns, and the leaf hash the log recorded for it. */
    async entryAt(index: number): Promise<{ index: number; entry: string; leafHash: Hash } | null> {
      const row = await trx.selectFrom('audit_events').selectAll().where('leaf_index', '=', index).executeTakeFirst();
      return row === undefined || row.leaf_hash === null ? null : { index, entry: entryJson(entryOfRow(row)), leafHash: unhex(row.leaf_hash) };
    },

    /** These entries, each as entryAt gives it, in leaf order; indexes the log does not hold are left out. */
    async entriesAt(indexes: readonly number[]): Promise<{ index: number; entry: string; leafHash: Hash }[]> {
      const found: { index: number; entry: string; leafHash: Hash }[] = [];
      for (let start = 0; start < indexes.length; start += 500) {
        const rows = await trx.selectFrom('audit_events').selectAll().where('leaf_index', 'in', indexes.slice(start, start + 500)).execute();
        for (const row of rows) if (row.leaf_hash !== null) found.push({ index: Number(row.leaf_index), entry: entryJson(entryOfRow(row)), leafHash: unhex(row.leaf_hash) });
      }
      return found.sort((a, b) => a.index - b.index);
    },

    /** Entries in leaf order from `from`, each as entryAt gives it: what an export holds. */
    async entriesFrom(from: number, limit: number): Promise<{ index: number; entry: string; leafHash: string }[]> {
      const rows = await trx.selectFrom('audit_events').selectAll().where('leaf_index', '>=', from).orderBy('leaf_index').limit(limit).execute();
      return rows.map((row) => ({ index: Number(row.leaf_index), entry: entryJson(entryOfRow(row)), leafHash: row.leaf_hash ?? '' }));
    },

    async list(options: { target?: string; actor?: string; from?: string; to?: string; beforeIndex?: number; limit: number }): Promise<AuditEventRow[]> {
      let query = trx.selectFrom('audit_events').selectAll();
      if (options.target !== undefined) query = query.where(aboutTarget(options.target));
      if (options.actor !== undefined) query = query.where('actor', '=', options.actor);
      if (options.from !== undefined) query = query.where('at', '>=', options.from);
      if (options.to !== undefined) query = query.where('at', '<', options.to);
      if (options.beforeIndex !== undefined) query = query.where('leaf_index', '<', options.beforeIndex);
      const rows = await query.orderBy('leaf_index', 'desc').limit(options.limit).execute();
      return rows.map((row) => ({
        seq: Number(row.seq),
        leafIndex: Number(row.leaf_index),
        at: new Date(row.at),
        actor: row.actor,
        action: row.action,
        target: row.target,
        ...(row.request_id === null ? {} : { requestId: row.request_id }),
        ...(row.governance_version === null ? {} : { governanceVersion: Number(row.governance_version) }),
        details: JSON.parse(row.details) as Record<string, unknown>,
      }));
    },

    /** The leaf indexes of the entries about these targets, and of the entries of these actions from `since` on, in leaf order. */
    async indexesOf(options: { targets: readonly string[]; actions?: readonly string[]; since?: string }): Promise<number[]> {
      const indexes = new Set<number>();
      for (let start = 0; start < options.targets.length; start += 500) {
        const rows = await trx.selectFrom('audit_events').select('leaf_index').where('target', 'in', options.targets.slice(start, start + 500)).execute();
        for (const row of rows) indexes.add(Number(row.leaf_index));
      }
      if (options.actions !== undefined && options.actions.length > 0) {
        let query = trx.selectFrom('audit_events').select('leaf_index').where('action', 'in', [...options.actions]);
        if (options.since !== undefined) query = query.where('at', '>=', options.since);
        for (const row of await query.execute()) indexes.add(Number(row.leaf_index));
      }
      return [...indexes].filter((index) => index >= 0).sort((a, b) => a - b);
    },

    /** The log's key and origin, once the first checkpoint made them. */
    async logKey(): Promise<{ keyId: string; origin: string } | null> {
      const row = await trx.selectFrom('audit_log_state').select(['key_id', 'origin']).where('id', '=', 1).executeTakeFirst();
      return row?.key_id === null || row?.key_id === undefined || row.origin === null ? null : { keyId: row.key_id, origin: row.origin };
    },

    /** Records the log's key, unless another node recorded one first; the key that holds is returned. */
    async setLogKey(keyId: string, origin: string): Promise<{ keyId: string; origin: string }> {
      await trx.updateTable('audit_log_state').set({ key_id: keyId, origin }).where('id', '=', 1).where('key_id', 'is', null).execute();
      const held = await store.logKey();
      if (held === null) throw new TrustplaneError('INTERNAL', 'the audit log has no state row; the database was not migrated');
      return held;
    },

    /** Keeps a signed checkpoint; one per size (a second for the same size is the same statement, and is dropped). */
    async insertCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
      await trx.insertInto('audit_checkpoints').values({ size: checkpoint.size, root: hex(checkpoint.root), at: checkpoint.at, note: checkpoint.note })
        .onConflict((oc) => oc.column('size').doNothing()).execute();
    },

    async latestCheckpoint(): Promise<StoredCheckpoint | null> {
      const row = await trx.selectFrom('audit_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? null : { size: Number(row.size), root: unhex(row.root), at: row.at, note: row.note };
    },

    /** Checkpoints in order of size, up to `limit`. */
    async checkpoints(limit: number): Promise<StoredCheckpoint[]> {
      const rows = await trx.selectFrom('audit_checkpoints').selectAll().orderBy('size').limit(limit).execute();
      return rows.map((row) => ({ size: Number(row.size), root: unhex(row.root), at: row.at, note: row.note }));
    },
  };
  return store;
};

export type AuditStore = ReturnType<typeof createAuditStore>;
