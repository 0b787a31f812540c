// Emergency playbooks: a responder (a customer principal) invokes a pre-authorised path that executes at
// once, within the playbook's scope and blast-radius limit, whether or not the partner who normally
// executes is available or still delegated. Each class touched gets one change, approved by the
// playbook's pre-authorisation, executed by the responder, and a review for the class's accountable
// person, due within `reviewWithin`. Ordinary changes still open on its credentials are cancelled by it.
// The verifier still verifies the change afterwards.
import { newChange, transitionProblem } from '../../core/changes/change-lifecycle.ts';
import type { Change } from '../../core/changes/change-lifecycle.ts';
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import type { PersonBehind } from '../../core/governance/person-behind.ts';
import { parseDuration } from '../../core/duration.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { CredentialClass, GovernedAction, RevocationReason } from '../../core/governance/index.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { randomId } from '../platform.ts';
import type { Clock, RandomSource } from '../platform.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import type { Review } from '../stores/review-store.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService } from './authz-service.ts';
import { changeableStatuses, executionLeaseMs } from './change-service.ts';
import type { ChangeService } from './change-service.ts';
import { createChangeJournal } from './change-journal.ts';
import type { ChangeJournal } from './change-journal.ts';
import type { Connector } from '../connectors/connector.ts';

export type PlaybookServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  random: RandomSource;
  authz: AuthzService;
  changes: Pick<ChangeService, 'finishExecution' | 'show' | 'connectorFor'>;
};

export type InvokeInput = {
  playbookId: string;
  credentialIds: readonly string[];
  trigger: RevocationReason;
  action?: GovernedAction;
  reason: string;
};

export type Invocation = { playbookId: string; changes: Change[]; reviews: Review[] };

/**
 * An emergency does not wait for ordinary changes on its credentials (a partner's renewal, say, whose
 * partner is gone and whose approver may be asleep): those not yet executing are cancelled by the
 * invocation and their requesters told. A change executing right now is work in flight; it is refused.
 */
const cancelSuperseded = async (
  tx: UnitOfWorkContext, journal: ChangeJournal, actor: Actor, by: { playbookId: string; version: number; outcome: AuthzOutcome; personOf: PersonBehind }, credentialIds: readonly string[],
): Promise<void> => {
  const open = await tx.changes.openOn(credentialIds);
  for (const changeId of new Set(open.map((entry) => entry.changeId))) {
    const pending = await tx.changes.find(changeId);
    if (pending === null) continue;
    const problem = transitionProblem(pending, 'cancel');
    if (problem !== null) throw new TrustplaneError('CONFLICT', `credential ${open.find((entry) => entry.changeId === changeId)?.credentialId} is in change ${changeId}, which the playbook cannot cancel: ${problem}`);
    const cancelled = journal.advance(pending, { status: 'cancelled' });
    await tx.changes.update(cancelled);
    await journal.record(tx, actor, cancelled, 'cancel', by.version, by.outcome, { note: `superseded by emergency playbook ${by.playbookId}`, playbook: by.playbookId }, by.personOf);
    await journal.notify(tx, cancelled, 'cancelled', [pending.requester]);
  }
};

/**
 * Who reviews an emergency change: the accountable person for the action on the class; if that is the
 * person behind the responder who executed it, the class's business owner, then its technical owner,
 * because whoever executed a change never reviews it (sod.executor-reviews), through an account they own
 * or not.
 */
export const reviewerFor = (credentialClass: CredentialClass | undefined, action: GovernedAction, responder: string, personOf: PersonBehind = (ref) => ref): string => {
  const candidates = [credentialClass?.decisionRights[action]?.accountable, credentialClass?.businessOwner, credentialClass?.technicalOwner]
    .filter((candidate): candidate is string => candidate !== undefined);
  return candidates.find((candidate) => personOf(candidate) !== personOf(responder)) ?? candidates[0] ?? responder;
};

export const createPlaybookService = ({ unitOfWork, clock, random, authz, changes }: PlaybookServiceDeps) => {
  const journal = createChangeJournal(clock);
  return {
    list: () => unitOfWork(async (tx) => (await authz.snapshot(tx)).governance?.playbooks ?? []),

    async invoke(actor: Actor, input: InvokeInput): Promise<Invocation> {
      if (input.credentialIds.length === 0) throw new TrustplaneError('VALIDATION_FAILED', 'name the credentials the playbook acts on (--credential ID, repeatable)');
      if (new Set(input.credentialIds).size !== input.credentialIds.length) throw new TrustplaneError('VALIDATION_FAILED', 'a credential is named twice; name each once');
      const claimed = await unitOfWork(async (tx) => {
        const snapshot = await authz.snapshot(tx);
        const governance = snapshot.governance;
        if (governance === null || snapshot.version === null) throw new TrustplaneError('CONFLICT', 'no governance is applied yet');
        const playbook = governance.playbooks.find((entry) => entry.id === input.playbookId);
        if (playbook === undefined) throw new TrustplaneError('NOT_FOUND', `no playbook ${input.playbookId}; \`trustplane playbooks list\` shows them`);
        const action = input.action ?? (playbook.actions.includes('revoke') ? 'revoke' : playbook.actions[0] as GovernedAction);
        const now = clock.now();
        const credentials: CredentialRecord[] = [];
        for (const id of input.credentialIds) {
          const credential = await tx.credentials.findById(id, now.toISOString());
          if (credential === null) throw new TrustplaneError('NOT_FOUND', `no credential ${id}; nothing was done`);
          if (credential.classId === null) throw new TrustplaneError('VALIDATION_FAILED', `credential ${id} belongs to no class; a playbook acts only within its classes`);
          credentials.push(credential);
        }
        const classes = [...new Set(credentials.map((credential) => credential.classId as string))];
        // The playbook's scope (responders, triggers, actions, classes, blast radius) is Cedar's to decide,
        // so that a refusal is recorded as a denied attempt and explained like any other.
        const query = {
          principal: actor.ref, action: 'invoke-playbook' as const, resource: { type: 'playbook' as const, id: playbook.id }, at: now, readOnly: actor.readOnly,
          invocation: { trigger: input.trigger, lifecycleAction: action, classes, credentialCount: credentials.length },
        };
        const outcome = authz.decideIn(snapshot, query);
        if (isDenial(outcome)) return outcome;
        for (const credential of credentials) {
          // The change still needs its verifier and its review: both come from the class's decision right.
          if (governance.classes.find((entry) => entry.id === credential.classId)?.decisionRights[action] === undefined) {
            throw new TrustplaneError('VALIDATION_FAILED', `class ${credential.classId} has no decision rights for ${action}, so nobody could verify or review it; invoke the playbook with an action the class governs, or add decisionRights.${action} to the class`);
          }
          if (!changeableStatuses.has(credential.status)) throw new TrustplaneError('VALIDATION_FAILED', `credential ${credential.id} is ${credential.status}; there is nothing to ${action}`);
        }
        await cancelSuperseded(tx, journal, actor, { playbookId: playbook.id, version: snapshot.version, outcome, personOf: snapshot.personOf }, input.credentialIds);
        const reviewWithin = parseDuration(playbook.reviewWithin);
        const claimedChanges: { change: Change; credentials: CredentialRecord[]; review: Review; connector: Connector }[] = [];
        const version = snapshot.version;
        const policies = outcome.policies.map((policy) => policy.id);
        for (const classId of classes) {
          const credentialClass = governance.classes.find((entry) => entry.id === classId) as CredentialClass;
          const accountable = reviewerFor(credentialClass, action, actor.ref, snapshot.personOf);
          const own = credentials.filter((credential) => credential.classId === classId);
          const pre = `playbook:${playbook.id}`;
          // Requested, approved by the playbook's pre-authorisation and claimed for execution by the
          // responder at once, each step recorded and audited as for any change.
          const requested = newChange({
            id: randomId(random, 'ch'), classId, action, requester: actor.ref, reason: input.reason, trigger: input.trigger, policy: credentialClass.policy,
            at: now, staleAt: new Date(now.getTime() + executionLeaseMs), governanceVersion: version, approvalsNeeded: 1, preApprovedBy: pre,
            playbookId: playbook.id, credentialIds: own.map((credential) => credential.id),
          });
          await tx.changes.insert(requested);
          await journal.record(tx, actor, requested, 'request', version, outcome, { reason: input.reason, ticket: null, trigger: requested.trigger, dueAt: requested.dueAt, playbook: playbook.id }, snapshot.personOf);
          const approved = journal.advance(requested, { status: 'approved', approvals: [pre] });
          await tx.changes.update(approved);
          await journal.record(tx, { ref: pre }, approved, 'approve', version, outcome, {
            preAuthorisedBy: `playbook ${playbook.id} in governance version ${version}`, note: 'emergency playbook: approved by its pre-authorisation, reviewed afterwards',
          });
          const connector = await changes.connectorFor(tx, governance, approved);
          const change = journal.advance(approved, { status: 'executing', executor: actor.ref, connector: connector.id });
          await tx.changes.update(change);
          await journal.record(tx, actor, change, 'execute', version, outcome, { connector: connector.id, playbook: playbook.id }, snapshot.personOf);
          const review: Review = {
            id: randomId(random, 'rv'), changeId: change.id, playbookId: playbook.id, classId, accountable, executor: actor.ref,
            openedAt: now.toISOString(), dueAt: new Date(now.getTime() + (reviewWithin.ok ? reviewWithin.ms : 86_400_000)).toISOString(),
            status: 'open', completedBy: null, completedAt: null, note: null,
          };
          await tx.reviews.insert(review);
          await tx.audit.append({
            at: now, actor: actor.ref, action: 'playbook.invoke', target: `playbook:${playbook.id}`, governanceVersion: snapshot.version, ...requestIdOf(actor),
            details: { change: change.id, classId, action, trigger: input.trigger, dueAt: change.dueAt, credentials: change.credentialIds, connector: connector.id, review: review.id, accountable, reviewDueAt: review.dueAt, policies },
          });
          await tx.outbox.add({ topic: 'notification', payload: { event: 'review_opened', reviewId: review.id, changeId: change.id, recipients: [accountable] } });
          claimedChanges.push({ change, credentials: own, review, connector });
        }
        return { changes: claimedChanges, governance };
      }).then((result) => authz.settle(result, actor.requestId));
      const done: Change[] = [];
      for (const { change, credentials, connector } of claimed.changes) {
        done.push(await changes.finishExecution(actor, { change, credentials, connector, governance: claimed.governance, evidence: { note: `emergency playbook ${input.playbookId}: ${input.reason}` } }));
      }
      return { playbookId: input.playbookId, changes: done, reviews: claimed.changes.map((entry) => entry.review) };
    },
  };
};

export type PlaybookService = ReturnType<typeof createPlaybookService>;
