// A generated governance for the authorization benchmark, written as governance.yaml text so that it goes
// through parseGovernance like any applied file. Deterministic: the same size gives the same file.
//
// Shape at scale 1: 100 classes with decision rights for all five actions, 500 people in 40 teams plus a
// security team that verifies and administers, 10 service accounts, 20 partners with 3 people and 3
// delegations each (nightly and daytime ones with recurring windows in various IANA time zones, a migration
// one with fixed windows), 10 playbooks. Scale 10 is ten times each.
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { governanceDocumentSchema } from '../../src/core/governance/governance-schema.ts';
import { governedActions, partnerKinds, revocationReasons } from '../../src/core/governance/index.ts';
import type { GovernedAction } from '../../src/core/governance/index.ts';

type GovernanceDocument = z.input<typeof governanceDocumentSchema>;
type ClassDocument = NonNullable<GovernanceDocument['classes']>[number];
type DecisionRightDocument = NonNullable<ClassDocument['decisionRights']>['issue'];
type DelegationDocument = NonNullable<GovernanceDocument['delegations']>[number];

export type GovernanceSize = { classes: number; people: number; partners: number; serviceAccounts: number; teams: number; playbooks: number };

export const sizeAtScale = (scale: number): GovernanceSize => ({
  classes: 100 * scale, people: 500 * scale, partners: 20 * scale, serviceAccounts: 10 * scale, teams: 40 * scale, playbooks: 10 * scale,
});

/** Monday 2027-01-04, 00:00 UTC: the governance is applied then, and queries fall in the two weeks after. */
export const benchEpoch = new Date('2027-01-04T00:00:00Z');
export const queryPeriodMs = 14 * 86_400_000;

const timeZones = [
  'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata',
  'Australia/Sydney', 'Pacific/Auckland', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Johannesburg',
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
export const teamId = (n: number): string => `team-${pad(n, 4)}`;
export const personId = (n: number): string => `person-${pad(n, 5)}`;
export const serviceAccountId = (n: number): string => `bot-${pad(n, 4)}`;
export const partnerId = (n: number): string => `partner-${pad(n, 3)}`;
export const partnerPersonId = (partner: number, n: number): string => `${partnerId(partner)}-person-${n}`;
export const classId = (n: number): string => `class-${pad(n, 4)}`;
export const partnerPeople = 3;
export const delegationsPerPartner = 3;

const instant = (offsetMs: number): string => new Date(benchEpoch.getTime() + offsetMs).toISOString().replace('.000Z', 'Z');
const hours = (n: number): number => n * 3_600_000;

/** A member of team t, the k-th counting round: person n's first team is n mod teams. */
const memberOf = (size: GovernanceSize, team: number, k: number): string => `person:${personId(team + (k % Math.floor(size.people / size.teams)) * size.teams)}`;

/** The classes partner p is delegated, by delegation: three, two and two classes. */
export const delegatedClasses = (size: GovernanceSize, partner: number): number[][] => {
  const first = (partner * 7) % size.classes;
  const at = (k: number): number => (first + k) % size.classes;
  return [[at(0), at(1), at(2)], [at(3), at(4)], [at(5), at(6)]];
};

export const delegatedActions: readonly (readonly GovernedAction[])[] = [['renew', 'rotate'], ['issue', 'rotate'], ['issue', 'renew']];

const decisionRight = (size: GovernanceSize, index: number, action: GovernedAction, partners: readonly string[]): DecisionRightDocument => {
  const team = index % size.teams;
  const accountable = memberOf(size, (team + 1) % size.teams, index);
  const automated = action === 'renew' || action === 'rotate';
  const quorum = (action === 'issue' || action === 'revoke') && index % 4 === 0;
  return {
    responsible: [
      `team:${teamId(team)}`,
      ...(automated ? [`service-account:${serviceAccountId(index % size.serviceAccounts)}`] : []),
      ...partners,
    ],
    accountable,
    ...(quorum ? { approvals: 2, approvers: [accountable, memberOf(size, (team + 2) % size.teams, index), memberOf(size, (team + 3) % size.teams, index)] } : {}),
    ...(index % 3 === 0 ? { consulted: ['team:security'] } : {}),
    ...(index % 2 === 0 ? { informed: [`team:${teamId((team + 4) % size.teams)}`] } : {}),
    ...(action === 'revoke' && index % 5 === 0 ? { verifier: memberOf(size, (team + 5) % size.teams, index) } : {}),
    ...((action === 'renew' && index % 2 === 0) || (action === 'rotate' && index % 3 === 0) ? { preApproved: true } : {}),
  };
};

const credentialClass = (size: GovernanceSize, index: number, partnersByClassAction: ReadonlyMap<string, string[]>): ClassDocument => ({
  id: classId(index),
  name: `Class ${index}`,
  kinds: index % 3 === 0 ? ['api_key'] : ['x509_certificate'],
  businessOwner: memberOf(size, (index + 6) % size.teams, index),
  technicalOwner: memberOf(size, index % size.teams, index + 1),
  policy: {
    ...(index % 3 === 0 ? { rotateEvery: '90d' } : { maxLifetime: '90d', renewBefore: '30d' }),
    revocationSla: { key_compromise: '1h', default: '24h' },
    requireManagedStorage: true,
  },
  match: { names: [`*.${classId(index)}.acme.internal`] },
  decisionRights: Object.fromEntries(governedActions.map((action) =>
    [action, decisionRight(size, index, action, partnersByClassAction.get(`${index}/${action}`) ?? [])])),
  verifier: 'team:security',
});

const partnerDelegations = (size: GovernanceSize, partner: number): DelegationDocument[] => {
  const classes = delegatedClasses(size, partner).map((indices) => indices.map(classId));
  const to = `org:${partnerId(partner)}`;
  const grantedBy = memberOf(size, partner % size.teams, 0);
  const day = partner % 5;
  return [
    {
      id: `${partnerId(partner)}-nightly`, to, classes: classes[0] ?? [], actions: [...delegatedActions[0] ?? []], grantedBy, until: '2029-06-30',
      windows: [{ cron: '0 22 * * 1-5', duration: '4h', timeZone: timeZones[partner % timeZones.length] ?? 'UTC' }],
    },
    {
      id: `${partnerId(partner)}-daytime`, to, classes: classes[1] ?? [], actions: [...delegatedActions[1] ?? []], grantedBy, until: '2029-12-31',
      windows: [
        { cron: '0 8 * * 2,4', duration: '10h', timeZone: timeZones[(partner + 5) % timeZones.length] ?? 'UTC' },
        { cron: '30 6 1,15 * *', duration: '2h', timeZone: timeZones[(partner + 7) % timeZones.length] ?? 'UTC' },
      ],
    },
    {
      id: `${partnerId(partner)}-migration`, to, classes: classes[2] ?? [], actions: [...delegatedActions[2] ?? []], grantedBy, until: '2027-03-31',
      windows: [
        { from: instant(hours(24 * day + 9)), to: instant(hours(24 * day + 17)) },
        { from: instant(hours(24 * (day + 7) + 9)), to: instant(hours(24 * (day + 7) + 17)) },
      ],
    },
  ];
};

export const generateGovernanceDocument = (size: GovernanceSize): GovernanceDocument => {
  const partnersByClassAction = new Map<string, string[]>();
  for (let partner = 0; partner < size.partners; partner += 1) {
    delegatedClasses(size, partner).forEach((indices, d) => {
      for (const index of indices) {
        for (const action of delegatedActions[d] ?? []) {
          const key = `${index}/${action}`;
          const named = partnersByClassAction.get(key) ?? [];
          if (!named.includes(`org:${partnerId(partner)}`)) partnersByClassAction.set(key, [...named, `org:${partnerId(partner)}`]);
        }
      }
    });
  }
  const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
  const securityMembers = new Set(range(size.people).filter((n) => n % 25 === 0));
  return {
    organization: { id: 'acme', name: 'Acme Corp' },
    administrators: ['team:security'],
    partners: range(size.partners).map((n) => ({ id: partnerId(n), name: `Partner ${n}`, kind: partnerKinds[n % partnerKinds.length] ?? 'vendor' })),
    teams: [{ id: 'security', name: 'Security Engineering' }, ...range(size.teams).map((n) => ({ id: teamId(n), name: `Team ${n}` }))],
    people: [
      ...range(size.people).map((n) => ({
        id: personId(n), name: `Person ${n}`, email: `${personId(n)}@acme.example`, org: 'acme',
        teams: [teamId(n % size.teams), ...(n % 10 === 0 ? [teamId((n + 1) % size.teams)] : []), ...(securityMembers.has(n) ? ['security'] : [])],
      })),
      ...range(size.partners).flatMap((partner) => range(partnerPeople).map((k) => ({
        id: partnerPersonId(partner, k), name: `Partner ${partner} person ${k}`, email: `person-${k}@${partnerId(partner)}.example`, org: partnerId(partner),
      }))),
    ],
    serviceAccounts: range(size.serviceAccounts).map((n) => ({
      id: serviceAccountId(n), name: `Automation ${n}`, org: 'acme', owner: `person:${personId(n)}`, teams: [teamId(n % size.teams)],
    })),
    classes: range(size.classes).map((index) => credentialClass(size, index, partnersByClassAction)),
    delegations: range(size.partners).flatMap((partner) => partnerDelegations(size, partner)),
    playbooks: range(size.playbooks).map((n) => ({
      id: `playbook-${pad(n, 3)}`,
      triggers: [revocationReasons[n % revocationReasons.length] ?? 'key_compromise'],
      classes: n % 10 === 0 ? ['*'] : range(5).map((k) => classId((n * 11 + k) % size.classes)),
      actions: ['revoke', 'rotate'],
      responders: ['team:security', `team:${teamId(n % size.teams)}`],
      maxCredentials: 500,
      reviewWithin: '24h',
    })),
  };
};

export const generateGovernanceYaml = (size: GovernanceSize): string => stringify(generateGovernanceDocument(size), { lineWidth: 0 });
