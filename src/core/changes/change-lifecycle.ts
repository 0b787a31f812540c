// The change state machine (DESIGN.md, Domain language: change). A change moves
// requested → approved → executing → executed → verified, or ends rejected, cancelled, failed,
// verification_failed or expired. Who may take a step is Cedar's decision; whether the step exists from
// the change's current status is decided here.
import type { ChangeStep } from '../authz/cedar-schema.ts';
import type { ClassPolicy } from '../governance/governance-model.ts';
import type { GovernedAction, RevocationReason } from '../governance/governance-vocabulary.ts';
import { parseDuration } from '../duration.ts';
import type { ChangeSpec } from './change-spec.ts';

export const changeStatuses = [
  'requested', 'approved', 'executing', 'executed', 'verified', 'rejected', 'cancelled', 'failed', 'verification_failed', 'expired',
] as const;
export type ChangeStatus = (typeof changeStatuses)[number];

export const finalStatuses: readonly ChangeStatus[] = ['verified', 'rejected', 'cancelled', 'failed', 'verification_failed', 'expired'];

export type Change = {
  id: string;
  classId: string;
  action: GovernedAction;
  status: ChangeStatus;
  requester: string;
  reason: string;
  ticket: string | null;
  trigger: RevocationReason | null;
  /** When a revocation must be done by, from the class policy's revocation SLA for its trigger. */
  dueAt: string | null;
  requestedAt: string;
  /** A change not executed by then expires. */
  staleAt: string;
  updatedAt: string;
  governanceVersion: number;
  approvalsNeeded: number;
  /** Who pre-authorised the approval: the accountable person of a pre-approved standard change, or `playbook:ID`. */
  preApprovedBy: string | null;
  approvals: readonly string[];
  executor: string | null;
  executedAt: string | null;
  verifier: string | null;
  verifiedAt: string | null;
  playbookId: string | null;
  /** Who ordered a change the system principal requested (the administrator of an offboarding): never its approver. */
  orderedBy: string | null;
  connector: string | null;
  /** What the change asks for: a CSR or names, a workload, a secret's name. */
  spec: ChangeSpec;
  revision: number;
  credentialIds: readonly string[];
  /** The people behind each principal of the change that stood for someone else when it took its steps (a service account's owners then). */
  people?: Readonly<Record<string, readonly string[]>>;
};

/** The statuses each step may start from. */
const stepsFrom: Record<ChangeStep | 'expire', readonly ChangeStatus[]> = {
  request: [],
  approve: ['requested'],
  reject: ['requested'],
  execute: ['approved'],
  verify: ['executed'],
  cancel: ['requested', 'approved'],
  expire: ['requested', 'approved'],
};

const stepWords: Record<ChangeStep | 'expire', string> = {
  request: 'requested', approve: 'approved', reject: 'rejected', execute: 'executed', verify: 'verified', cancel: 'cancelled', expire: 'expired',
};

/** Null when the step may be taken from the change's status, else why not, in words a person can act on. */
export const transitionProblem = (change: Pick<Change, 'id' | 'status' | 'approvals' | 'approvalsNeeded'>, step: ChangeStep | 'expire'): string | null => {
  if (stepsFrom[step].includes(change.status)) return null;
  const now = `change ${change.id} is ${change.status.replace('_', ' ')}`;
  switch (change.status) {
    case 'requested': return `${now} with ${change.approvals.length} of ${change.approvalsNeeded} approvals; it cannot be ${stepWords[step]} until it is approved`;
    case 'approved': return step === 'approve' || step === 'reject'
      ? `${now}: its approvals are complete, so it can no longer be ${stepWords[step]}; execute or cancel it`
      : `${now}; it must be executed before it can be ${stepWords[step]}`;
    case 'executing': return `${now} right now; wait for the execution to finish (a change with no outcome after its execution lease fails)`;
    case 'executed': return `${now} and waits for its verifier; it can no longer be ${stepWords[step]}`;
    default: return `${now}, which is final; it can no longer be ${stepWords[step]}`;
  }
};

/** The approvals a change needs: the quorum of the decision right, or none when pre-approved. */
export const approvalsNeeded = (right: { approvals: number; preApproved: boolean }): number => (right.preApproved ? 1 : right.approvals);

/** A revocation's due time: requested time plus the class policy's SLA for its trigger, or its default. */
export const revocationDueAt = (policy: ClassPolicy, trigger: RevocationReason | null, requestedAt: Date): Date | null => {
  const sla = policy.revocationSla;
  const text = (trigger === null ? undefined : sla?.[trigger]) ?? sla?.default;
  if (text === undefined) return null;
  const parsed = parseDuration(text);
  return parsed.ok ? new Date(requestedAt.getTime() + parsed.ms) : null;
};

export type NewChange = {
  id: string;
  classId: string;
  action: GovernedAction;
  requester: string;
  reason: string;
  ticket?: string | null;
  trigger?: RevocationReason | null;
  /** The class's policy, for a revocation's due time. */
  policy: ClassPolicy;
  at: Date;
  staleAt: Date;
  governanceVersion: number;
  approvalsNeeded: number;
  preApprovedBy: string | null;
  playbookId?: string | null;
  orderedBy?: string | null;
  spec?: ChangeSpec;
  credentialIds: readonly string[];
};

/** A change as it is requested: the one place a change is made, for a request, an offboarding's or a playbook's. */
export const newChange = (input: NewChange): Change => {
  const trigger = input.action === 'revoke' ? input.trigger ?? null : null;
  return {
    id: input.id, classId: input.classId, action: input.action, status: 'requested', requester: input.requester, reason: input.reason,
    ticket: input.ticket ?? null, trigger,
    dueAt: input.action === 'revoke' ? revocationDueAt(input.policy, trigger, input.at)?.toISOString() ?? null : null,
    requestedAt: input.at.toISOString(), staleAt: input.staleAt.toISOString(), updatedAt: input.at.toISOString(),
    governanceVersion: input.governanceVersion, approvalsNeeded: input.approvalsNeeded, preApprovedBy: input.preApprovedBy,
    approvals: [], executor: null, executedAt: null, verifier: null, verifiedAt: null, playbookId: input.playbookId ?? null,
    orderedBy: input.orderedBy ?? null, connector: null, spec: input.spec ?? {}, revision: 1, credentialIds: [...input.credentialIds],
  };
};
