// The organisation's posture (issue 6): the metrics of frameworks.md §10.2 that Trustplane's records
// support, each beside the industry figure of §10.1 it answers, with that figure's attribution. A figure
// is context for the organisation's own value, never a statement about the organisation.
//
// Metrics come from aggregate counts (the store reads them with SQL aggregates, never credential by
// credential), so a million credentials cost a handful of scans. Pure: the counts and the time come in.
import { benchmarks } from './posture-references.ts';
import type { Benchmark } from './posture-references.ts';
import type { DeadlineCounts } from '../changes/revocation-clock.ts';

export { cabValiditySchedule, cabMaximumValidityDays, exceedsCabMaximum, revocationWindowsMs } from './posture-references.ts';
export type { Benchmark } from './posture-references.ts';

const hour = 3_600_000;
const day = 24 * hour;

/** Kinds whose value is itself secret, so where it is kept matters (M07). */
export const secretKinds = ['api_key', 'oauth_client_secret', 'token', 'password', 'private_key', 'signing_key', 'ssh_key'] as const;

/**
 * The population N of §10.2: credentials that are trust in use, i.e. stored as pending or active and not
 * past their not-after (an active credential past it is expired in effect). Revoked, retired,
 * superseded and expired ones count only where a metric is about them (M03, M06).
 */
export const liveStatuses = ['pending', 'active'] as const;

/** A class as posture needs it, drawn from governance by the caller. Owners are person references (person:ID). */
export type PostureClass = {
  id: string;
  technicalOwner: string;
  businessOwner: string;
  rotateEveryMs: number | null;
  maxLifetimeMs: number | null;
  /** Renewal is a pre-approved standard change: automation renews without waiting for a person (M19). */
  renewPreApproved: boolean;
  /** Publicly trusted TLS, bound by the CA/Browser Forum's limits (see isPublicTlsClass). */
  public: boolean;
};

export type PostureGovernance = {
  classes: readonly PostureClass[];
  /** Ids (without `person:`) of people declared in governance and not departed. */
  currentPeople: ReadonlySet<string>;
  /** Ids of people who left (offboarded). */
  departedPeople: ReadonlySet<string>;
  /** The customer's organisation id: exposure to org:ID of the customer itself is not third-party exposure. */
  customerOrg: string | null;
  /** Per partner (org:ID), the classes it holds a live delegation on ("*" for every class). */
  liveDelegations: ReadonlyMap<string, ReadonlySet<string>>;
};

export type PostureContext = { at: Date; governance: PostureGovernance };

/**
 * Which classes hold publicly trusted TLS certificates. Governance has no field for it yet, so the
 * convention is the class id: one that contains "public" (public-tls, www-public) is public.
 */
export const isPublicTlsClass = (classId: string): boolean => classId.includes('public');

/**
 * Whether a lifetime exceeds a class's maxLifetime: notAfter − notBefore over the limit, as issuance
 * checks it (core/pki/issuance-policy.ts).
 */
export const exceedsLifetime = (notBefore: Date, notAfter: Date, maxLifetimeMs: number): boolean => notAfter.getTime() - notBefore.getTime() > maxLifetimeMs;

const standardAgeEdgesMs = [7, 30, 90, 180, 365, 730, 1825].map((days) => days * day);

const sortedUnique = (values: readonly (number | null)[]): number[] =>
  [...new Set(values.filter((value): value is number => value !== null && value > 0))].sort((a, b) => a - b);

/**
 * Where the age histogram is split: fixed steps for the distribution and its median, and each class's
 * rotateEvery, so that its compliance is exact. A credential's age runs from its last rotation, else its
 * notBefore, else when Trustplane first recorded it (as the rotation_overdue alert reads it).
 */
export const ageEdgesFor = (governance: PostureGovernance): number[] =>
  sortedUnique([...standardAgeEdgesMs, ...governance.classes.map((entry) => entry.rotateEveryMs)]);

/** The distinct maxLifetime of the classes: the store counts the lifetimes over each. */
export const lifetimeLimitsFor = (governance: PostureGovernance): number[] => sortedUnique(governance.classes.map((entry) => entry.maxLifetimeMs));

/** Live credentials that share a class, a kind and the list of parties they are exposed to. */
export type CredentialGroup = {
  classId: string | null;
  kind: string;
  /** As the inventory records it; it may name the customer itself. */
  exposedTo: readonly string[];
  count: number;
  /** ageBuckets[i]: ages of at least ageEdgesMs[i - 1] and under ageEdgesMs[i]; the last bucket has no upper edge. */
  ageBuckets: readonly number[];
  noExpiry: number;
  /** Kept in a managed store (managed_storage 1); storageUnknown: not recorded. */
  managed: number;
  storageUnknown: number;
  /** With both notBefore and notAfter; lifetimeOver[j]: of those, exceedsLifetime for lifetimeLimitsMs[j]. */
  lifetimeKnown: number;
  lifetimeOver: readonly number[];
  /** Certificates whose validity exceeds the CA/B maximum for their issue date (exceedsCabMaximum). */
  overCabMaximum: number;
};

export type { DeadlineCounts } from '../changes/revocation-clock.ts';

export type ChangeCounts = {
  /** Changes whose execution succeeded (executed, verified or verification failed). */
  executed: number;
  /** Of those, the ones a verifier passed or failed. */
  executedVerified: number;
  /** Changes that reached the verify step (passed or failed): all four roles are filled. */
  verified: number;
  /** Of those, requester, every approver, executor and verifier are different principals (stricter than the rules: a requester may execute). */
  allDistinct: number;
  /** Of those, the ones that break no rule of separation-of-duties.ts, comparing the people behind principals. */
  separatedAsEnforced: number;
  /** Revocations (any change with action revoke, playbook or not) for key compromise, judged by the revocation clock (countRevocationDeadlines). */
  keyCompromise: DeadlineCounts;
  /** Revocations with any other trigger. */
  otherTriggers: DeadlineCounts;
  /** Revocations with a deadline from their class's revocation SLA (changes.due_at). */
  classSla: DeadlineCounts;
};

export type PostureInputs = {
  governance: PostureGovernance;
  /** The histogram edges and lifetime limits the store counted with (ageEdgesFor, lifetimeLimitsFor). */
  ageEdgesMs: readonly number[];
  lifetimeLimitsMs: readonly number[];
  groups: readonly CredentialGroup[];
  /** Credentials of every status per class (null: unclassified). */
  classTotals: readonly { classId: string | null; count: number }[];
  /** Credentials per stored status; lapsed: stored active, past their not-after. */
  statuses: readonly { status: string; count: number }[];
  lapsed: number;
  /** Live secrets not known to be in a managed store, by storage location, most first (at most ten). */
  unmanagedLocations: readonly { location: string | null; count: number }[];
  offboarding: {
    /** Revoked or retired credentials whose revoke or retire change is verified with requested, approved, executed and verified recorded. */
    formal: number;
    /** Verified revocations and retirements with a trigger, and the time from request to verification (nearest rank). */
    triggered: number;
    medianMs: number | null;
    p95Ms: number | null;
  };
  changes: ChangeCounts;
};


export type PostureMetric = {
  id: string;
  title: string;
  /** How value is computed, in words. */
  definition: string;
  /** numerator ÷ denominator, 0..1; null when the population is empty. */
  value: number | null;
  numerator: number;
  denominator: number;
  better: 'higher' | 'lower';
  detail: Record<string, number | string | null>;
  breakdown: readonly { label: string; count: number }[];
  /** An industry figure shown beside value, with its attribution; never a fact about the organisation. */
  benchmark: Benchmark | null;
  /** Controls the metric gives evidence for (frameworks.md §10.2). */
  frameworks: readonly string[];
};

export type Posture = {
  at: string;
  population: { live: number; unclassified: number; lapsed: number; classes: number; byStatus: Record<string, number> };
  metrics: PostureMetric[];
};


const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

type View = {
  inputs: PostureInputs;
  classOf: (classId: string | null) => PostureClass | undefined;
  isCurrent: (personRef: string) => boolean;
  isDeparted: (personRef: string) => boolean;
  /** The groups `keep` accepts, with their class (undefined: undeclared, or no class). */
  groupsWhere: (keep: (group: CredentialGroup, entry: PostureClass | undefined) => boolean) => CredentialGroup[];
  live: number;
};

const personId = (ref: string): string | null => (ref.startsWith('person:') ? ref.slice('person:'.length) : null);

const countOf = (groups: readonly CredentialGroup[], field: (group: CredentialGroup) => number = (group) => group.count): number => sum(groups.map(field));

type MetricFields = Omit<PostureMetric, 'value' | 'breakdown'> & { breakdown?: PostureMetric['breakdown'] };
const metric = (fields: MetricFields): PostureMetric => ({ ...fields, value: ratio(fields.numerator, fields.denominator), breakdown: fields.breakdown ?? [] });

const ownerCoverage = (view: View): PostureMetric => {
  const owned = (entry: PostureClass | undefined) => entry !== undefined && view.isCurrent(entry.technicalOwner) && view.isCurrent(entry.businessOwner);
  const covered = countOf(view.groupsWhere((_, entry) => owned(entry)));
  return metric({
    id: 'M02', title: 'Owner coverage', better: 'higher', numerator: covered, denominator: view.live,
    definition: 'live credentials in a declared class whose technical and business owners are both current people (declared, not departed), over all live credentials',
    detail: {
      unclassified: countOf(view.groupsWhere((group) => group.classId === null)),
      undeclaredClass: countOf(view.groupsWhere((group, entry) => group.classId !== null && entry === undefined)),
      ownerNotCurrent: countOf(view.groupsWhere((_, entry) => entry !== undefined && !owned(entry))),
    },
    benchmark: null, frameworks: ['GV.RR-02', 'NHI1'],
  });
};

const orphanRate = (view: View): PostureMetric => {
  const orphaned = countOf(view.groupsWhere((group, entry) => group.classId === null || entry === undefined || !view.isCurrent(entry.technicalOwner)));
  const departedOwner = (entry: PostureClass | undefined) => entry !== undefined && (view.isDeparted(entry.technicalOwner) || view.isDeparted(entry.businessOwner));
  const stillLive = countOf(view.groupsWhere((_, entry) => departedOwner(entry)));
  const everRecorded = sum(view.inputs.classTotals.filter((total) => departedOwner(view.classOf(total.classId))).map((total) => total.count));
  return metric({
    id: 'M03', title: 'Orphan rate', better: 'lower', numerator: orphaned, denominator: view.live,
    definition: 'live credentials with no class, an undeclared class, or a technical owner who is not a current person (as the orphaned alert decides, workloads aside), over all live credentials',
    detail: {
      ownerDepartedStillLive: stillLive,
      departedOwnerCredentials: everRecorded,
      departedOwnerStillLiveShare: ratio(stillLive, everRecorded),
    },
    benchmark: benchmarks.formerEmployeeTokens, frameworks: ['NHI1', 'GV.RR-04', 'PCI 3.7.5'],
  });
};

/** The median age in days from the histogram, interpolated inside its bucket; in the open last bucket only its lower edge is known. */
const medianAge = (buckets: readonly number[], edges: readonly number[]): { days: number | null; lowerBound: boolean } => {
  const middle = sum(buckets) / 2;
  let below = 0;
  for (const [index, count] of buckets.entries()) {
    if (count > 0 && below + count >= middle) {
      const lower = index === 0 ? 0 : edges[index - 1] as number;
      const upper = edges[index];
      if (upper === undefined) return { days: lower / day, lowerBound: true };
      return { days: (lower + (upper - lower) * ((middle - below) / count)) / day, lowerBound: false };
    }
    below += count;
  }
  return { days: null, lowerBound: false };
};

const rotationCompliance = (view: View): PostureMetric => {
  const edges = view.inputs.ageEdgesMs;
  const withPolicy = view.groupsWhere((_, entry) => entry !== undefined && entry.rotateEveryMs !== null);
  // A class rotating every edges[j] is compliant in buckets 0..j, the ages under edges[j].
  const compliant = sum(withPolicy.map((group) => sum(group.ageBuckets.slice(0, edges.indexOf(view.classOf(group.classId)?.rotateEveryMs as number) + 1))));
  const denominator = countOf(withPolicy);
  const histogram = [...edges, null].map((_, index) => countOf(view.inputs.groups, (group) => group.ageBuckets[index] ?? 0));
  const olderThan = (days: number) => sum(histogram.slice(edges.indexOf(days * day) + 1));
  const median = medianAge(histogram, edges);
  const value = ratio(compliant, denominator);
  // Shown on the fixed steps alone (each bucket in the step its upper edge falls in); the classes' own
  // edges only sharpen compliance and the median.
  const steps = [...standardAgeEdgesMs, null].map(() => 0);
  histogram.forEach((count, bucket) => {
    const upper = edges[bucket] ?? Infinity;
    const step = standardAgeEdgesMs.findIndex((edge) => upper <= edge);
    const at = step === -1 ? standardAgeEdgesMs.length : step;
    steps[at] = (steps[at] ?? 0) + count;
  });
  const stepDays = standardAgeEdgesMs.map((edge) => edge / day);
  return metric({
    id: 'M04', title: 'Rotation compliance', better: 'higher', numerator: compliant, denominator,
    definition: 'live credentials of classes with a rotateEvery whose age since last rotation (else notBefore, else when first recorded) is under it, over live credentials of those classes',
    detail: {
      nonCompliance: value === null ? null : 1 - value,
      olderThan90DaysShare: ratio(olderThan(90), view.live),
      olderThan365DaysShare: ratio(olderThan(365), view.live),
      medianAgeDays: median.days,
      medianAgeIsLowerBound: median.lowerBound ? 'yes' : 'no',
    },
    breakdown: steps.map((count, step) => ({
      label: step === 0 ? `under ${stepDays[0]} days` : step === stepDays.length ? `${stepDays.at(-1)} days or more` : `${stepDays[step - 1]} to ${stepDays[step]} days`,
      count,
    })),
    benchmark: benchmarks.notRotated, frameworks: ['NHI7', 'PCI 3.7.4', 'PCI 8.6.3'],
  });
};

const expiryHygiene = (view: View): PostureMetric => {
  const noExpiry = countOf(view.inputs.groups, (group) => group.noExpiry);
  const limited = view.groupsWhere((_, entry) => entry !== undefined && entry.maxLifetimeMs !== null);
  const overClassMaximum = sum(limited.map((group) => group.lifetimeOver[view.inputs.lifetimeLimitsMs.indexOf(view.classOf(group.classId)?.maxLifetimeMs as number)] ?? 0));
  const limitedKnown = countOf(limited, (group) => group.lifetimeKnown);
  const publicTls = view.groupsWhere((group, entry) => group.kind === 'x509_certificate' && entry?.public === true);
  const overCab = countOf(publicTls, (group) => group.overCabMaximum);
  return metric({
    id: 'M05', title: 'Expiry hygiene', better: 'lower', numerator: noExpiry, denominator: view.live,
    definition: 'live credentials with no expiry, over all live credentials; beside it, lifetimes over the class maxLifetime and public TLS certificates over the CA/B maximum for their issue date',
    detail: {
      overClassMaximum,
      overClassMaximumShare: ratio(overClassMaximum, limitedKnown),
      lifetimeUnknownInLimitedClasses: countOf(limited) - limitedKnown,
      publicTlsCertificates: countOf(publicTls),
      overCabMaximum: overCab,
      overCabMaximumShare: ratio(overCab, countOf(publicTls, (group) => group.lifetimeKnown)),
    },
    benchmark: null, frameworks: ['NHI7', 'CA/B 6.3.2'],
  });
};

const offboardingCoverage = (view: View): PostureMetric => {
  const { offboarding, statuses } = view.inputs;
  const ended = sum(statuses.filter((entry) => entry.status === 'revoked' || entry.status === 'retired').map((entry) => entry.count));
  return metric({
    id: 'M06', title: 'Formal offboarding coverage', better: 'higher', numerator: offboarding.formal, denominator: ended,
    definition: 'revoked or retired credentials whose revoke or retire change was requested, approved, executed and verified, over all revoked or retired credentials',
    detail: {
      triggeredAndVerified: offboarding.triggered,
      medianTriggerToVerifiedMs: offboarding.medianMs,
      p95TriggerToVerifiedMs: offboarding.p95Ms,
    },
    benchmark: benchmarks.formalOffboarding, frameworks: ['NHI1', 'GV.SC-10', 'ID.AM-08'],
  });
};

const managedStorage = (view: View): PostureMetric => {
  const secrets = view.inputs.groups.filter((group) => (secretKinds as readonly string[]).includes(group.kind));
  const managed = countOf(secrets, (group) => group.managed);
  const unknown = countOf(secrets, (group) => group.storageUnknown);
  const outside = countOf(secrets) - managed - unknown;
  const listed = view.inputs.unmanagedLocations.map((entry) => ({ label: entry.location ?? 'not recorded', count: entry.count }));
  const rest = outside + unknown - sum(listed.map((entry) => entry.count));
  return metric({
    id: 'M07', title: 'Managed-storage coverage', better: 'higher', numerator: managed, denominator: countOf(secrets),
    definition: `live secrets (${secretKinds.join(', ')}) recorded as kept in a managed store, over all live secrets`,
    detail: { outsideManagedStores: outside, storageNotRecorded: unknown, storesSecretsOutsideManagers: outside > 0 ? 'yes' : 'no' },
    breakdown: rest > 0 ? [...listed, { label: 'other places', count: rest }] : listed,
    benchmark: benchmarks.outsideSecretManagers, frameworks: ['NHI2', 'PCI 8.6.2'],
  });
};

const thirdPartyExposure = (view: View): PostureMetric => {
  const { customerOrg, liveDelegations } = view.inputs.governance;
  const thirdParties = (group: CredentialGroup) => group.exposedTo.filter((party) => customerOrg === null || party !== `org:${customerOrg}`);
  const exposed = view.inputs.groups.filter((group) => thirdParties(group).length > 0);
  // Covered when every third party holds a live delegation on the class, as the third_party_exposure alert decides.
  const delegated = exposed.filter((group) => thirdParties(group).every((party) => {
    const classes = liveDelegations.get(party);
    return classes !== undefined && (classes.has('*') || (group.classId !== null && classes.has(group.classId)));
  }));
  const count = countOf(exposed);
  return metric({
    id: 'M09', title: 'Third-party exposure', better: 'lower', numerator: count, denominator: view.live,
    definition: 'live credentials exposed to a party other than the organisation itself, over all live credentials',
    detail: {
      exposesToThirdParties: count > 0 ? 'yes' : 'no',
      withLiveDelegation: countOf(delegated),
      withLiveDelegationShare: ratio(countOf(delegated), count),
      thirdParties: new Set(exposed.flatMap(thirdParties)).size,
    },
    benchmark: benchmarks.thirdPartyExposure, frameworks: ['NHI3', 'GV.SC-07', 'GV.SC-10', 'PCI 8.2.7', 'CC9.2'],
  });
};

const separationOfDuties = (view: View): PostureMetric => {
  const { changes } = view.inputs;
  return metric({
    id: 'M15', title: 'Separation of duties', better: 'higher', numerator: changes.separatedAsEnforced, denominator: changes.verified,
    definition: 'changes that reached verification in which nobody held two duties the rules keep apart (requester and approver, requester and verifier, approver and executor, approver and verifier, executor and verifier, two approvals of one quorum), comparing the people behind service accounts and agents, over those changes; the evidence pack judges each change by the same rules',
    detail: {
      allFourDistinctPrincipals: changes.allDistinct,
      executed: changes.executed,
      executedWithVerification: changes.executedVerified,
      executedWithVerificationShare: ratio(changes.executedVerified, changes.executed),
    },
    benchmark: null, frameworks: ['PR.AA-05', 'CC6.3', 'PCI 6.5.4'],
  });
};

const revocationSla = (view: View): PostureMetric => {
  const { keyCompromise, otherTriggers, classSla } = view.inputs.changes;
  return metric({
    id: 'M16', title: 'Emergency revocation SLA: key-compromise revocations verified within 24 hours', better: 'higher', numerator: keyCompromise.met, denominator: keyCompromise.settled,
    definition: 'revocations with trigger key_compromise (by trigger, whether a playbook ran them or not; playbook invocations of other actions are not revocations) verified within 24 hours of their request, over those verified or past 24 hours (rejected and cancelled ones aside); judged by the revocation clock, as the evidence pack counts them',
    detail: {
      keyCompromiseOpen: keyCompromise.open,
      otherTriggersWithin5Days: otherTriggers.met,
      otherTriggersSettled: otherTriggers.settled,
      otherTriggersWithin5DaysShare: ratio(otherTriggers.met, otherTriggers.settled),
      otherTriggersOpen: otherTriggers.open,
      withinClassSla: classSla.met,
      classSlaSettled: classSla.settled,
      withinClassSlaShare: ratio(classSla.met, classSla.settled),
      classSlaOpen: classSla.open,
    },
    benchmark: benchmarks.revocationDeadlines, frameworks: ['RS.MI-01', 'GOVERN 6.2'],
  });
};

const lifetimeReadiness = (view: View): PostureMetric => {
  const publicTls = view.groupsWhere((group, entry) => group.kind === 'x509_certificate' && entry?.public === true);
  const count = countOf(publicTls);
  const automated = countOf(publicTls.filter((group) => view.classOf(group.classId)?.renewPreApproved === true));
  const renewalsPerYear = (maxDays: number) => (count * 365) / maxDays;
  return metric({
    id: 'M19', title: 'Certificate-lifetime readiness', better: 'higher', numerator: automated, denominator: count,
    definition: 'live public TLS certificates whose class renews as a pre-approved standard change, over all live public TLS certificates',
    detail: { renewalsPerYearAt200Days: renewalsPerYear(200), renewalsPerYearAt100Days: renewalsPerYear(100), renewalsPerYearAt47Days: renewalsPerYear(47) },
    benchmark: benchmarks.validitySchedule, frameworks: ['CA/B 6.3.2'],
  });
};

export const computePosture = (inputs: PostureInputs, at: Date): Posture => {
  const { governance } = inputs;
  const classes = new Map(governance.classes.map((entry) => [entry.id, entry]));
  const classOf = (classId: string | null) => (classId === null ? undefined : classes.get(classId));
  const view: View = {
    inputs,
    classOf,
    isCurrent: (ref) => {
      const id = personId(ref);
      return id !== null && governance.currentPeople.has(id) && !governance.departedPeople.has(id);
    },
    isDeparted: (ref) => {
      const id = personId(ref);
      return id !== null && governance.departedPeople.has(id);
    },
    groupsWhere: (keep) => inputs.groups.filter((group) => keep(group, classOf(group.classId))),
    live: countOf(inputs.groups),
  };
  return {
    at: at.toISOString(),
    population: {
      live: view.live,
      unclassified: countOf(view.groupsWhere((group) => group.classId === null)),
      lapsed: inputs.lapsed,
      classes: governance.classes.length,
      byStatus: Object.fromEntries(inputs.statuses.map((entry) => [entry.status, entry.count])),
    },
    metrics: [ownerCoverage, orphanRate, rotationCompliance, expiryHygiene, offboardingCoverage, managedStorage, thirdPartyExposure, separationOfDuties, revocationSla, lifetimeReadiness]
      .map((compute) => compute(view)),
  };
};
