// A fixed mix of authorization queries over the generated governance, as the API asks them: requests on
// classes, approvals, executions and verifications of changes (with requester, approvers and executor),
// partners acting inside and outside their windows, reads of governance and playbook invocations. Each
// query's time falls somewhere in the two weeks after the governance was applied. Seeded, so every run
// asks the same questions.
import { seeded } from '../../src/server/demo/demo-inventory.ts';
import type { AuthzQuery, AuthzResource, DelegationRevocation } from '../../src/core/authz/authz-model.ts';
import { stepAction } from '../../src/core/authz/cedar-schema.ts';
import type { Governance, GovernedAction } from '../../src/core/governance/index.ts';
import { governedActions, revocationReasons } from '../../src/core/governance/index.ts';
import {
  benchEpoch, classId, delegatedActions, delegatedClasses, partnerId, partnerPeople, partnerPersonId, personId, queryPeriodMs, serviceAccountId,
} from './governance.ts';
import type { GovernanceSize } from './governance.ts';

/** What a query is about, to break the figures down by kind. */
export const queryKinds = ['request', 'approve', 'execute', 'verify', 'partner', 'read', 'invoke-playbook'] as const;
export type QueryKind = (typeof queryKinds)[number];
export type BenchQuery = { kind: QueryKind; query: AuthzQuery };

// Share of each kind in the mix, in percent.
const mix: Record<QueryKind, number> = { request: 15, approve: 15, execute: 15, verify: 10, partner: 20, read: 15, 'invoke-playbook': 10 };


/** One delegation in ten partners' worth is revoked, as an operator would after an incident. */
export const revokedDelegations = (size: GovernanceSize): ReadonlyMap<string, DelegationRevocation> => new Map(
  Array.from({ length: Math.ceil(size.partners / 10) }, (_, n) => {
    const delegationId = `${partnerId(n * 10 + 3 < size.partners ? n * 10 + 3 : 0)}-daytime`;
    return [delegationId, { delegationId, revokedAt: benchEpoch.toISOString(), revokedBy: `person:${personId(0)}`, reason: 'partner incident' }];
  }),
);

export const generateQueries = (governance: Governance, size: GovernanceSize, count: number, seed = 1): BenchQuery[] => {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const below = (n: number): number => Math.floor(random() * n);
  const at = (): Date => new Date(benchEpoch.getTime() + below(queryPeriodMs / 60_000) * 60_000);
  const membersOf = new Map<string, string[]>();
  for (const person of governance.people) {
    for (const team of person.teams) membersOf.set(team, [...membersOf.get(team) ?? [], `person:${person.id}`]);
  }
  const members = (ref: string): string[] => (ref.startsWith('team:') ? membersOf.get(ref.slice('team:'.length)) ?? [] : [ref]);
  const anyone = (): string => `person:${personId(below(size.people))}`;

  const changeOn = (classIndex: number, action: GovernedAction, requester: string, approvers: readonly string[], executor: string | null): AuthzResource => {
    const right = governance.classes[classIndex]?.decisionRights[action];
    return {
      type: 'change', id: `change-${below(1_000_000)}`, classId: classId(classIndex), lifecycleAction: action,
      requester, approvers, executor, preApproved: right?.preApproved ?? false,
    };
  };

  const customer = (kind: Exclude<QueryKind, 'partner'>): AuthzQuery => {
    const classIndex = below(size.classes);
    const action = pick(governedActions);
    const right = governance.classes[classIndex]?.decisionRights[action];
    const responsible = (right?.responsible ?? []).filter((ref) => !ref.startsWith('org:')).flatMap(members);
    const approvers = [right?.accountable ?? anyone(), ...right?.approvers ?? []];
    const requester = pick(responsible);
    const executor = pick(responsible.filter((ref) => ref !== requester).length > 0 ? responsible.filter((ref) => ref !== requester) : responsible);
    const verifier = pick(members(right?.verifier ?? 'team:security'));
    const approved = right?.preApproved ? [] : approvers.slice(0, right?.approvals ?? 1);
    switch (kind) {
      case 'request': {
        // Two in three ask for what their team is responsible for; the rest for a class that is not theirs.
        const principal = random() < 2 / 3 ? requester : random() < 0.5 ? anyone() : `service-account:${serviceAccountId(below(size.serviceAccounts))}`;
        return { principal, action: stepAction('request', action), resource: { type: 'class', classId: classId(classIndex) }, at: at() };
      }
      case 'approve': {
        const principal = right?.preApproved && random() < 0.5 ? 'system:automation'
          : random() < 0.8 ? pick(approvers) : random() < 0.5 ? requester : 'system:automation';
        const pending = approvers.length > 1 && random() < 0.5 ? [approvers[1] as string] : [];
        return { principal, action: stepAction(random() < 0.9 ? 'approve' : 'reject', action), resource: changeOn(classIndex, action, requester, pending, null), at: at() };
      }
      case 'execute': {
        // Mostly someone responsible; now and then an approver, whom separation of duties refuses.
        const principal = random() < 0.85 ? executor : pick(approvers);
        return { principal, action: stepAction('execute', action), resource: changeOn(classIndex, action, requester, approved, null), at: at() };
      }
      case 'verify': {
        const principal = random() < 0.8 ? verifier : random() < 0.5 ? executor : anyone();
        return { principal, action: stepAction('verify', action), resource: changeOn(classIndex, action, requester, approved, executor), at: at() };
      }
      case 'read':
        return {
          principal: random() < 0.9 ? anyone() : `service-account:${serviceAccountId(below(size.serviceAccounts))}`,
          action: 'read', resource: { type: 'governance' }, at: at(), ...(random() < 0.3 ? { readOnly: true } : {}),
        };
      case 'invoke-playbook': {
        const playbook = pick(governance.playbooks);
        const trigger = random() < 0.9 ? playbook.triggers[0] ?? 'key_compromise' : pick(revocationReasons);
        const classes = playbook.classes.includes('*') ? [classId(classIndex)] : [pick(playbook.classes)];
        const responders = playbook.responders.flatMap(members);
        return {
          principal: random() < 0.8 ? pick(responders) : anyone(), action: 'invoke-playbook', resource: { type: 'playbook', id: playbook.id }, at: at(),
          invocation: { trigger, lifecycleAction: pick(playbook.actions), classes, credentialCount: 1 + below(50) },
        };
      }
    }
  };

  const partner = (): AuthzQuery => {
    const index = below(size.partners);
    const principal = `person:${partnerPersonId(index, below(partnerPeople))}`;
    const delegation = below(delegatedActions.length);
    // Nine in ten on a class and action the partner was delegated, at any time (so inside or outside a
    // window); the rest on a class it holds nothing for, or a step partners never take.
    const roll = random();
    const classIndex = roll < 0.9 ? pick(delegatedClasses(size, index)[delegation] ?? [0]) : below(size.classes);
    const action = pick(roll < 0.9 ? delegatedActions[delegation] ?? governedActions : governedActions);
    const right = governance.classes[classIndex]?.decisionRights[action];
    const approved = right?.preApproved ? [] : [right?.accountable ?? anyone()];
    if (roll >= 0.97) {
      return { principal, action: stepAction('approve', action), resource: changeOn(classIndex, action, `person:${personId(0)}`, [], null), at: at() };
    }
    return random() < 0.5
      ? { principal, action: stepAction('request', action), resource: { type: 'class', classId: classId(classIndex) }, at: at() }
      : { principal, action: stepAction('execute', action), resource: changeOn(classIndex, action, principal, approved, null), at: at() };
  };

  const thresholds = queryKinds.map((kind, i) => ({ kind, upTo: queryKinds.slice(0, i + 1).reduce((sum, k) => sum + mix[k], 0) / 100 }));
  return Array.from({ length: count }, () => {
    const roll = random();
    const kind = thresholds.find((threshold) => roll < threshold.upTo)?.kind ?? 'read';
    return { kind, query: kind === 'partner' ? partner() : customer(kind) };
  });
};
