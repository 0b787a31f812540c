// The transactional outbox (DESIGN.md, Architecture): messages for the world outside the process are
// written in the same transaction as the change that causes them, and delivered after commit.
import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema.ts';

export type OutboxMessage = { topic: string; payload: Record<string, unknown> };
export type OutboxRow = OutboxMessage & { seq: number; createdAt: string; deliveredAt: string | null };

export const createOutboxStore = (trx: Transaction<DatabaseSchema>, now: () => Date) => ({
  /**
   * Writes a message. `heldForMs` writes it already claimed, as the dispatcher claims one: the node that
   * commits it delivers it itself right after commit, and the dispatcher takes it over only if that node
   * has not marked it delivered once the hold has passed (the node died, or the delivery failed).
   */
  async add(message: OutboxMessage, options: { heldForMs?: number } = {}): Promise<void> {
    const at = now();
    await trx.insertInto('outbox').values({
      created_at: at.toISOString(), topic: message.topic, payload: JSON.stringify(message.payload), delivered_at: null,
      ...(options.heldForMs === undefined ? {} : { next_attempt_at: new Date(at.getTime() + options.heldForMs).toISOString() }),
    }).execute();
  },

  /** Marks messages delivered by whoever delivered them outside the dispatcher (see `heldForMs`). */
  async markDelivered(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await trx.updateTable('outbox').set({ delivered_at: now().toISOString(), last_error: null }).where('seq', 'in', seqs).where('delivered_at', 'is', null).execute();
  },

  async list(options: { topic?: string; pendingOnly: boolean; limit: number }): Promise<OutboxRow[]> {
    let query = trx.selectFrom('outbox').selectAll();
    if (options.topic !== undefined) query = query.where('topic', '=', options.topic);
    if (options.pendingOnly) query = query.where('delivered_at', 'is', null);
    const rows = await query.orderBy('seq').limit(options.limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq), createdAt: row.created_at, topic: row.topic, payload: JSON.parse(row.payload) as Record<string, unknown>, deliveredAt: row.delivered_at,
    }));
  },
});

export type OutboxStore = ReturnType<typeof createOutboxStore>;
