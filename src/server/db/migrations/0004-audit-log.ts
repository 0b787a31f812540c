// The audit log becomes a Merkle tree (RFC 9162 §2.1, src/core/audit/merkle.ts). Each event keeps its
// leaf index (dense: 0, 1, 2, … in the order appended) and its leaf hash: the hash of the event's columns
// as canonical JSON (src/core/audit/audit-entry.ts), so a change to any column shows. Every node is kept
// as it completes (leaves too, in a narrow table that stays in the database's cache), so roots and proofs
// read O(log n) rows and never rebuild the tree; one state row holds the size and the right edge (the frontier), and
// every append locks it, so appends are numbered one after another on PostgreSQL as on SQLite. Events
// recorded before this migration become the first leaves, in the order of their sequence numbers.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { entryJson, entryLeafHash } from '../../../core/audit/audit-entry.ts';
import { appendLeaves, emptyFrontier } from '../../../core/audit/merkle.ts';
import type { DatabaseCapabilities } from '../capabilities.ts';

type EarlierEvent = { seq: number; at: string; actor: string; action: string; target: string; request_id: string | null; governance_version: number | null; details: string };

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export const auditLogMigration = (_capabilities: DatabaseCapabilities) => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('audit_events').addColumn('leaf_index', 'bigint').execute();
    await db.schema.alterTable('audit_events').addColumn('leaf_hash', 'text').execute();

    await db.schema.createTable('audit_tree_nodes')
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('idx', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_tree_nodes_pk', ['level', 'idx'])
      .execute();

    await db.schema.createTable('audit_log_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      /** JSON [[level, hash hex], …]: the perfect subtrees of [0, size), largest first. */
      .addColumn('frontier', 'text', (c) => c.notNull())
      /** Set once the log's Ed25519 key exists: the signing_keys row, and the origin its checkpoints name. */
      .addColumn('key_id', 'text')
      .addColumn('origin', 'text')
      .execute();

    await db.schema.createTable('audit_checkpoints')
      .addColumn('size', 'bigint', (c) => c.primaryKey())
      .addColumn('root', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      /** The signed note (c2sp.org/tlog-checkpoint), exactly as signed. */
      .addColumn('note', 'text', (c) => c.notNull())
      .execute();

    // The outbox learns to retry: a delivery that fails waits (with backoff) until next_attempt_at; a
    // node delivering a message first claims it by moving next_attempt_at past its lease.
    await db.schema.alterTable('outbox').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('outbox').addColumn('next_attempt_at', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('last_error', 'text').execute();

    // Events recorded before the log was a tree become its first leaves.
    const earlier = (await sql<EarlierEvent>`select seq, at, actor, action, target, request_id, governance_version, details from audit_events order by seq`.execute(db)).rows;
    let frontier = emptyFrontier;
    for (let start = 0; start < earlier.length; start += 1000) {
      const batch = earlier.slice(start, start + 1000);
      const entries = batch.map((event, offset) => entryJson({
        index: start + offset,
        at: event.at, actor: event.actor, action: event.action, target: event.target, requestId: event.request_id,
        governanceVersion: event.governance_version === null ? null : Number(event.governance_version), details: JSON.parse(event.details) as Record<string, unknown>,
      }));
      const leafHashes = entries.map(entryLeafHash);
      const appended = appendLeaves(frontier, leafHashes);
      frontier = appended.frontier;
      for (const [offset, event] of batch.entries()) {
        await sql`update audit_events set leaf_index = ${start + offset}, leaf_hash = ${hex(leafHashes[offset] as Uint8Array)} where seq = ${event.seq}`.execute(db);
      }
      for (const node of appended.completed) {
        await sql`insert into audit_tree_nodes (level, idx, hash) values (${node.level}, ${node.index}, ${hex(node.hash)})`.execute(db);
      }
    }
    await sql`insert into audit_log_state (id, size, frontier) values (1, ${frontier.size}, ${JSON.stringify(frontier.nodes.map((node) => [node.level, hex(node.hash)]))})`.execute(db);
    await db.schema.createIndex('audit_events_leaf_idx').on('audit_events').columns(['leaf_index']).unique().execute();
  },
});
