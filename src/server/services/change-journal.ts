// How a change moves and is recorded, shared by every use case that moves one (the change service's
// steps, and a playbook cancelling ordinary changes on its credentials): the next revision, the step in
// the change's history and in the audit log (same transaction), and the message for the outbox.
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import type { Change } from '../../core/changes/change-lifecycle.ts';
import type { PersonBehind } from '../../core/governance/person-behind.ts';
import type { UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';

export const createChangeJournal = (clock: Clock) => ({
  /** The change with `patch` applied, as its next revision. */
  advance: (change: Change, patch: Partial<Change>): Change => ({ ...change, ...patch, updatedAt: clock.now().toISOString(), revision: change.revision + 1 }),

  /**
   * Records a step in the change's history and in the audit log, with the Cedar decision that allowed it,
   * and the person behind the actor when that is someone else (separation of duties compares people).
   */
  async record(tx: UnitOfWorkContext, actor: Actor | { ref: string }, change: Change, step: string, version: number, outcome: AuthzOutcome | null, details: Record<string, unknown>, personOf?: PersonBehind): Promise<void> {
    const at = clock.now();
    const policies = outcome?.policies.map((policy) => policy.id) ?? [];
    const person = personOf?.(actor.ref);
    const behind = person === undefined || person === actor.ref ? {} : { person };
    // The Cedar decision in words, beside the ids of the policies that made it.
    const decided = outcome === null ? details : { ...details, decision: outcome.reason };
    await tx.changes.appendEvent(change.id, { at: at.toISOString(), actor: actor.ref, ...behind, step, governanceVersion: version, policies, details: decided });
    await tx.audit.append({
      at, actor: actor.ref, action: `change.${step}`, target: `change:${change.id}`, governanceVersion: version,
      ...('requestId' in actor ? requestIdOf(actor) : {}),
      details: { status: change.status, classId: change.classId, action: change.action, credentials: change.credentialIds, policies, ...behind, ...decided },
    });
  },

  /** Tells people about the change, through the outbox, after commit. */
  async notify(tx: UnitOfWorkContext, change: Change, event: string, recipients: readonly string[]): Promise<void> {
    const unique = [...new Set(recipients)];
    if (unique.length === 0) return;
    await tx.outbox.add({ topic: 'notification', payload: { event, changeId: change.id, classId: change.classId, action: change.action, status: change.status, recipients: unique } });
  },
});

export type ChangeJournal = ReturnType<typeof createChangeJournal>;
