import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeStep } from '../authz/cedar-schema.ts';
import type { ClassPolicy } from '../governance/governance-model.ts';
import { approvalsNeeded, changeStatuses, revocationDueAt, transitionProblem } from './change-lifecycle.ts';
import type { ChangeStatus } from './change-lifecycle.ts';

const steps: readonly (ChangeStep | 'expire')[] = ['request', 'approve', 'reject', 'execute', 'verify', 'cancel', 'expire'];

// The steps a change may take from each status; every other pair is refused.
const allowed: Record<ChangeStatus, readonly (ChangeStep | 'expire')[]> = {
  requested: ['approve', 'reject', 'cancel', 'expire'],
  approved: ['execute', 'cancel', 'expire'],
  executing: [],
  executed: ['verify'],
  verified: [],
  rejected: [],
  cancelled: [],
  failed: [],
  verification_failed: [],
  expired: [],
};

const change = (status: ChangeStatus) => ({ id: 'ch_1', status, approvals: ['person:frank'], approvalsNeeded: 2 });

test('each status allows exactly its steps; a change is never requested again', () => {
  for (const status of changeStatuses) {
    const permitted = steps.filter((step) => transitionProblem(change(status), step) === null);
    assert.deepEqual(permitted, allowed[status], status);
  }
});

test('a refused transition says where the change stands and what would let it move', () => {
  assert.equal(transitionProblem(change('requested'), 'execute'), 'change ch_1 is requested with 1 of 2 approvals; it cannot be executed until it is approved');
  assert.equal(transitionProblem(change('approved'), 'verify'), 'change ch_1 is approved; it must be executed before it can be verified');
  assert.equal(transitionProblem(change('approved'), 'approve'), 'change ch_1 is approved: its approvals are complete, so it can no longer be approved; execute or cancel it');
  assert.equal(transitionProblem(change('executing'), 'cancel'), 'change ch_1 is executing right now; wait for the execution to finish (a change with no outcome after its execution lease fails)');
  assert.equal(transitionProblem(change('executed'), 'cancel'), 'change ch_1 is executed and waits for its verifier; it can no longer be cancelled');
  assert.equal(transitionProblem(change('verification_failed'), 'verify'), 'change ch_1 is verification failed, which is final; it can no longer be verified');
  for (const status of ['verified', 'rejected', 'cancelled', 'failed', 'expired'] as const) {
    assert.match(transitionProblem(change(status), 'approve') ?? '', new RegExp(`^change ch_1 is ${status}, which is final; it can no longer be approved$`));
  }
});

const policy = (revocationSla: ClassPolicy['revocationSla']): ClassPolicy => ({ revocationSla }) as ClassPolicy;
const requestedAt = new Date('2026-11-24T21:30:00Z');
const hours = (count: number): Date => new Date(requestedAt.getTime() + count * 3_600_000);

test('a revocation is due by its trigger\'s SLA, else the class default, else never', () => {
  const sla = policy({ key_compromise: '1h', workload_decommissioned: '24h', default: '3d' });
  assert.deepEqual(revocationDueAt(sla, 'key_compromise', requestedAt), hours(1));
  assert.deepEqual(revocationDueAt(sla, 'workload_decommissioned', requestedAt), hours(24));
  assert.deepEqual(revocationDueAt(sla, 'owner_departed', requestedAt), hours(72), 'a trigger without its own SLA takes the default');
  assert.deepEqual(revocationDueAt(sla, null, requestedAt), hours(72));
  assert.equal(revocationDueAt(policy({ key_compromise: '1h' }), 'superseded', requestedAt), null, 'no SLA for the trigger and no default');
  assert.equal(revocationDueAt(policy(undefined), 'key_compromise', requestedAt), null, 'a class without revocation SLAs');
});

test('a pre-approved standard change needs the one approval of the system principal; others their quorum', () => {
  assert.equal(approvalsNeeded({ approvals: 2, preApproved: false }), 2);
  assert.equal(approvalsNeeded({ approvals: 1, preApproved: false }), 1);
  assert.equal(approvalsNeeded({ approvals: 2, preApproved: true }), 1);
});
