import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGovernanceIssue } from '../governance/governance-issue.ts';
import { designExample, fixtureNow } from '../governance/governance-test-fixture.ts';
import { parseGovernance } from '../governance/parse-governance.ts';
import { buildCedarRequest, createAuthzModel, explainDelegationDenial } from './authz-model.ts';
import type { AuthzQuery, DelegationRevocation } from './authz-model.ts';

// DESIGN.md's example: Globex may issue and renew internal-mtls "0 22 * * 1-5" for 4h, Europe/Berlin,
// until 2027-06-30, granted by Carol. Berlin is UTC+2 until Sunday 25 October 2026, UTC+1 after.
const parsed = parseGovernance(designExample, 'governance.yaml', { now: fixtureNow });
assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues.map(formatGovernanceIssue).join('\n'));
const model = createAuthzModel(parsed.governance);
const delegation = 'globex-internal-mtls';
const none: ReadonlyMap<string, DelegationRevocation> = new Map();
const revoked: ReadonlyMap<string, DelegationRevocation> = new Map([[delegation, {
  delegationId: delegation, revokedAt: '2026-11-24T09:00:00.000Z', revokedBy: 'person:carol', reason: 'contract ended',
}]]);

const onClass = (principal: string, action: AuthzQuery['action'], at: string): AuthzQuery =>
  ({ principal, action, resource: { type: 'class', classId: 'internal-mtls' }, at: new Date(at) });

const delegationContext = (query: AuthzQuery, revocations = none) => {
  const { context } = buildCedarRequest(model, query, revocations);
  return { openDelegations: context.openDelegations, delegatedHere: context.delegatedHere };
};

test('inside a window the partner\'s delegation is open, and it covers only the delegated actions', () => {
  // Tuesday 24 November 2026, 22:30 in Berlin.
  assert.deepEqual(delegationContext(onClass('person:gina', 'request-renew', '2026-11-24T21:30:00Z')), { openDelegations: [delegation], delegatedHere: true });
  assert.deepEqual(delegationContext(onClass('person:gina', 'request-rotate', '2026-11-24T21:30:00Z')), { openDelegations: [], delegatedHere: false },
    'only delegations that cover the class and action are checked and passed');
  assert.deepEqual(delegationContext(onClass('person:gina', 'approve-renew', '2026-11-24T21:30:00Z')), { openDelegations: [delegation], delegatedHere: true },
    'delegatedHere says what the delegation covers; the built-in forbid keeps partners from approving');
});

test('outside a window, after the delegation ends, or once it is revoked, nothing is open', () => {
  assert.deepEqual(delegationContext(onClass('person:gina', 'request-renew', '2026-11-25T11:00:00Z')), { openDelegations: [], delegatedHere: false });
  assert.deepEqual(delegationContext(onClass('person:gina', 'request-renew', '2027-07-01T20:30:00Z')), { openDelegations: [], delegatedHere: false });
  assert.deepEqual(delegationContext(onClass('person:gina', 'request-renew', '2026-11-24T21:30:00Z'), revoked), { openDelegations: [], delegatedHere: false });
});

test('windows follow Berlin\'s wall clock across the end of summer time', () => {
  // Friday 23 October, still CEST: 22:30 Berlin is 20:30Z.
  assert.equal(delegationContext(onClass('person:gina', 'execute-renew', '2026-10-23T20:30:00Z')).delegatedHere, true);
  // Monday 26 October, now CET: 20:30Z is 21:30 Berlin (closed), 21:30Z is 22:30 (open).
  assert.equal(delegationContext(onClass('person:gina', 'execute-renew', '2026-10-26T20:30:00Z')).delegatedHere, false);
  assert.equal(delegationContext(onClass('person:gina', 'execute-renew', '2026-10-26T21:30:00Z')).delegatedHere, true);
});

test('a customer principal carries its teams and organization, and never any delegation', () => {
  const request = buildCedarRequest(model, onClass('person:carol', 'request-renew', '2026-11-24T21:30:00Z'), none);
  assert.deepEqual(request.principal, { type: 'Trustplane::Person', id: 'carol' });
  assert.deepEqual(request.entities[0], {
    uid: request.principal, attrs: { ref: 'person:carol', person: 'person:carol', partner: false },
    parents: [{ type: 'Trustplane::Team', id: 'security' }, { type: 'Trustplane::Organization', id: 'acme' }],
  });
  assert.deepEqual(request.context.openDelegations, []);
  assert.deepEqual(request.entities.slice(2), [{ uid: { type: 'Trustplane::Action', id: 'request-renew' }, attrs: {}, parents: [{ type: 'Trustplane::Action', id: 'request' }] }],
    'besides the principal and the resource, only the action with its group is passed to Cedar');
  const gina = buildCedarRequest(model, onClass('person:gina', 'request-renew', '2026-11-24T21:30:00Z'), none).entities[0];
  assert.deepEqual(gina?.attrs, { ref: 'person:gina', person: 'person:gina', partner: true });
  assert.deepEqual(gina?.parents, [{ type: 'Trustplane::Organization', id: 'globex' }]);
});

test('a change carries the people separation of duties compares; a playbook invocation carries its scope', () => {
  const change = buildCedarRequest(model, {
    principal: 'system:automation', action: 'approve-renew', at: new Date('2026-11-24T21:30:00Z'),
    resource: { type: 'change', id: 'ch_1', classId: 'internal-mtls', lifecycleAction: 'renew', requester: 'person:gina', approvers: [], executor: null, preApproved: true },
  }, none);
  assert.deepEqual(change.principal, { type: 'Trustplane::System', id: 'automation' });
  assert.deepEqual(change.entities[1], {
    uid: { type: 'Trustplane::Change', id: 'ch_1' },
    attrs: { lifecycleAction: 'renew', requester: 'person:gina', approvers: [], preApproved: true, requesterPeople: ['person:gina'], approverPeople: [], executorPeople: [], orderedByPeople: [] },
    parents: [{ type: 'Trustplane::Class', id: 'internal-mtls' }],
  });
  const invocation = buildCedarRequest(model, {
    principal: 'person:carol', action: 'invoke-playbook', at: new Date('2026-11-24T21:30:00Z'), resource: { type: 'playbook', id: 'key-compromise' },
    invocation: { trigger: 'key_compromise', lifecycleAction: 'revoke', classes: ['internal-mtls'], credentialCount: 3 },
  }, none);
  assert.deepEqual(
    { trigger: invocation.context.trigger, lifecycleAction: invocation.context.lifecycleAction, classes: invocation.context.classes, credentialCount: invocation.context.credentialCount },
    { trigger: 'key_compromise', lifecycleAction: 'revoke', classes: ['internal-mtls'], credentialCount: 3 },
  );
});

test('a delegation denial says what the partner can act on: the next window, a new delegation, or the revocation', () => {
  const explain = (action: 'renew' | 'rotate', at: string, revocations = none) =>
    explainDelegationDenial(model, 'person:gina', 'internal-mtls', action, new Date(at), revocations);
  assert.equal(explain('renew', '2026-11-24T21:30:00Z'), null, 'inside a window there is nothing to explain');
  assert.deepEqual(explain('renew', '2026-11-25T11:00:00Z'), {
    code: 'OUTSIDE_CHANGE_WINDOW',
    message: 'delegation globex-internal-mtls lets partner globex renew on internal-mtls only inside its change windows (0 22 * * 1-5 for 4h (Europe/Berlin)), '
      + 'and none is open at 2026-11-25T11:00:00Z; the next opens at 2026-11-25T21:00:00Z',
  });
  assert.deepEqual(explain('renew', '2027-07-01T20:30:00Z'), {
    code: 'DELEGATION_EXPIRED', message: 'delegation globex-internal-mtls to partner globex ended at 2027-07-01T00:00:00Z; ask person:carol for a new delegation',
  });
  assert.deepEqual(explain('renew', '2026-11-24T21:30:00Z', revoked), {
    code: 'DELEGATION_REVOKED', message: 'delegation globex-internal-mtls to partner globex was revoked at 2026-11-24T09:00:00.000Z by person:carol (contract ended)',
  });
  assert.equal(explain('rotate', '2026-11-24T21:30:00Z')?.code, 'FORBIDDEN');
  assert.match(explain('rotate', '2026-11-24T21:30:00Z')?.message ?? '', /partner globex holds no delegation for rotate on class internal-mtls/);
  assert.equal(explainDelegationDenial(model, 'person:carol', 'internal-mtls', 'renew', new Date('2026-11-25T11:00:00Z'), none), null, 'customers act under no delegation');
});

test('a service account or agent counts as its owner: one a partner\'s person owns is a partner principal, wherever it is declared', () => {
  const withAccounts = parseGovernance(designExample.replace('sources:', [
    'serviceAccounts:',
    '  - { id: gina-sync, org: acme, owner: person:gina, teams: [platform] }',
    '  - { id: dave-bot, org: acme, owner: person:dave, teams: [platform] }',
    'agents:',
    '  - { id: gina-agent, org: acme, owner: person:gina }',
    'sources:',
  ].join('\n')), 'governance.yaml', { now: fixtureNow });
  assert.ok(withAccounts.ok, withAccounts.ok ? '' : withAccounts.issues.map(formatGovernanceIssue).join('\n'));
  const owned = createAuthzModel(withAccounts.governance);
  const attrs = (principal: string) => buildCedarRequest(owned, onClass(principal, 'request-renew', '2026-11-24T21:30:00Z'), none).entities[0]?.attrs;
  assert.deepEqual(attrs('service-account:gina-sync'), { ref: 'service-account:gina-sync', person: 'person:gina', partner: true });
  assert.deepEqual(attrs('agent:gina-agent'), { ref: 'agent:gina-agent', person: 'person:gina', partner: true });
  assert.deepEqual(attrs('service-account:dave-bot'), { ref: 'service-account:dave-bot', person: 'person:dave', partner: false });
});
