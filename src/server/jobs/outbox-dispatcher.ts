// Delivers outbox messages after commit (DESIGN.md, Architecture), through a handler per topic. A
// message is claimed before delivery by moving its next attempt past a lease (TRUSTPLANE_OUTBOX_LEASE,
// 1 min by default: how long a delivery may take before another node may try it), with a compare-and-set,
// so two nodes never deliver it at once, and a node that dies mid-delivery leaves it to another once the
// lease lapses; a failed delivery is retried with exponential backoff (10 s, 20 s, 40 s, … up to 1 h).
// Topics without a handler here wait for theirs. A handler may fan a message out instead of delivering it:
// the messages it returns are written in the transaction that marks this one delivered.
import type { Database } from '../db/database.ts';
import type { Clock } from '../platform.ts';

/** Which outbox message a delivery is: the same on every attempt, so a receiver can tell a repeat. */
export type OutboxMessage = { seq: number; createdAt: string };

/** A message a delivery hands on, for another topic: written in the transaction that marks this one delivered. */
export type OutboxFollowUp = { topic: string; payload: Record<string, unknown> };

/**
 * Delivers one message's payload; the dispatcher always says which message it is (tests may not). A
 * handler may return follow-ups instead of delivering: a message that fans out to one per channel.
 */
export type OutboxHandler = (payload: Record<string, unknown>, message?: OutboxMessage) => Promise<void | readonly OutboxFollowUp[]>;

export const defaultOutboxLeaseMs = 60_000;
/** Deliveries in flight at once per node. */
const concurrency = 8;
const backoffMs = (attempts: number): number => Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));

export const createOutboxDispatcher = (deps: { database: Database; clock: Clock; handlers: ReadonlyMap<string, OutboxHandler>; leaseMs?: number }) => {
  const { db } = deps.database;
  const leaseMs = deps.leaseMs ?? defaultOutboxLeaseMs;
  return {
    /** Delivers what is due, oldest first, up to `limit`; returns how many were delivered. */
    async deliverDue(limit = 100): Promise<{ delivered: number; failed: number }> {
      const topics = [...deps.handlers.keys()];
      if (topics.length === 0) return { delivered: 0, failed: 0 };
      const now = deps.clock.now().toISOString();
      const due = await db.selectFrom('outbox').select(['seq', 'created_at', 'topic', 'payload', 'attempts'])
        .where('delivered_at', 'is', null).where('topic', 'in', topics)
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
        .orderBy('seq').limit(limit).execute();
      let [delivered, failed] = [0, 0];
      const deliver = async (message: (typeof due)[number]): Promise<void> => {
        // The lease runs from this claim, not from when the batch was read: earlier deliveries take time.
        const claimedAt = deps.clock.now();
        const claimed = await db.updateTable('outbox').set({ next_attempt_at: new Date(claimedAt.getTime() + leaseMs).toISOString() })
          .where('seq', '=', message.seq).where('delivered_at', 'is', null)
          .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', claimedAt.toISOString())])).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return;
        try {
          const followUps = await deps.handlers.get(message.topic)!(JSON.parse(message.payload) as Record<string, unknown>, { seq: Number(message.seq), createdAt: message.created_at }) ?? [];
          const at = deps.clock.now().toISOString();
          const markDelivered = (trx: typeof db) => trx.updateTable('outbox').set({ delivered_at: at, attempts: Number(message.attempts) + 1, last_error: null }).where('seq', '=', message.seq).execute();
          if (followUps.length === 0) {
            await markDelivered(db);
          } else {
            // The follow-ups and this delivery commit together: neither is lost, nor written twice.
            await db.transaction().execute(async (trx) => {
              await trx.insertInto('outbox').values(followUps.map((followUp) => ({ created_at: at, topic: followUp.topic, payload: JSON.stringify(followUp.payload), delivered_at: null }))).execute();
              await markDelivered(trx);
            });
          }
          delivered += 1;
        } catch (error) {
          const attempts = Number(message.attempts) + 1;
          await db.updateTable('outbox').set({
            attempts, next_attempt_at: new Date(deps.clock.now().getTime() + backoffMs(attempts)).toISOString(),
            last_error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
          }).where('seq', '=', message.seq).execute();
          failed += 1;
        }
      };
      // A few deliveries at a time: a mail server or webhook takes tens of milliseconds each, and a first
      // sweep can queue hundreds; each message is claimed on its own, so order among them is not promised.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < due.length) await deliver(due[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
      return { delivered, failed };
    },
  };
};

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
