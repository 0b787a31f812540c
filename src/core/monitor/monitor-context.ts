// What the rules need to know besides a credential's own facts, drawn once per sweep from governance and
// from what happened (departures, offboardings, delegation revocations). Pure: the time comes in.
import { durationMsOf } from '../duration.ts';
import { delegationIsLive } from '../governance/change-windows.ts';
import type { CredentialClass, Governance } from '../governance/governance-model.ts';
import type { PolicyKeyAlgorithm } from '../governance/governance-vocabulary.ts';

export type ClassFacts = {
  id: string;
  technicalOwner: string;
  businessOwner: string;
  renewBeforeMs: number | null;
  rotateEveryMs: number | null;
  requireManagedStorage: boolean;
  allowThirdPartyExposure: boolean;
  keyAlgorithms: readonly PolicyKeyAlgorithm[] | null;
};

export type MonitorContext = {
  at: number;
  classes: ReadonlyMap<string, ClassFacts>;
  /** People declared in governance and not offboarded. */
  currentPeople: ReadonlySet<string>;
  /** Workloads declared decommissioned, or offboarded. */
  decommissionedWorkloads: ReadonlySet<string>;
  /** Workloads governance declares at all. */
  knownWorkloads: ReadonlySet<string>;
  customerOrg: string;
  /** Declared partners, as org:ID. */
  partners: ReadonlySet<string>;
  /** Per partner (org:ID), the classes it holds a live delegation on ("*" for all). */
  liveDelegations: ReadonlyMap<string, ReadonlySet<string>>;
  /** Automatic renewals that failed lately, by credential: the owners must step in. */
  failedRenewals: ReadonlyMap<string, { changeId: string; status: string }>;
  /** Expiry lead times, longest first: an alert is raised inside the longest, and its stage names the shortest it is inside. */
  leadTimesMs: readonly number[];
};

export type Happenings = {
  /** person:ID, partner:ID, workload:ID that were offboarded. */
  offboarded: ReadonlySet<string>;
  /** Delegation ids revoked at once. */
  revokedDelegations: ReadonlySet<string>;
  /** Automatic renewals that failed lately, by credential. */
  failedRenewals?: ReadonlyMap<string, { changeId: string; status: string }>;
};

const classFacts = (entry: CredentialClass): ClassFacts => ({
  id: entry.id,
  technicalOwner: entry.technicalOwner,
  businessOwner: entry.businessOwner,
  renewBeforeMs: durationMsOf(entry.policy.renewBefore),
  rotateEveryMs: durationMsOf(entry.policy.rotateEvery),
  requireManagedStorage: entry.policy.requireManagedStorage,
  allowThirdPartyExposure: entry.policy.allowThirdPartyExposure,
  keyAlgorithms: entry.policy.keyAlgorithms ?? null,
});

export const monitorContext = (governance: Governance | null, happenings: Happenings, at: Date, leadTimesMs: readonly number[]): MonitorContext => {
  const liveDelegations = new Map<string, Set<string>>();
  for (const delegation of governance?.delegations ?? []) {
    if (happenings.revokedDelegations.has(delegation.id as string) || !delegationIsLive(delegation, at)) continue;
    if (happenings.offboarded.has(`partner:${delegation.to.slice('org:'.length)}`)) continue;
    const classes = liveDelegations.get(delegation.to) ?? new Set<string>();
    for (const classId of delegation.classes) classes.add(classId);
    liveDelegations.set(delegation.to, classes);
  }
  const workloads = governance?.workloads ?? [];
  return {
    at: at.getTime(),
    classes: new Map((governance?.classes ?? []).map((entry) => [entry.id, classFacts(entry)])),
    currentPeople: new Set((governance?.people ?? []).map((person) => person.id).filter((id) => !happenings.offboarded.has(`person:${id}`))),
    decommissionedWorkloads: new Set(workloads.filter((workload) => workload.lifecycle === 'decommissioned' || happenings.offboarded.has(`workload:${workload.id}`)).map((workload) => workload.id)),
    knownWorkloads: new Set(workloads.map((workload) => workload.id)),
    customerOrg: governance?.organization.id ?? '',
    partners: new Set((governance?.partners ?? []).map((partner) => `org:${partner.id}`)),
    liveDelegations,
    failedRenewals: happenings.failedRenewals ?? new Map(),
    leadTimesMs: [...leadTimesMs].sort((a, b) => b - a),
  };
};

/** The ids of the people among offboarded subjects (person:ID). */
export const departedPeopleOf = (offboarded: ReadonlySet<string>): Set<string> =>
  new Set([...offboarded].filter((subject) => subject.startsWith('person:')).map((subject) => subject.slice('person:'.length)));

/** Whether a person reference (person:ID) names someone still here. */
export const isCurrentPerson = (context: MonitorContext, ref: string): boolean =>
  ref.startsWith('person:') && context.currentPeople.has(ref.slice('person:'.length));
