// The shape of governance.yaml (DESIGN.md, Public surface), bounded everywhere. Objects are strict, so a
// misspelt key is an error rather than a silently ignored setting. Defaults are applied here, so one
// meaning has one model: an omitted list is [], an omitted quorum is 1, a duration is rewritten in its
// shortest exact form ("7d" → "1w"), an instant in UTC. Lists keep the order they were written in.
import { z } from 'zod';
import { formatDuration, parseDuration } from '../duration.ts';
import { withDelegationIds } from './delegation-ids.ts';
import { normaliseDateOrInstant, parseInstant, formatInstant } from './governance-time.ts';
import {
  credentialKinds, governedActions, policyKeyAlgorithms, partnerKinds, revocationReasons, secretAlphabets, sourceKinds,
  workloadLifecycles,
} from './governance-vocabulary.ts';
import type { PrincipalKind } from './governance-vocabulary.ts';
import { idPattern, parsePrincipalRef } from './principal-ref.ts';

const quote = (input: unknown): string => JSON.stringify(String(input).slice(0, 80));

const text = (max: number) => z.string().min(1).max(max);
const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);
const emptyList = () => [];

const idSchema = z.string().regex(idPattern, {
  error: (issue) => `${quote(issue.input)} is not a valid id; use 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
});

const refTo = (kinds: readonly PrincipalKind[]) => z.string().max(128).refine(
  (value) => {
    const ref = parsePrincipalRef(value);
    return ref !== null && kinds.includes(ref.kind);
  },
  { error: (issue) => `${quote(issue.input)} is not a reference to ${kinds.map((kind) => `${kind}:ID`).join(' or ')}` },
);
const personRef = refTo(['person']);
const principalRef = refTo(['person', 'team', 'org', 'service-account', 'agent']);

/** A class id, or "*" for every class. */
const classSelector = z.string().max(64).refine((value) => value === '*' || idPattern.test(value), {
  error: (issue) => `${quote(issue.input)} is neither a class id nor "*"`,
});

const duration = z.string().max(32).transform((value, context) => {
  const parsed = parseDuration(value);
  if (parsed.ok) return formatDuration(parsed.ms);
  context.addIssue({ code: 'custom', message: parsed.message, input: value });
  return z.NEVER;
});

const dateOrInstant = z.string().max(40).transform((value, context) => {
  const normalised = normaliseDateOrInstant(value);
  if (normalised !== null) return normalised;
  context.addIssue({ code: 'custom', input: value, message: `${quote(value)} is not a date (2027-06-30) or an instant with its offset (2027-06-30T18:00:00Z)` });
  return z.NEVER;
});

const instant = z.string().max(40).transform((value, context) => {
  const ms = parseInstant(value);
  if (ms !== null) return formatInstant(ms);
  context.addIssue({ code: 'custom', input: value, message: `${quote(value)} is not an instant with its offset, for example 2027-06-30T18:00:00Z or 2027-06-30T20:00:00+02:00` });
  return z.NEVER;
});

const organizationSchema = z.strictObject({ id: idSchema, name: text(200) });

const partnerSchema = z.strictObject({ id: idSchema, name: text(200), kind: z.enum(partnerKinds) });

const teamSchema = z.strictObject({ id: idSchema, name: text(200).optional() });

const personSchema = z.strictObject({
  id: idSchema,
  name: text(200),
  email: z.email({ error: (issue) => `${quote(issue.input)} is not an email address` }).max(254),
  org: idSchema,
  teams: list(idSchema, 100).default(emptyList),
});

const serviceAccountSchema = z.strictObject({
  id: idSchema,
  name: text(200).optional(),
  org: idSchema,
  owner: personRef,
  teams: list(idSchema, 100).default(emptyList),
});

const agentSchema = z.strictObject({ id: idSchema, name: text(200).optional(), org: idSchema, owner: personRef });

const sourceSchema = z.strictObject({
  id: idSchema,
  name: text(200).optional(),
  kind: z.enum(sourceKinds),
  operatedBy: refTo(['team', 'org']),
});

const workloadSchema = z.strictObject({
  id: idSchema,
  name: text(200).optional(),
  owner: refTo(['team']),
  environment: idSchema.optional(),
  lifecycle: z.enum(workloadLifecycles).default('active'),
});

const nameGlob = z.string().min(1).max(253).regex(/^\S+$/, { error: 'a name pattern has no spaces' });

const revocationSlaSchema = z.strictObject({
  key_compromise: duration.optional(),
  workload_decommissioned: duration.optional(),
  owner_departed: duration.optional(),
  partner_offboarded: duration.optional(),
  superseded: duration.optional(),
  policy_violation: duration.optional(),
  default: duration.optional(),
});

const secretPolicySchema = z.strictObject({
  length: z.number().int().min(8).max(4096).optional(),
  alphabet: z.enum(secretAlphabets).optional(),
  prefix: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, { error: 'a secret prefix uses letters, digits, ".", "_" or "-"' }).optional(),
  /** How long the previous version stays valid after a rotation, so consumers can move over. */
  overlap: duration.optional(),
});

const classPolicySchema = z.strictObject({
  maxLifetime: duration.optional(),
  renewBefore: duration.optional(),
  rotateEvery: duration.optional(),
  revocationSla: revocationSlaSchema.optional(),
  keyAlgorithms: list(z.enum(policyKeyAlgorithms), policyKeyAlgorithms.length).min(1).optional(),
  allowedNames: list(nameGlob, 200).min(1).optional(),
  allowedSources: list(idSchema, 100).min(1).optional(),
  requireManagedStorage: z.boolean().default(false),
  allowThirdPartyExposure: z.boolean().default(false),
  secret: secretPolicySchema.optional(),
});

const classMatchSchema = z.strictObject({
  issuers: list(text(200), 50).min(1).optional(),
  names: list(nameGlob, 200).min(1).optional(),
  sources: list(idSchema, 100).min(1).optional(),
}).refine((match) => match.issuers !== undefined || match.names !== undefined || match.sources !== undefined, {
  error: 'match needs at least one of issuers, names or sources; to match every credential of these kinds write names: ["**"]',
});

const decisionRightSchema = z.strictObject({
  responsible: list(principalRef, 100).min(1),
  accountable: personRef,
  consulted: list(principalRef, 100).default(emptyList),
  informed: list(principalRef, 100).default(emptyList),
  approvals: z.number().int().min(1).max(10).default(1),
  approvers: list(personRef, 100).default(emptyList),
  verifier: principalRef.optional(),
  preApproved: z.boolean().default(false),
});

const decisionRightsSchema = z.strictObject({
  issue: decisionRightSchema.optional(),
  renew: decisionRightSchema.optional(),
  rotate: decisionRightSchema.optional(),
  revoke: decisionRightSchema.optional(),
  retire: decisionRightSchema.optional(),
});

const credentialClassSchema = z.strictObject({
  id: idSchema,
  name: text(200).optional(),
  description: text(2000).optional(),
  kinds: list(z.enum(credentialKinds), credentialKinds.length).min(1, { error: 'a class must list at least one credential kind' }),
  businessOwner: personRef,
  technicalOwner: personRef,
  policy: classPolicySchema.prefault({}),
  match: classMatchSchema.optional(),
  decisionRights: decisionRightsSchema.prefault({}),
  verifier: principalRef.optional(),
});

const cronWindowSchema = z.strictObject({
  cron: z.string().min(1).max(100).transform((value) => value.trim().split(/\s+/).join(' ')),
  duration,
  timeZone: z.string().min(1).max(64),
});

const fixedWindowSchema = z.strictObject({ from: instant, to: instant });

const delegationSchema = z.strictObject({
  id: idSchema.optional(),
  to: refTo(['org']),
  classes: list(classSelector, 1000).min(1),
  actions: list(z.enum(governedActions), governedActions.length).min(1),
  windows: list(z.union([cronWindowSchema, fixedWindowSchema]), 50).min(1).optional(),
  until: dateOrInstant.optional(),
  grantedBy: personRef,
});

const playbookSchema = z.strictObject({
  id: idSchema,
  name: text(200).optional(),
  triggers: list(z.enum(revocationReasons), revocationReasons.length).min(1),
  classes: list(classSelector, 1000).min(1),
  actions: list(z.enum(governedActions), governedActions.length).min(1),
  responders: list(principalRef, 100).min(1),
  maxCredentials: z.number().int().min(1).max(1_000_000),
  reviewWithin: duration,
});

/** The document as written, before delegation ids are derived; exposes `.shape` for key suggestions. */
export const governanceDocumentSchema = z.strictObject({
  organization: organizationSchema,
  partners: list(partnerSchema, 1000).default(emptyList),
  teams: list(teamSchema, 1000).default(emptyList),
  people: list(personSchema, 10_000).default(emptyList),
  serviceAccounts: list(serviceAccountSchema, 10_000).default(emptyList),
  agents: list(agentSchema, 10_000).default(emptyList),
  sources: list(sourceSchema, 1000).default(emptyList),
  workloads: list(workloadSchema, 10_000).default(emptyList),
  classes: list(credentialClassSchema, 1000).default(emptyList),
  delegations: list(delegationSchema, 1000).default(emptyList),
  playbooks: list(playbookSchema, 200).default(emptyList),
  policies: list(z.string().min(1).max(65_536), 100).default(emptyList),
  /** Who administers Trustplane itself: applies governance, imports, manages tokens. Customer principals only. */
  administrators: list(principalRef, 100).default(emptyList),
});

export const governanceSchema = governanceDocumentSchema.transform(withDelegationIds);
