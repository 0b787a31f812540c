import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGovernanceIssue } from '../governance/governance-issue.ts';
import type { Governance } from '../governance/governance-model.ts';
import { designExample, fixtureNow } from '../governance/governance-test-fixture.ts';
import { parseGovernance } from '../governance/parse-governance.ts';
import { compileGovernancePolicies } from './governance-policies.ts';

// DESIGN.md's example: one class, internal-mtls (Carol and Dave own it; Globex issues and renews under a
// delegation), renew pre-approved, and the key-compromise playbook for the security team.
const parse = (text: string): Governance => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: fixtureNow });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues.map(formatGovernanceIssue).join('\n'));
  return parsed.governance;
};

const compiled = compileGovernancePolicies(parse(designExample));

test('each policy is named for where it comes from: built-in rules, decision rights, delegations, playbooks', () => {
  assert.deepEqual(Object.keys(compiled.policies), [
    'sod.requester-approves', 'sod.requester-verifies', 'sod.approver-approves-once', 'sod.approver-executes', 'sod.approver-verifies', 'sod.executor-verifies',
    'sod.orderer-approves', 'sod.executor-reviews',
    'sod.partner-holds-no-authority', 'sod.partner-only-inside-delegation', 'sod.system-approves-only-pre-approved', 'token.full-only-by-its-principal', 'sod.read-only-token',
    'general.read', 'general.requester-cancels', 'general.review-accountable', 'general.grantor-revokes-delegation', 'general.bootstrap-administers', 'general.own-tokens', 'general.reveal-once',
    'general.system-requests-offboarding-revocations', 'general.system-cancels-for-departed', 'general.alert-recipients',
    'class.internal-mtls.issue.request', 'class.internal-mtls.issue.approve', 'class.internal-mtls.issue.cancel', 'class.internal-mtls.issue.execute', 'class.internal-mtls.issue.verify',
    'class.internal-mtls.issue.only-approvers', 'class.internal-mtls.issue.only-verifier',
    'class.internal-mtls.renew.request', 'class.internal-mtls.renew.approve', 'class.internal-mtls.renew.cancel', 'class.internal-mtls.renew.verify',
    'class.internal-mtls.renew.only-approvers', 'class.internal-mtls.renew.only-verifier', 'class.internal-mtls.renew.pre-approved',
    'class.internal-mtls.renew.automatic', 'class.internal-mtls.renew.probes',
    'class.internal-mtls.revoke.request', 'class.internal-mtls.revoke.approve', 'class.internal-mtls.revoke.cancel', 'class.internal-mtls.revoke.execute', 'class.internal-mtls.revoke.verify',
    'class.internal-mtls.revoke.only-approvers', 'class.internal-mtls.revoke.only-verifier',
    'delegation.globex-internal-mtls',
    'playbook.key-compromise',
  ]);
  assert.deepEqual(Object.keys(compiled.origins), Object.keys(compiled.policies), 'every policy has an origin');
});

test('origins say where in governance.yaml each policy comes from, whether it permits or forbids, and why', () => {
  assert.deepEqual(compiled.origins['class.internal-mtls.revoke.approve'], {
    effect: 'permit', scope: ['internal-mtls'], source: 'classes[0] (internal-mtls).decisionRights.revoke', because: 'person:carol approves revoke on internal-mtls',
  });
  assert.deepEqual(compiled.origins['class.internal-mtls.issue.execute'], {
    effect: 'permit', scope: ['internal-mtls'], source: 'classes[0] (internal-mtls).decisionRights.issue', because: 'team:platform executes issue on internal-mtls',
  });
  assert.deepEqual(compiled.origins['delegation.globex-internal-mtls'], {
    effect: 'permit', scope: ['internal-mtls'], source: 'delegations[0] (globex-internal-mtls)',
    because: 'person:carol delegated issue, renew on internal-mtls to partner globex, only while the delegation is live and a change window is open',
  });
  assert.equal(compiled.origins['playbook.key-compromise']?.source, 'playbooks[0] (key-compromise)');
  assert.deepEqual(compiled.origins['playbook.key-compromise']?.scope, { playbook: 'key-compromise' }, 'a playbook\'s policy applies to that playbook alone');
  for (const [id, origin] of Object.entries(compiled.origins).filter(([id]) => id.startsWith('sod.'))) {
    assert.deepEqual({ effect: origin.effect, source: origin.source }, { effect: 'forbid', source: 'built-in separation of duties' }, id);
    assert.match(compiled.policies[id] ?? '', /^forbid /, id);
  }
});

test('partner references never appear in a permit for customers: only the delegation names the partner', () => {
  const naming = Object.entries(compiled.policies).filter(([, text]) => text.includes('"globex"') || text.includes('"gina"')).map(([id]) => id);
  assert.deepEqual(naming, ['delegation.globex-internal-mtls']);
  assert.match(compiled.policies['delegation.globex-internal-mtls'] ?? '', /context\.openDelegations\.contains\("globex-internal-mtls"\)/);
  assert.equal(compiled.policies['class.internal-mtls.renew.execute'], undefined, 'renew names only Globex as responsible, so no customer permit executes it');
});

test('partners slipped into customer roles are left out of the compiled permits, whatever the lint says', () => {
  const governance = parse(designExample);
  const revoke = governance.classes[0]?.decisionRights.revoke;
  const playbook = governance.playbooks[0];
  assert.ok(revoke !== undefined && playbook !== undefined);
  revoke.approvers = ['person:gina'];
  revoke.responsible = ['team:platform', 'org:globex'];
  playbook.responders = ['org:globex'];
  const policies = compileGovernancePolicies(governance).policies;
  assert.doesNotMatch(policies['class.internal-mtls.revoke.approve'] ?? '', /gina/);
  assert.doesNotMatch(policies['class.internal-mtls.revoke.execute'] ?? '', /globex/);
  assert.equal(policies['playbook.key-compromise'], undefined, 'a playbook with only partner responders permits nobody');
});

test('a pre-approved standard change compiles to a permit for the system principal naming the accountable person', () => {
  assert.equal(compiled.policies['class.internal-mtls.renew.pre-approved'],
    'permit (principal == Trustplane::System::"automation", action == Trustplane::Action::"approve-renew", resource)\nwhen { resource in Trustplane::Class::"internal-mtls" };');
  assert.deepEqual(compiled.origins['class.internal-mtls.renew.pre-approved'], {
    effect: 'permit', scope: ['internal-mtls'], source: 'classes[0] (internal-mtls).decisionRights.renew.preApproved',
    because: 'renew on internal-mtls is a pre-approved standard change, pre-authorised by person:dave; the system principal approves it',
  });
  const systemPermits = Object.entries(compiled.policies).filter(([, text]) => text.startsWith('permit') && text.includes('System::"automation"')).map(([id]) => id);
  assert.deepEqual(systemPermits, ['general.system-requests-offboarding-revocations', 'general.system-cancels-for-departed', 'class.internal-mtls.renew.pre-approved'], 'the system principal is permitted nothing else');
  assert.equal(compiled.policies['general.system-requests-offboarding-revocations'],
    'permit (principal == Trustplane::System::"automation", action == Trustplane::Action::"request-revoke", resource)\nwhen { ["owner_departed", "partner_offboarded", "workload_decommissioned"].contains(context.trigger) };');
});

test('a pre-approved renewal is carried out by three system principals, none holding two of approve, execute and verify', () => {
  assert.equal(compiled.policies['class.internal-mtls.renew.automatic'],
    'permit (principal == Trustplane::System::"renewal", action in [Trustplane::Action::"request-renew", Trustplane::Action::"execute-renew"], resource)\nwhen { resource in Trustplane::Class::"internal-mtls" };');
  assert.equal(compiled.policies['class.internal-mtls.renew.probes'],
    'permit (principal == Trustplane::System::"probes", action == Trustplane::Action::"verify-renew", resource)\nwhen { resource in Trustplane::Class::"internal-mtls" && resource has executor && resource.executor == "system:renewal" };');
  assert.match(compiled.policies['class.internal-mtls.renew.only-verifier'] ?? '', /unless \{ .*principal == Trustplane::System::"probes"/);
  assert.equal(compiled.policies['class.internal-mtls.issue.automatic'], undefined, 'only renewals, and only pre-approved ones, are automatic');
});

test('the playbook permit bounds trigger, action, class and blast radius', () => {
  const governance = parse(designExample);
  const playbook = governance.playbooks[0];
  assert.ok(playbook !== undefined);
  playbook.classes = ['internal-mtls'];
  const text = compileGovernancePolicies(governance).policies['playbook.key-compromise'] ?? '';
  assert.match(text, /principal in Trustplane::Team::"security"/);
  assert.match(text, /\["key_compromise"\]\.contains\(context\.trigger\)/);
  assert.match(text, /\["revoke", "rotate"\]\.contains\(context\.lifecycleAction\)/);
  assert.match(text, /context\.credentialCount <= 500/);
  assert.match(text, /\["internal-mtls"\]\.containsAll\(context\.classes\)/);
  assert.doesNotMatch(compiled.policies['playbook.key-compromise'] ?? '', /containsAll/, 'a playbook for every class checks none');
});
