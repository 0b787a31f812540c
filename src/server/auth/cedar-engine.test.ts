import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseGovernance } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { checkGovernancePolicies, compileGovernance, decide } from './cedar-engine.ts';

const example = readFileSync(new URL('../../../examples/governance.yaml', import.meta.url), 'utf8');
const at = new Date('2026-11-24T12:00:00Z');

const governanceOf = (text: string): Governance => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: at });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues.slice(0, 3)));
  return parsed.governance;
};

test('each class is decided against its own pre-parsed set; an unchanged class keeps its set across versions', () => {
  const first = compileGovernance(1, governanceOf(example));
  const setOf = (compiled: typeof first, classId: string) => compiled.policySetFor({ type: 'class', classId });
  const playbook = (compiled: typeof first) => compiled.policySetFor({ type: 'playbook', id: 'key-compromise' });
  const mtls = setOf(first, 'internal-mtls');
  assert.notEqual(mtls, setOf(first, 'public-tls'));
  assert.notEqual(mtls, first.policySetFor({ type: 'governance' }));
  assert.equal(setOf(first, 'no-such-class'), first.policySetFor({ type: 'governance' }), 'a class governance no longer declares gets only the policies for every resource');
  const edited = example.replace('maxCredentials: 500', 'maxCredentials: 400');
  const second = compileGovernance(2, governanceOf(edited));
  assert.equal(setOf(second, 'internal-mtls'), mtls, 'a playbook edit leaves the class sets as they were');
  assert.notEqual(playbook(second), playbook(first), 'and changes the playbook\'s own set');
  assert.equal(second.policySetFor({ type: 'governance' }), first.policySetFor({ type: 'governance' }));
});

test('decisions on a class see that class\'s decision rights and the built-in rules', () => {
  const compiled = compileGovernance(1, governanceOf(example));
  const approve = (principal: string, classId: string) => decide(compiled, {
    principal, action: 'approve-revoke', at,
    resource: { type: 'change', id: 'ch_1', classId, lifecycleAction: 'revoke', requester: 'person:ivan', approvers: [], executor: null, preApproved: false },
  }, new Map());
  assert.deepEqual(approve('person:carol', 'internal-mtls').policies.map((policy) => policy.id), ['class.internal-mtls.revoke.approve']);
  assert.equal(approve('person:carol', 'code-signing').allowed, false, 'lena, not carol, is accountable for revoking code-signing');
  assert.deepEqual(approve('person:ivan', 'internal-mtls').policies.map((policy) => policy.id).sort(), ['class.internal-mtls.revoke.only-approvers', 'sod.requester-approves']);
});

test('an organisation policy that does not match the schema names its entry', () => {
  const withPolicy = `${example}\npolicies:\n  - |\n    forbid (principal, action, resource) when { principal.clearance > 3 };\n`;
  const problems = checkGovernancePolicies(governanceOf(withPolicy));
  assert.ok(problems.length > 0);
  assert.ok(problems.every((problem) => problem.index === 0 && /clearance/.test(problem.message)), JSON.stringify(problems));
  assert.deepEqual(checkGovernancePolicies(governanceOf(example)), [], 'the compiled policies of the example validate');
});

test('an organisation\'s own permit cannot make anyone else an approver or a verifier', () => {
  const widened = `${example}\npolicies:\n  - |\n    permit (principal, action in [Trustplane::Action::"approve", Trustplane::Action::"verify"], resource);\n`;
  const governance = governanceOf(widened);
  assert.deepEqual(checkGovernancePolicies(governance), []);
  const compiled = compileGovernance(1, governance);
  const change = { type: 'change' as const, id: 'ch_1', classId: 'internal-mtls', lifecycleAction: 'rotate' as const, requester: 'person:ivan', approvers: ['person:dave'], executor: 'person:ivan', preApproved: false };
  const hana = decide(compiled, { principal: 'person:hana', action: 'approve-rotate', at, resource: { ...change, approvers: [] } }, new Map());
  assert.deepEqual({ allowed: hana.allowed, by: hana.policies.map((policy) => policy.id) }, { allowed: false, by: ['class.internal-mtls.rotate.only-approvers'] });
  const frank = decide(compiled, { principal: 'person:frank', action: 'verify-rotate', at, resource: change }, new Map());
  assert.deepEqual({ allowed: frank.allowed, by: frank.policies.map((policy) => policy.id) }, { allowed: false, by: ['class.internal-mtls.rotate.only-verifier'] });
});
