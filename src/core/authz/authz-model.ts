// What Cedar needs from governance for one request, assembled without I/O: the acting principal with its
// teams and organization, the resource with its class, the action with its group, and a context that
// says which of the principal's delegations covering this class and action are live and inside a window
// at the time of the decision. Only these three entities are passed to Cedar (DESIGN.md: the call costs
// ~60 µs with 3 entities and ten times that with 80).
import { delegationIsLive, delegationIsOpen, isWindowOpen, nextWindowOpening, delegationEnd } from '../governance/change-windows.ts';
import type { Delegation, Governance } from '../governance/governance-model.ts';
import type { GovernedAction } from '../governance/governance-vocabulary.ts';
import { formatInstant } from '../governance/governance-time.ts';
import { entityTypes, parseStepAction } from './cedar-schema.ts';
import type { AuthzAction } from './cedar-schema.ts';
import { createPersonBehind } from '../governance/person-behind.ts';
import type { Invocation } from '../governance/playbook-scope.ts';
import type { PersonBehind } from '../governance/person-behind.ts';

export type EntityUid = { type: string; id: string };
export type CedarValue = string | number | boolean | CedarValue[] | { __entity: EntityUid } | { [key: string]: CedarValue };
export type CedarEntity = { uid: EntityUid; attrs: Record<string, CedarValue>; parents: EntityUid[] };

export type DelegationRevocation = { delegationId: string; revokedAt: string; revokedBy: string; reason: string };

/** The resource of a decision, with the facts the policies read. */
export type AuthzResource =
  | { type: 'governance' }
  | { type: 'class'; classId: string }
  | { type: 'credential'; id: string; classId: string | null; revealTo?: readonly string[] }
  | {
    type: 'change'; id: string; classId: string; lifecycleAction: GovernedAction; requester: string; approvers: readonly string[]; executor: string | null; preApproved: boolean;
    orderedBy?: string | null;
    /** The people recorded behind each principal that stood for someone else when it took its steps. */
    people?: Readonly<Record<string, readonly string[]>>;
  }
  | { type: 'playbook'; id: string }
  | { type: 'review'; id: string; classId: string; accountable: string; executor: string; /** The people recorded behind the executor when it executed. */ executorPeople?: readonly string[] }
  | { type: 'alert'; id: string; classId: string | null; recipients: readonly string[]; escalateTo: readonly string[] }
  | { type: 'delegation'; id: string; grantedBy: string; partner: string }
  | { type: 'token'; principal: string; owner: string | null; readOnly: boolean };

/** A playbook invocation, as its scope reads it (playbook-scope.ts). */
export type PlaybookInvocation = Invocation;

export type AuthzQuery = {
  /** `person:carol`, `service-account:renewal-bot`, `system:automation`… */
  principal: string;
  action: AuthzAction;
  resource: AuthzResource;
  at: Date;
  readOnly?: boolean;
  invocation?: PlaybookInvocation;
  /** Why a revocation is asked for, or why the system cancels a change (an offboarding). */
  trigger?: string;
};

export type CedarRequest = {
  principal: EntityUid;
  action: EntityUid;
  resource: EntityUid;
  context: Record<string, CedarValue>;
  entities: CedarEntity[];
};

type PrincipalFacts = { type: string; id: string; parents: EntityUid[]; partner: string | null };

/** Governance indexed for request assembly; built once per governance version. */
export type AuthzModel = {
  governance: Governance;
  principal(ref: string): PrincipalFacts | null;
  /** The person behind a principal: a service account's or agent's owner; anyone else is themselves. */
  personOf: PersonBehind;
  delegationsTo(partner: string): readonly Delegation[];
};

const uid = (type: string, id: string): EntityUid => ({ type: `Trustplane::${type}`, id });

export const createAuthzModel = (governance: Governance): AuthzModel => {
  const customer = governance.organization.id;
  const partners = new Set(governance.partners.map((partner) => partner.id));
  const principals = new Map<string, PrincipalFacts>();
  const partnerOf = (org: string): string | null => (org !== customer && partners.has(org) ? org : null);
  for (const person of governance.people) {
    principals.set(`person:${person.id}`, {
      type: entityTypes.person, id: person.id, partner: partnerOf(person.org),
      parents: [...person.teams.map((team) => uid(entityTypes.team, team)), uid(entityTypes.organization, person.org)],
    });
  }
  // A service account or agent counts as its owner: one a partner's person owns acts as that partner,
  // whatever organization it is declared in, so partners' rules bound it too.
  const ownerOrg = new Map(governance.people.map((person) => [`person:${person.id}`, person.org]));
  const partnerBehind = (org: string, owner: string): string | null => partnerOf(org) ?? partnerOf(ownerOrg.get(owner) ?? customer);
  for (const account of governance.serviceAccounts) {
    principals.set(`service-account:${account.id}`, {
      type: entityTypes.serviceAccount, id: account.id, partner: partnerBehind(account.org, account.owner),
      parents: [...account.teams.map((team) => uid(entityTypes.team, team)), uid(entityTypes.organization, account.org)],
    });
  }
  for (const agent of governance.agents) {
    principals.set(`agent:${agent.id}`, { type: entityTypes.agent, id: agent.id, partner: partnerBehind(agent.org, agent.owner), parents: [uid(entityTypes.organization, agent.org)] });
  }
  const delegations = new Map<string, Delegation[]>();
  for (const delegation of governance.delegations) {
    const partner = delegation.to.slice('org:'.length);
    delegations.set(partner, [...delegations.get(partner) ?? [], delegation]);
  }
  return {
    governance,
    principal(ref) {
      if (ref.startsWith('system:')) return { type: entityTypes.system, id: ref.slice('system:'.length), parents: [], partner: null };
      return principals.get(ref) ?? null;
    },
    personOf: createPersonBehind(governance),
    delegationsTo: (partner) => delegations.get(partner) ?? [],
  };
};

const covers = (delegation: Delegation, classId: string | null, action: GovernedAction | null): boolean =>
  classId !== null && action !== null
  && (delegation.classes.includes('*') || delegation.classes.includes(classId))
  && delegation.actions.includes(action);

const resourceEntity = (resource: AuthzResource, personOf: PersonBehind): CedarEntity => {
  const inClass = (classId: string | null): EntityUid[] => (classId === null ? [] : [uid(entityTypes.class, classId)]);
  const governance = [uid(entityTypes.governance, 'current')];
  switch (resource.type) {
    case 'governance': return { uid: uid(entityTypes.governance, 'current'), attrs: {}, parents: [] };
    case 'class': return { uid: uid(entityTypes.class, resource.classId), attrs: {}, parents: governance };
    case 'credential': return { uid: uid(entityTypes.credential, resource.id), attrs: resource.revealTo === undefined ? {} : { revealTo: [...resource.revealTo] }, parents: inClass(resource.classId) };
    case 'change': {
      const peopleBehind = (refs: readonly string[]): string[] =>
        [...new Set(refs.flatMap((ref) => [personOf(ref), ...resource.people?.[ref] ?? []]))];
      return {
        uid: uid(entityTypes.change, resource.id),
        attrs: {
          lifecycleAction: resource.lifecycleAction,
          requester: resource.requester,
          approvers: [...resource.approvers],
          ...(resource.executor === null ? {} : { executor: resource.executor }),
          ...(resource.orderedBy === undefined || resource.orderedBy === null ? {} : { orderedBy: resource.orderedBy }),
          preApproved: resource.preApproved,
          // The people behind each duty: the one recorded when the step was taken and the one governance
          // names now, so that handing an account to someone else between two steps opens no path.
          requesterPeople: peopleBehind([resource.requester]),
          approverPeople: peopleBehind(resource.approvers),
          executorPeople: peopleBehind(resource.executor === null ? [] : [resource.executor]),
          orderedByPeople: peopleBehind(resource.orderedBy === undefined || resource.orderedBy === null ? [] : [resource.orderedBy]),
        },
        parents: inClass(resource.classId),
      };
    }
    case 'playbook': return { uid: uid(entityTypes.playbook, resource.id), attrs: {}, parents: governance };
    case 'review': return { uid: uid(entityTypes.review, resource.id), attrs: { accountable: resource.accountable, executor: resource.executor, executorPeople: [...new Set([personOf(resource.executor), ...resource.executorPeople ?? []])] }, parents: inClass(resource.classId) };
    case 'alert': return { uid: uid(entityTypes.alert, resource.id), attrs: { recipients: [...resource.recipients], escalateTo: [...resource.escalateTo] }, parents: inClass(resource.classId) };
    case 'delegation': return { uid: uid(entityTypes.delegation, resource.id), attrs: { grantedBy: resource.grantedBy, partner: resource.partner }, parents: governance };
    case 'token': return { uid: uid(entityTypes.tokenGrant, resource.principal), attrs: { principal: resource.principal, owner: resource.owner ?? '', readOnly: resource.readOnly }, parents: governance };
  }
};

/** The class a resource belongs to, or null for resources outside classes. */
export const resourceClassOf = (resource: AuthzResource): string | null => {
  switch (resource.type) {
    case 'class': case 'change': case 'review': return resource.classId;
    case 'credential': case 'alert': return resource.classId;
    case 'governance': case 'playbook': case 'delegation': case 'token': return null;
  }
};

/** The Cedar request for a query; `revoked` holds the delegations revoked so far. */
export const buildCedarRequest = (model: AuthzModel, query: AuthzQuery, revoked: ReadonlyMap<string, DelegationRevocation>): CedarRequest => {
  const facts = model.principal(query.principal)
    ?? { type: entityTypes.person, id: query.principal.replace(/^[a-z-]+:/, ''), parents: [], partner: null };
  const principalUid = uid(facts.type, facts.id);
  const step = parseStepAction(query.action);
  const actionUid: EntityUid = { type: 'Trustplane::Action', id: query.action };
  const classId = resourceClassOf(query.resource);
  // Only the delegations that cover this class and action can permit it, so only their windows are checked.
  const open = facts.partner === null ? [] : model.delegationsTo(facts.partner)
    .filter((delegation) => covers(delegation, classId, step?.action ?? null) && !revoked.has(delegation.id as string) && delegationIsOpen(delegation, query.at));
  const lifecycleAction = step?.action ?? query.invocation?.lifecycleAction ?? '';
  return {
    principal: principalUid,
    action: actionUid,
    resource: resourceEntity(query.resource, model.personOf).uid,
    context: {
      readOnly: query.readOnly ?? false,
      openDelegations: open.map((delegation) => delegation.id as string),
      delegatedHere: open.length > 0,
      lifecycleAction,
      trigger: query.invocation?.trigger ?? query.trigger ?? '',
      classes: [...query.invocation?.classes ?? []],
      credentialCount: query.invocation?.credentialCount ?? 0,
    },
    entities: [
      { uid: principalUid, attrs: { ref: query.principal, person: model.personOf(query.principal), partner: facts.partner !== null }, parents: facts.parents },
      resourceEntity(query.resource, model.personOf),
      // The action with its group (approve-revoke in approve), so that no schema has to be passed per call.
      { uid: actionUid, attrs: {}, parents: step === null ? [] : [{ type: 'Trustplane::Action', id: step.step }] },
    ],
  };
};

export type DelegationDenial = { code: 'OUTSIDE_CHANGE_WINDOW' | 'DELEGATION_EXPIRED' | 'DELEGATION_REVOKED' | 'FORBIDDEN'; message: string };

/**
 * Why a partner may not act on a class now: the most useful of the delegations that would cover it. A
 * window that is merely closed beats an expired delegation, which beats a revoked one, because that is
 * what the partner can wait for.
 */
export const explainDelegationDenial = (
  model: AuthzModel, principal: string, classId: string | null, action: GovernedAction | null, at: Date, revoked: ReadonlyMap<string, DelegationRevocation>,
): DelegationDenial | null => {
  const facts = model.principal(principal);
  if (facts === null || facts.partner === null) return null;
  const partner = facts.partner;
  const relevant = model.delegationsTo(partner).filter((delegation) => covers(delegation, classId, action));
  if (relevant.length === 0) {
    return { code: 'FORBIDDEN', message: `partner ${partner} holds no delegation for ${action ?? 'this action'} on class ${classId ?? '(none)'}; partners act only under a delegation from an accountable person` };
  }
  const live = relevant.filter((delegation) => !revoked.has(delegation.id as string) && delegationIsLive(delegation, at));
  for (const delegation of live) {
    const windows = delegation.windows ?? [];
    if (delegation.windows === undefined || windows.some((window) => isWindowOpen(window, at))) continue;
    const end = delegationEnd(delegation) ?? undefined;
    const next = windows.map((window) => nextWindowOpening(window, at, end)).filter((date): date is Date => date !== null).sort((a, b) => a.getTime() - b.getTime())[0];
    const zones = windows.flatMap((window) => ('cron' in window ? [`${window.cron} for ${window.duration} (${window.timeZone})`] : [`${window.from} to ${window.to}`]));
    return {
      code: 'OUTSIDE_CHANGE_WINDOW',
      message: `delegation ${delegation.id} lets partner ${partner} ${action} on ${classId} only inside its change windows (${zones.join('; ')}), and none is open at ${formatInstant(at.getTime())}; ${next === undefined ? 'no window opens again before the delegation ends' : `the next opens at ${formatInstant(next.getTime())}`}`,
    };
  }
  const expired = relevant.find((delegation) => !revoked.has(delegation.id as string) && !delegationIsLive(delegation, at));
  if (expired !== undefined) {
    return { code: 'DELEGATION_EXPIRED', message: `delegation ${expired.id} to partner ${partner} ended at ${formatInstant(delegationEnd(expired)?.getTime() ?? 0)}; ask ${expired.grantedBy} for a new delegation` };
  }
  const revocation = relevant.map((delegation) => revoked.get(delegation.id as string)).find((entry) => entry !== undefined);
  if (revocation !== undefined) {
    return { code: 'DELEGATION_REVOKED', message: `delegation ${revocation.delegationId} to partner ${partner} was revoked at ${revocation.revokedAt} by ${revocation.revokedBy} (${revocation.reason})` };
  }
  return null;
};
