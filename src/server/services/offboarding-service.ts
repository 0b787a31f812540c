// Offboarding (issue 6): a person leaves, a partner's contract ends, a workload is decommissioned. The
// plan shows first (dry run); applying it is one transaction, audited, that
// - for a person: revokes their API tokens, cancels the changes they requested that were not executed,
//   and lists the classes, decision rights, delegations and principals they held as reassignment tasks
//   (governance is code: reassigning is an edit of governance.yaml and an apply);
// - for a partner: revokes its delegations at once, revokes its principals' tokens, and files revocation
//   changes (trigger partner_offboarded) for every live credential exposed to it or changed by it;
// - for a workload: files revocation changes (trigger workload_decommissioned) for the credentials only
//   it consumes, and lists those it shares as tasks.
// Revocations are requested by the system principal (so the class's own people approve, execute and
// verify them, as for any change), one change per class, each with the SLA of its trigger. Progress is
// the state of those changes, until every one is verified. A subject taken back is reinstated: no longer
// offboarded (so alerts route to them again), and it may be offboarded again; the offboarding stays.
import { offboardingTriggers, systemPrincipals } from '../../core/authz/governance-policies.ts';
import { finalStatuses } from '../../core/changes/change-lifecycle.ts';
import type { Change } from '../../core/changes/change-lifecycle.ts';
import { revocationClock } from '../../core/changes/revocation-clock.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { governedActions, idPattern } from '../../core/governance/index.ts';
import type { Governance, RevocationReason } from '../../core/governance/index.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { randomId } from '../platform.ts';
import type { Clock, RandomSource } from '../platform.ts';
import type { OffboardingCredential, StoredOffboarding } from '../stores/monitor-store.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService, AuthzSnapshot, Denial } from './authz-service.ts';
import type { ChangeService } from './change-service.ts';

export const offboardingKinds = ['person', 'partner', 'workload'] as const;
export type OffboardingKind = (typeof offboardingKinds)[number];

export type OffboardingTask = { kind: string; text: string };
export type PlannedRevocation = { classId: string; trigger: RevocationReason; credentials: { id: string; name: string }[] };

export type OffboardingPlan = {
  subject: string;
  name: string;
  delegations: { id: string; classes: string[]; actions: string[] }[];
  tokens: { id: string; principal: string; name: string }[];
  cancel: { changeId: string; action: string; classId: string; status: string }[];
  revocations: PlannedRevocation[];
  tasks: OffboardingTask[];
};

export type OffboardingChange = { id: string; classId: string; status: string; trigger: string | null; dueAt: string | null; verifiedAt: string | null; credentials: string[]; onTime: boolean | null };

export type OffboardingRecord = {
  id: string; subject: string; at: string; by: string; reason: string; plan: OffboardingPlan;
  /** When the subject was taken back (rehired, engaged again): it is no longer offboarded, and may be offboarded again. */
  reinstatement: { at: string; by: string; reason: string } | null;
  /** The revocation changes it filed, as they stand now. */
  changes: OffboardingChange[];
  /** Verified revocations of all it filed; complete when they are all verified. */
  progress: { verified: number; total: number; complete: boolean; overdue: number };
};

type StoredPlan = OffboardingPlan & { changeIds: string[] };

const triggerOf: Record<Exclude<OffboardingKind, 'person'>, RevocationReason> = { partner: 'partner_offboarded', workload: 'workload_decommissioned' };

/** Thrown out of the transaction so that nothing it wrote stays, then settled (recorded as a denial) outside it. */
class Refused extends Error {
  readonly denial: Denial;
  constructor(denial: Denial) {
    super('refused');
    this.denial = denial;
  }
}

const subjectOf = (kind: OffboardingKind, id: string): string => `${kind}:${id}`;

/** At most this many credentials a revocation change (as a request through the API may name). */
const perChange = 1000;

export const createOffboardingService = (deps: { unitOfWork: UnitOfWork; clock: Clock; random: RandomSource; authz: AuthzService; changes: ChangeService }) => {
  const { unitOfWork, clock, random, authz, changes } = deps;

  const requireGovernance = (snapshot: AuthzSnapshot): Governance => {
    if (snapshot.governance === null) throw new TrustplaneError('CONFLICT', 'no governance is applied yet; there is nobody to offboard');
    return snapshot.governance;
  };

  /** Live credentials grouped by class into revocations; unclassified ones and those already changing become tasks. */
  /**
   * Live credentials grouped by class into revocation changes of at most `perChange` credentials each.
   * What could not be filed becomes a task, so that the plan (and its dry run) shows everything that will
   * and will not happen: credentials without a class, in a class with no revoke decision right, already in
   * a change, or in a class whose policies (an organisation's own forbid, say) refuse the system's request.
   */
  const revocationsOf = async (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, credentials: readonly OffboardingCredential[], trigger: RevocationReason, tasks: OffboardingTask[], cancelling: ReadonlySet<string> = new Set()): Promise<PlannedRevocation[]> => {
    const governance = requireGovernance(snapshot);
    const busy = new Map<string, string>();
    for (let start = 0; start < credentials.length; start += perChange) {
      for (const entry of await tx.changes.openOn(credentials.slice(start, start + perChange).map((credential) => credential.id))) {
        // A change the offboarding cancels first does not hold its credentials back.
        if (!cancelling.has(entry.changeId)) busy.set(entry.credentialId, entry.changeId);
      }
    }
    const byClass = new Map<string, { id: string; name: string }[]>();
    const seenClasses = new Set<string>();
    const refusedClasses = new Map<string, string>();
    for (const credential of credentials) {
      const label = `credential ${credential.id} (${credential.name})`;
      if (credential.classId === null) {
        tasks.push({ kind: 'unclassified-credential', text: `${label} belongs to no class, so no decision rights govern its revocation: classify it (credentials import --class), then revoke it` });
        continue;
      }
      const classId = credential.classId;
      if (!seenClasses.has(classId)) {
        seenClasses.add(classId);
        const entry = governance.classes.find((candidate) => candidate.id === classId);
        const decided = snapshot.decide({ principal: systemPrincipals.automation, action: 'request-revoke', resource: { type: 'class', classId }, at: clock.now(), trigger });
        const why = entry === undefined ? `its class ${classId} is no longer declared`
          : entry.decisionRights.revoke === undefined ? `class ${classId} has no decision rights for revoke (add decisionRights.revoke to it)`
            : decided.allowed ? null : `Cedar refuses the system's request to revoke in class ${classId}: ${decided.reason}`;
        if (why !== null) refusedClasses.set(classId, why);
      }
      const refused = refusedClasses.get(classId);
      if (refused !== undefined) {
        tasks.push({ kind: 'cannot-file-revocation', text: `${label}: no revocation can be filed because ${refused}; revoke it by hand` });
        continue;
      }
      const changing = busy.get(credential.id);
      if (changing !== undefined) {
        tasks.push({ kind: 'change-in-progress', text: `${label} already has change ${changing} in progress; revoke it once that change ends` });
        continue;
      }
      // One change per class and per place that revokes them: what the built-in CA issued, and the rest.
      const group = `${classId}\u0000${credential.issuedByCa ? 'ca' : 'other'}`;
      byClass.set(group, [...byClass.get(group) ?? [], { id: credential.id, name: credential.name }]);
    }
    return [...byClass].sort(([a], [b]) => a.localeCompare(b)).flatMap(([group, list]) => {
      const classId = group.slice(0, group.indexOf('\u0000'));
      const changes: PlannedRevocation[] = [];
      for (let start = 0; start < list.length; start += perChange) changes.push({ classId, trigger, credentials: list.slice(start, start + perChange) });
      return changes;
    });
  };

  /** Changes these principals requested that were not executed: an offboarding cancels them. */
  const pendingRequestsOf = async (tx: UnitOfWorkContext, requesters: readonly string[]): Promise<Change[]> => {
    const pending: Change[] = [];
    for (const requester of requesters) {
      for (const status of ['requested', 'approved'] as const) pending.push(...await tx.changes.list({ requester, status, limit: 10_000 }));
    }
    return pending;
  };

  const planPerson = async (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, id: string): Promise<OffboardingPlan> => {
    const governance = requireGovernance(snapshot);
    const person = governance.people.find((entry) => entry.id === id);
    if (person === undefined) throw new TrustplaneError('NOT_FOUND', `no person ${id} is declared in governance`);
    const ref = `person:${id}`;
    const tasks: OffboardingTask[] = [];
    for (const entry of governance.classes) {
      if (entry.technicalOwner === ref) tasks.push({ kind: 'reassign-owner', text: `class ${entry.id}: name a new technical owner (classes[${entry.id}].technicalOwner)` });
      if (entry.businessOwner === ref) tasks.push({ kind: 'reassign-owner', text: `class ${entry.id}: name a new business owner (classes[${entry.id}].businessOwner)` });
      for (const action of governedActions) {
        const right = entry.decisionRights[action];
        if (right === undefined) continue;
        if (right.accountable === ref) tasks.push({ kind: 'reassign-accountable', text: `class ${entry.id}: name a new accountable person for ${action} (decisionRights.${action}.accountable)` });
        if (right.responsible.includes(ref) || right.approvers.includes(ref) || right.verifier === ref) tasks.push({ kind: 'reassign-right', text: `class ${entry.id}: remove ${ref} from decisionRights.${action}` });
      }
      if (entry.verifier === ref) tasks.push({ kind: 'reassign-right', text: `class ${entry.id}: name a new verifier` });
    }
    for (const delegation of governance.delegations) {
      if (delegation.grantedBy === ref) tasks.push({ kind: 'reassign-grant', text: `delegation ${delegation.id} to ${delegation.to} was granted by ${ref}: have an accountable person grant it anew, or let it end` });
    }
    for (const owned of [...governance.serviceAccounts.map((entry) => ({ ...entry, kind: 'service-account' })), ...governance.agents.map((entry) => ({ ...entry, kind: 'agent' }))]) {
      if (owned.owner === ref) tasks.push({ kind: 'owned-principal', text: `${owned.kind} ${owned.id} is owned by ${ref}: name a new owner, revoke the API tokens ${person.name} may hold for it (tokens list --principal ${owned.kind}:${owned.id}), and rotate any credential ${person.name} could have seen` });
    }
    const tokens = await tx.tokens.list({ principal: ref, includeRevoked: false });
    const pending = await pendingRequestsOf(tx, [ref]);
    return {
      subject: ref, name: person.name, delegations: [], revocations: [], tasks,
      tokens: tokens.map((token) => ({ id: token.id, principal: token.principal, name: token.name })),
      cancel: pending.map((change) => ({ changeId: change.id, action: change.action, classId: change.classId, status: change.status })),
    };
  };

  const planPartner = async (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, id: string): Promise<OffboardingPlan> => {
    const governance = requireGovernance(snapshot);
    const partner = governance.partners.find((entry) => entry.id === id);
    if (partner === undefined) {
      throw new TrustplaneError(id === governance.organization.id ? 'VALIDATION_FAILED' : 'NOT_FOUND', id === governance.organization.id ? `${id} is the organization itself, not a partner` : `no partner ${id} is declared in governance`);
    }
    const org = `org:${id}`;
    const principals = [
      ...governance.people.filter((entry) => entry.org === id).map((entry) => `person:${entry.id}`),
      ...governance.serviceAccounts.filter((entry) => entry.org === id).map((entry) => `service-account:${entry.id}`),
      ...governance.agents.filter((entry) => entry.org === id).map((entry) => `agent:${entry.id}`),
    ];
    const revoked = await tx.authz.revocations();
    const delegations = governance.delegations.filter((delegation) => delegation.to === org && !revoked.has(delegation.id as string));
    const tokens = (await Promise.all(principals.map((principal) => tx.tokens.list({ principal, includeRevoked: false })))).flat();
    const pending = await pendingRequestsOf(tx, principals);
    const ids = [...new Set([...await tx.monitor.exposedTo(org), ...await tx.monitor.changedBy(principals), ...pending.flatMap((change) => change.credentialIds)])];
    const tasks: OffboardingTask[] = [];
    const revocations = await revocationsOf(tx, snapshot, await tx.monitor.liveCredentials(ids), triggerOf.partner, tasks, new Set(pending.map((change) => change.id)));
    return {
      subject: subjectOf('partner', id), name: partner.name, tasks, revocations,
      cancel: pending.map((change) => ({ changeId: change.id, action: change.action, classId: change.classId, status: change.status })),
      delegations: delegations.map((delegation) => ({ id: delegation.id as string, classes: [...delegation.classes], actions: [...delegation.actions] })),
      tokens: tokens.map((token) => ({ id: token.id, principal: token.principal, name: token.name })),
    };
  };

  const planWorkload = async (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, id: string): Promise<OffboardingPlan> => {
    const governance = requireGovernance(snapshot);
    const workload = governance.workloads.find((entry) => entry.id === id);
    if (workload === undefined) throw new TrustplaneError('NOT_FOUND', `no workload ${id} is declared in governance`);
    const tasks: OffboardingTask[] = [];
    const credentials = await tx.monitor.liveCredentials(await tx.monitor.consumedBy(id));
    const alone = credentials.filter((credential) => credential.workloads.every((other) => other === id));
    for (const shared of credentials.filter((credential) => !alone.includes(credential))) {
      tasks.push({ kind: 'shared-credential', text: `credential ${shared.id} (${shared.name}) is also used by ${shared.workloads.filter((other) => other !== id).join(', ')}: rotate it so that ${id} no longer holds a valid copy` });
    }
    if (workload.lifecycle !== 'decommissioned') tasks.push({ kind: 'governance', text: `set lifecycle: decommissioned on workload ${id} in governance.yaml` });
    return { subject: subjectOf('workload', id), name: workload.name ?? id, delegations: [], tokens: [], cancel: [], tasks, revocations: await revocationsOf(tx, snapshot, alone, triggerOf.workload, tasks) };
  };

  const planners: Record<OffboardingKind, (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, id: string) => Promise<OffboardingPlan>> = {
    person: planPerson, partner: planPartner, workload: planWorkload,
  };

  const record = async (tx: UnitOfWorkContext, stored: StoredOffboarding): Promise<OffboardingRecord> => {
    const plan = stored.plan as StoredPlan;
    const filed: OffboardingChange[] = [];
    const now = clock.now();
    for (const changeId of plan.changeIds) {
      const change = await tx.changes.find(changeId);
      if (change === null) continue;
      // On time as the revocation clock judges it, for posture and the evidence pack too: verified by the due time.
      const { outcome } = revocationClock(change, now).sla;
      filed.push({
        id: change.id, classId: change.classId, status: change.status, trigger: change.trigger, dueAt: change.dueAt, verifiedAt: change.verifiedAt, credentials: [...change.credentialIds],
        onTime: outcome === 'met' ? true : outcome === 'missed' ? false : null,
      });
    }
    const verified = filed.filter((change) => change.status === 'verified').length;
    const { changeIds: _changeIds, ...shown } = plan;
    return {
      id: stored.id, subject: stored.subject, at: stored.at, by: stored.by, reason: stored.reason, plan: shown, reinstatement: stored.reinstatement, changes: filed,
      progress: { verified, total: filed.length, complete: verified === filed.length, overdue: filed.filter((change) => change.onTime === false && change.status !== 'verified').length },
    };
  };

  return {
    /** Plans (dryRun) or carries out the offboarding of a person, partner or workload. */
    async offboard(actor: Actor, input: { kind: OffboardingKind; id: string; reason: string; dryRun: boolean }): Promise<{ dryRun: boolean; plan: OffboardingPlan; offboarding: OffboardingRecord | null }> {
      if (!(offboardingKinds as readonly string[]).includes(input.kind)) throw new TrustplaneError('VALIDATION_FAILED', `"${input.kind}" cannot be offboarded; offboard a ${offboardingKinds.join(', a ')}`);
      if (!idPattern.test(input.id)) throw new TrustplaneError('VALIDATION_FAILED', `"${input.id.slice(0, 80)}" is not an id`);
      const subject = subjectOf(input.kind, input.id);
      try {
        return await unitOfWork(async (tx) => {
          const earlier = await tx.monitor.offboardingOf(subject);
          if (earlier !== null && earlier.reinstatement === null) throw new TrustplaneError('CONFLICT', `${subject} was already offboarded at ${earlier.at} by ${earlier.by} (offboarding ${earlier.id}); \`trustplane offboard show ${earlier.id}\` shows its progress`);
          const snapshot = await authz.snapshot(tx);
          const plan = await planners[input.kind](tx, snapshot, input.id);
          if (input.dryRun) return { dryRun: true, plan, offboarding: null };

          const now = clock.now();
          const id = randomId(random, 'off');
          const version = snapshot.version ?? undefined;
          const audit = (action: string, target: string, details: Record<string, unknown>) => tx.audit.append({
            at: now, actor: actor.ref, action, target, ...(version === undefined ? {} : { governanceVersion: version }), ...requestIdOf(actor), details: { offboarding: id, ...details },
          });
          for (const delegation of plan.delegations) {
            await tx.authz.revokeDelegation({ delegationId: delegation.id, revokedAt: now.toISOString(), revokedBy: actor.ref, reason: `${subject} offboarded: ${input.reason}` });
            await audit('delegation.revoke', `delegation:${delegation.id}`, { partner: `org:${input.id}`, reason: input.reason });
          }
          for (const token of plan.tokens) {
            await tx.tokens.markRevoked(token.id, now.toISOString());
            await audit('token.revoke', `token:${token.id}`, { principal: token.principal, reason: `${subject} offboarded` });
          }
          for (const entry of plan.cancel) {
            const change = await tx.changes.find(entry.changeId) as Change;
            const cancelled = await changes.cancelWithin(tx, snapshot, change, input.kind === 'partner' ? 'partner_offboarded' : 'owner_departed', `requester offboarded with ${subject} (offboarding ${id})`);
            if (isDenial(cancelled)) throw new Refused(cancelled);
          }
          const changeIds: string[] = [];
          const system = { ref: systemPrincipals.automation, readOnly: false };
          for (const revocation of plan.revocations) {
            const filed = await changes.requestWithin(tx, snapshot, system, {
              action: 'revoke', credentialIds: revocation.credentials.map((credential) => credential.id), trigger: revocation.trigger, orderedBy: actor.ref,
              reason: `${subject} offboarded by ${actor.ref} (offboarding ${id}): ${input.reason}`,
            });
            if (isDenial(filed)) throw new Refused(filed);
            changeIds.push(filed.id);
          }
          const stored = { id, subject, at: now.toISOString(), by: actor.ref, reason: input.reason, plan: { ...plan, changeIds } satisfies StoredPlan, reinstatement: null };
          await tx.monitor.insertOffboarding(stored);
          await audit(`offboard.${input.kind}`, subject, {
            reason: input.reason, delegations: plan.delegations.map((delegation) => delegation.id), tokens: plan.tokens.length, cancelled: plan.cancel.map((entry) => entry.changeId),
            changes: changeIds, tasks: plan.tasks.length,
          });
          return { dryRun: false, plan, offboarding: await record(tx, stored) };
        });
      } catch (error) {
        if (error instanceof Refused) return authz.settle<never>(error.denial, actor.requestId);
        throw error;
      }
    },

    /** Offboardings, newest first, a page at a time, each with the progress of its revocations. */
    list: (page: { limit: number; offset: number }): Promise<OffboardingRecord[]> =>
      unitOfWork(async (tx) => Promise.all((await tx.monitor.offboardings(page)).map((stored) => record(tx, stored)))),

    /**
     * Takes an offboarded subject back (a person rehired, a partner engaged again, a workload restored):
     * alerts route to them again and they may be offboarded again later. What the offboarding did stays
     * done and on record: revoked tokens and delegations stay revoked (new ones are issued or declared), and
     * the revocations it filed go on until someone cancels them.
     */
    async reinstate(actor: Actor, idOrSubject: string, reason: string): Promise<OffboardingRecord> {
      if (reason.trim() === '' || reason.length > 2000) throw new TrustplaneError('VALIDATION_FAILED', 'say why the subject is reinstated, in a few words (at most 2,000 characters)');
      return unitOfWork(async (tx) => {
        const stored = await tx.monitor.offboardingOf(idOrSubject);
        if (stored === null) throw new TrustplaneError('NOT_FOUND', `no offboarding ${idOrSubject}; \`trustplane offboard list\` shows them`);
        if (stored.reinstatement !== null) {
          const current = await tx.monitor.offboardingOf(stored.subject);
          const inForce = current !== null && current.reinstatement === null ? `; ${stored.subject} was offboarded again by ${current.id}, which is the one to reinstate` : `; ${stored.subject} is not offboarded`;
          throw new TrustplaneError('CONFLICT', `offboarding ${stored.id} was already reinstated at ${stored.reinstatement.at} by ${stored.reinstatement.by}${inForce}`);
        }
        const reinstatement = { at: clock.now().toISOString(), by: actor.ref, reason };
        if (!await tx.monitor.reinstateOffboarding(stored.id, reinstatement)) {
          throw new TrustplaneError('CONFLICT', `offboarding ${stored.id} changed at the same moment (someone else reinstated ${stored.subject}); look at it again`);
        }
        const shown = await record(tx, { ...stored, reinstatement });
        const snapshot = await authz.snapshot(tx);
        await tx.audit.append({
          at: new Date(reinstatement.at), actor: actor.ref, action: 'offboard.reinstate', target: stored.subject, ...requestIdOf(actor),
          ...(snapshot.version === null ? {} : { governanceVersion: snapshot.version }),
          details: { offboarding: stored.id, reason, offboardedAt: stored.at, revocationsUnderWay: shown.changes.filter((change) => !(finalStatuses as readonly string[]).includes(change.status)).map((change) => change.id) },
        });
        return shown;
      });
    },

    /** One offboarding by its id or its subject (partner:globex). */
    async show(idOrSubject: string): Promise<OffboardingRecord> {
      return unitOfWork(async (tx) => {
        const stored = await tx.monitor.offboardingOf(idOrSubject);
        if (stored === null) throw new TrustplaneError('NOT_FOUND', `no offboarding ${idOrSubject}; \`trustplane offboard list\` shows them`);
        return record(tx, stored);
      });
    },
  };
};

export type OffboardingService = ReturnType<typeof createOffboardingService>;
export { offboardingTriggers };
