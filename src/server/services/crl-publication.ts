// Publishing a CA's CRL after a revocation, durably. The revocation's transaction writes a `crl.publish`
// message to the outbox for each CA it touches; right after commit the node that committed it publishes
// and marks the message delivered. If that node dies first (or the publication fails), the message is
// still pending in the database, and the outbox dispatcher of any node, a restarted one included,
// publishes it within seconds, with retries, instead of the scheduled refresh hours later.
//
// Why the outbox rather than the leader comparing each CA's newest revocation with its CRL's thisUpdate:
// a message becomes visible only when its revocation commits, so any publication that starts from it
// reads that revocation: exact by construction. A revocation's time is stamped before its commit, so a
// CRL begun in between has a later thisUpdate and still lacks it, and the comparison would wrongly call
// that CRL current; it would also cost a query per CA per tick at a million revocations, run on the leader
// alone, and wait out the lapsed leader's lease after a crash. The outbox runs on every node.
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { OutboxHandler } from '../jobs/outbox-dispatcher.ts';
import type { OutboxMessage } from '../stores/outbox-store.ts';
import type { RevocationService } from './revocation-service.ts';

export const crlPublishTopic = 'crl.publish';

/**
 * How long the committing node has to publish before the dispatcher takes over. A CRL of a million
 * entries takes about 3 s to publish (docs/benchmarks.md); one that takes longer is published twice,
 * which costs work and nothing else (the later number wins).
 */
export const crlPublishHoldMs = 10_000;

/** Pending messages the after-commit publication reads at once; any beyond are left to the dispatcher. */
const pendingLimit = 1_000;

/** The message a revocation writes in its transaction, one per CA it revoked certificates of. */
export const crlPublishMessage = (caId: string): OutboxMessage => ({ topic: crlPublishTopic, payload: { ca: caId } });

const caOf = (payload: Record<string, unknown>): string => {
  if (typeof payload.ca !== 'string' || payload.ca === '') throw new Error(`a ${crlPublishTopic} message names no CA: ${JSON.stringify(payload).slice(0, 200)}`);
  return payload.ca;
};

/** The dispatcher's handler: publishes a new CRL of the message's CA (lists every revocation committed before). */
export const crlPublishHandler = (revocation: Pick<RevocationService, 'publish'>): OutboxHandler => async (payload) => {
  await revocation.publish(caOf(payload));
};

/**
 * Right after a revocation commits: publishes these CAs' CRLs, then marks delivered the messages that
 * were pending for them before the publication began (it lists their revocations, all committed by then).
 */
export const publishAfterCommit = (deps: { unitOfWork: UnitOfWork; revocation: Pick<RevocationService, 'publish'> }) => async (caIds: readonly string[]): Promise<void> => {
  const wanted = new Set(caIds);
  const pending = await deps.unitOfWork((tx) => tx.outbox.list({ topic: crlPublishTopic, pendingOnly: true, limit: pendingLimit }));
  for (const caId of wanted) {
    await deps.revocation.publish(caId);
    const covered = pending.filter((message) => message.payload.ca === caId).map((message) => message.seq);
    await deps.unitOfWork((tx) => tx.outbox.markDelivered(covered));
  }
};
