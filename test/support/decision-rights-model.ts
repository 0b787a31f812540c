// A model of the decision rights, written from DESIGN.md ("Separation of duties (enforced, never configurable
// away)" and "Separation of duties, stated once") and independent of the product's own rules, so that a
// property test can catch the product being wrong. It reads governance.yaml with its own small schema and
// judges what the API recorded: a change's steps, an import's effect, who minted which token.
import { parse } from 'yaml';
import { z } from 'zod';

const refs = z.array(z.string()).default([]);
const right = z.object({
  responsible: refs,
  accountable: z.string(),
  approvers: refs,
  verifier: z.string().optional(),
  preApproved: z.boolean().default(false),
});
const documentSchema = z.object({
  organization: z.object({ id: z.string() }),
  people: z.array(z.object({ id: z.string(), org: z.string(), teams: refs })),
  serviceAccounts: z.array(z.object({ id: z.string(), org: z.string(), owner: z.string(), teams: refs })).default([]),
  agents: z.array(z.object({ id: z.string(), org: z.string(), owner: z.string() })).default([]),
  classes: z.array(z.object({ id: z.string(), verifier: z.string().optional(), decisionRights: z.record(z.string(), right) })),
  delegations: z.array(z.object({
    id: z.string(),
    to: z.string(),
    classes: z.array(z.string()),
    actions: z.array(z.string()),
    windows: z.array(z.object({ cron: z.string(), duration: z.string(), timeZone: z.string() })),
    until: z.union([z.string(), z.date()]),
  })).default([]),
  playbooks: z.array(z.object({ id: z.string(), responders: z.array(z.string()) })).default([]),
});

export type GovernanceModel = z.output<typeof documentSchema>;
type DecisionRight = z.output<typeof right>;
type Delegation = GovernanceModel['delegations'][number];

/** Reads the parts of governance.yaml the rules need; the model supports only `M H * * DAYS` windows. */
export const readGovernanceModel = (document: string): GovernanceModel => documentSchema.parse(parse(document));

/** A step as the API records it, with the version of governance it was taken under. */
export type RecordedStep = { at: string; actor: string; step: string; governanceVersion: number };
export type RecordedChange = { id: string; classId: string; action: string; playbookId: string | null; events: readonly RecordedStep[] };
export type Violation = { rule: string; detail: string };

const kindOf = (ref: string): string => ref.slice(0, ref.indexOf(':'));
const idOf = (ref: string): string => ref.slice(ref.indexOf(':') + 1);

const principalOf = (governance: GovernanceModel, ref: string) => {
  switch (kindOf(ref)) {
    case 'person': {
      const person = governance.people.find((entry) => entry.id === idOf(ref));
      return person === undefined ? null : { org: person.org, owner: ref, teams: person.teams };
    }
    case 'service-account': {
      const account = governance.serviceAccounts.find((entry) => entry.id === idOf(ref));
      return account === undefined ? null : { org: account.org, owner: account.owner, teams: account.teams };
    }
    case 'agent': {
      const agent = governance.agents.find((entry) => entry.id === idOf(ref));
      return agent === undefined ? null : { org: agent.org, owner: agent.owner, teams: [] };
    }
    default: return null;
  }
};

/**
 * The person behind a principal: a person is themselves, a service account or agent counts as its owner
 * (governance names a person as the owner of each). Trustplane's own principals (system:…) and a playbook
 * stand for no person, so they never collide with one: a pre-approved standard change is approved by the
 * system principal, a playbook's change by the playbook.
 */
export const personBehind = (governance: GovernanceModel, ref: string): string => principalOf(governance, ref)?.owner ?? ref;

/** A partner principal: one of a partner organisation, or a service account or agent owned by a partner's person. */
export const isPartner = (governance: GovernanceModel, ref: string): boolean => {
  const principal = principalOf(governance, ref);
  if (principal === null) return false;
  const owner = principalOf(governance, principal.owner);
  return principal.org !== governance.organization.id || (owner !== null && owner.org !== governance.organization.id);
};

/** Whether `ref` is, or belongs to, one of the principals named (people, service accounts, agents, teams). */
const namedAmong = (governance: GovernanceModel, ref: string, named: readonly string[]): boolean => {
  if (named.includes(ref)) return true;
  const teams = principalOf(governance, ref)?.teams ?? [];
  return teams.some((team) => named.includes(`team:${team}`));
};

const durationMs = (text: string): number => {
  const match = /^(\d+)([mhd])$/.exec(text);
  if (match === null) throw new Error(`the model reads durations like 4h, not ${text}`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
};

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall clock in a time zone, to the minute. */
const wallClock = (at: Date, timeZone: string): { day: number; hour: number; minute: number } => {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string): string => parts.find((entry) => entry.type === type)?.value ?? '';
  return { day: weekdays.indexOf(part('weekday')), hour: Number(part('hour')), minute: Number(part('minute')) };
};

const cronDays = (field: string): Set<number> => {
  if (field === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const item of field.split(',')) {
    const [from, to] = item.split('-').map(Number) as [number, number | undefined];
    for (let day = from; day <= (to ?? from); day++) days.add(day % 7);
  }
  return days;
};

/** Whether a recurring window `M H * * DAYS` (with a duration, in a time zone) is open at the instant. */
export const windowOpen = (window: Delegation['windows'][number], at: Date): boolean => {
  const [minute, hour, dayOfMonth, month, days] = window.cron.split(/\s+/) as [string, string, string, string, string];
  if (dayOfMonth !== '*' || month !== '*') throw new Error(`the model reads windows like "0 22 * * 1-5", not "${window.cron}"`);
  const openDays = cronDays(days);
  // Walk back minute by minute over one duration: the window is open if it started at one of them.
  for (let back = 0; back < durationMs(window.duration); back += 60_000) {
    const clock = wallClock(new Date(at.getTime() - back), window.timeZone);
    if (clock.minute === Number(minute) && clock.hour === Number(hour) && openDays.has(clock.day)) return true;
  }
  return false;
};

/** A delegation ends at the end of its `until` day when that is a date (read as UTC), or at the instant given. */
const delegationEnds = (delegation: Delegation): number => {
  const until = delegation.until instanceof Date ? delegation.until.toISOString() : delegation.until;
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? Date.parse(`${until}T00:00:00Z`) + 86_400_000 : Date.parse(until);
};

/** Delegations a partner principal may act under for this class and action at this instant. */
export const openDelegations = (
  governance: GovernanceModel, ref: string, classId: string, action: string, at: Date, revokedAt: ReadonlyMap<string, Date>,
): Delegation[] => {
  const principal = principalOf(governance, ref);
  const orgs = principal === null ? [] : [principal.org, principalOf(governance, principal.owner)?.org];
  return governance.delegations.filter((delegation) => {
    const revoked = revokedAt.get(delegation.id);
    return orgs.includes(idOf(delegation.to))
      && (delegation.classes.includes(classId) || delegation.classes.includes('*'))
      && delegation.actions.includes(action)
      && at.getTime() < delegationEnds(delegation)
      && (revoked === undefined || at.getTime() < revoked.getTime())
      && delegation.windows.some((window) => windowOpen(window, at));
  });
};

const rightOf = (governance: GovernanceModel, change: RecordedChange): { right: DecisionRight; verifier: string | undefined } => {
  const credentialClass = governance.classes.find((entry) => entry.id === change.classId);
  const found = credentialClass?.decisionRights[change.action];
  if (credentialClass === undefined || found === undefined) throw new Error(`the model has no decision right for ${change.action} on ${change.classId}`);
  return { right: found, verifier: found.verifier ?? credentialClass.verifier };
};

/**
 * Every rule a change's recorded steps break. Each step is judged by who took it, when, and under the
 * governance in force then (who owns a service account may change between two steps). The steps that
 * count are request, approve, execute and verify: the outcome recorded after an execution is the
 * executor's own, and reject, cancel and expire change no trust state.
 */
export const changeViolations = (
  governanceAt: (version: number) => GovernanceModel, change: RecordedChange, revokedAt: ReadonlyMap<string, Date>,
): Violation[] => {
  const violations: Violation[] = [];
  const broken = (rule: string, detail: string): void => { violations.push({ rule, detail: `change ${change.id} (${change.action} on ${change.classId}): ${detail}` }); };
  const stepsOf = (name: string): RecordedStep[] => change.events.filter((event) => event.step === name);
  const person = (event: RecordedStep): string => personBehind(governanceAt(event.governanceVersion), event.actor);
  const partner = (event: RecordedStep): boolean => isPartner(governanceAt(event.governanceVersion), event.actor);
  const as = (event: RecordedStep): string => (person(event) === event.actor ? event.actor : `${event.actor} (${person(event)})`);
  const rightAt = (event: RecordedStep) => rightOf(governanceAt(event.governanceVersion), change);
  const playbookAt = (event: RecordedStep) => (change.playbookId === null ? undefined : governanceAt(event.governanceVersion).playbooks.find((entry) => entry.id === change.playbookId));

  const requesters = stepsOf('request');
  const approvals = stepsOf('approve');
  const executions = stepsOf('execute');
  const verifications = stepsOf('verify');

  const apart = (rule: string, first: readonly RecordedStep[], second: readonly RecordedStep[], firstRole: string, secondRole: string): void => {
    for (const a of first) {
      for (const b of second) {
        if (person(a) === person(b)) broken(rule, `${as(a)} ${firstRole} and ${as(b)} ${secondRole}: the same person`);
      }
    }
  };
  apart('requester ≠ approver', requesters, approvals, 'requested it', 'approved it');
  apart('requester ≠ verifier', requesters, verifications, 'requested it', 'verified it');
  apart('approver ≠ executor', approvals, executions, 'approved it', 'executed it');
  apart('approver ≠ verifier', approvals, verifications, 'approved it', 'verified it');
  apart('executor ≠ verifier', executions, verifications, 'executed it', 'verified it');

  for (const approval of approvals) {
    const { right } = rightAt(approval);
    const playbook = playbookAt(approval);
    const byRight = approval.actor === right.accountable || right.approvers.includes(approval.actor);
    const byPreApproval = approval.actor === 'system:automation' && right.preApproved;
    const byPlaybook = playbook !== undefined && approval.actor === `playbook:${playbook.id}`;
    if (!byRight && !byPreApproval && !byPlaybook) {
      broken('the approver is the accountable person or a named approver', `${as(approval)} approved it; ${[right.accountable, ...right.approvers].join(', ')} may`);
    }
  }
  for (const execution of executions) {
    if (partner(execution)) continue;
    const playbook = playbookAt(execution);
    const named = playbook === undefined ? rightAt(execution).right.responsible : playbook.responders;
    if (!namedAmong(governanceAt(execution.governanceVersion), execution.actor, named)) {
      broken('the executor is responsible', `${as(execution)} executed it; ${named.join(', ')} may`);
    }
  }
  for (const verification of verifications) {
    if (partner(verification)) continue;
    const { verifier } = rightAt(verification);
    if (verifier === undefined || !namedAmong(governanceAt(verification.governanceVersion), verification.actor, [verifier])) {
      broken('the verifier is the one governance names', `${as(verification)} verified it; ${verifier ?? 'nobody'} may`);
    }
  }
  for (const event of [...approvals, ...verifications]) {
    if (partner(event)) broken('a partner never approves or verifies', `partner principal ${as(event)} took the ${event.step} step`);
  }
  for (const event of [...requesters, ...executions]) {
    if (!partner(event)) continue;
    if (openDelegations(governanceAt(event.governanceVersion), event.actor, change.classId, change.action, new Date(event.at), revokedAt).length === 0) {
      broken('a partner requests and executes only inside a live delegation\'s open window',
        `partner principal ${as(event)} took the ${event.step} step at ${event.at}, under no live, unrevoked delegation of ${change.action} on ${change.classId} with an open window`);
    }
  }
  return violations;
};

export type CredentialState = { status: string; classId: string | null; kind: string };

/** An import never changes the status, class or kind of a credential already on record. */
export const importViolations = (before: ReadonlyMap<string, CredentialState>, after: ReadonlyMap<string, CredentialState>): Violation[] =>
  [...before].flatMap(([id, was]) => {
    const now = after.get(id);
    if (now === undefined) return [{ rule: 'an import never changes a credential on record', detail: `credential ${id} is gone after the import` }];
    return (['status', 'classId', 'kind'] as const)
      .filter((field) => was[field] !== now[field])
      .map((field) => ({ rule: 'an import never changes a credential on record', detail: `credential ${id}: the import changed its ${field} from ${was[field]} to ${now[field]}` }));
  });

export type MintedToken = { by: string; principal: string; scope: string };

/**
 * A full token acts with its principal's whole authority, so only that principal makes it; a service
 * account or agent counts as its owner (DESIGN.md), so the owner may make it too. The bootstrap principal
 * makes the first tokens while an installation is set up (docs/api.md), and is allowed for that.
 */
export const mayMintFullToken = (governance: GovernanceModel, by: string, principal: string): boolean =>
  by === principal || by === 'system:bootstrap' || (kindOf(principal) !== 'person' && principalOf(governance, principal)?.owner === by);

export const tokenViolations = (governance: GovernanceModel, minted: MintedToken): Violation[] =>
  minted.scope === 'full' && !mayMintFullToken(governance, minted.by, minted.principal)
    ? [{ rule: 'only the principal itself (or its owner) makes its full token', detail: `${minted.by} made a full token for ${minted.principal}` }]
    : [];

/** A full token made under a policy that no longer allows it (its maker no longer owns its principal) stops working. */
export const tokenStillAllowed = (governance: GovernanceModel, minted: MintedToken): boolean =>
  minted.scope !== 'full' || mayMintFullToken(governance, minted.by, minted.principal);

/** Every person, service account and agent governance declares. */
export const declaredPrincipals = (governance: GovernanceModel): string[] => [
  ...governance.people.map((person) => `person:${person.id}`),
  ...governance.serviceAccounts.map((account) => `service-account:${account.id}`),
  ...governance.agents.map((agent) => `agent:${agent.id}`),
];

/** Every principal that acts under the given references: people, service accounts and agents, teams' members, partners' principals. */
export const principalsNamed = (governance: GovernanceModel, named: readonly string[]): string[] =>
  declaredPrincipals(governance).filter((ref) => namedAmong(governance, ref, named) || named.includes(`org:${principalOf(governance, ref)?.org}`));

/** The principals that stand for the same people as the given ones: each person and what they own. */
export const samePeople = (governance: GovernanceModel, refs: readonly string[]): string[] => {
  const people = new Set(refs.map((ref) => personBehind(governance, ref)));
  return declaredPrincipals(governance).filter((ref) => people.has(personBehind(governance, ref)));
};

/** Who may approve, execute and verify a change of this class and action, as governance names them. */
export const rolesOf = (governance: GovernanceModel, classId: string, action: string, playbookId: string | null) => {
  const { right, verifier } = rightOf(governance, { id: '', classId, action, playbookId, events: [] });
  const playbook = governance.playbooks.find((entry) => entry.id === playbookId);
  return {
    requesters: principalsNamed(governance, [...right.responsible, right.accountable, ...right.approvers, ...(verifier === undefined ? [] : [verifier])]),
    approvers: [right.accountable, ...right.approvers],
    executors: principalsNamed(governance, playbook === undefined ? right.responsible : playbook.responders),
    verifiers: verifier === undefined ? [] : principalsNamed(governance, [verifier]),
  };
};
