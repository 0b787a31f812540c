import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formatGovernanceIssue } from './governance-issue.ts';
import type { Governance } from './governance-model.ts';
import { changesClasses, formatPlan, planGovernance } from './governance-plan.ts';
import { designExample, edit, fixtureNow } from './governance-test-fixture.ts';
import { parseGovernance } from './parse-governance.ts';

const model = (text: string): Governance => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: fixtureNow });
  if (!parsed.ok) assert.fail(parsed.issues.map(formatGovernanceIssue).join('\n'));
  return parsed.governance;
};

const current = model(designExample);

test('the first apply adds everything', () => {
  const plan = planGovernance(null, current);
  assert.equal(plan.hasChanges, true);
  assert.deepEqual(plan.sections.people, { added: ['carol', 'dave', 'gina'], changed: [], removed: [] });
  assert.deepEqual(plan.summary, { toAdd: 13, toChange: 0, toRemove: 0 });
});

test('the same meaning written differently plans no changes', () => {
  const rewritten = edit(designExample,
    ['reviewWithin: 24h', 'reviewWithin: 1d'],
    ['{ id: gina,  name: Gina Ortiz, email: gina@globex.example, org: globex }', '{ org: globex, email: gina@globex.example, name: Gina Ortiz, id: gina, teams: [] }'],
    ['revoke: { responsible: [team:platform], accountable: person:carol, approvals: 1 }', 'revoke: { responsible: [team:platform], accountable: person:carol }'],
  );
  const plan = planGovernance(current, model(rewritten));
  assert.equal(plan.hasChanges, false);
  assert.equal(formatPlan(plan), 'No changes. Governance is up to date.');
});

test('additions, changes and removals are listed per section by id, then summed', () => {
  const next = model(edit(designExample,
    ['{ id: payments } ]', '{ id: payments }, { id: data } ]'],
    ['email: dave@acme.example', 'email: dave.kim@acme.example'],
    ['workloads:\n  - { id: payments-api, owner: team:payments, environment: prod }\n', ''],
    ['delegations:', 'policies:\n  - "permit(principal, action, resource);"\ndelegations:'],
  ));
  const plan = planGovernance(current, next);
  // A policy has no id: it is named by the first 12 hex digits of SHA-256 over its text.
  const policy = `policy-${createHash('sha256').update('permit(principal, action, resource);').digest('hex').slice(0, 12)}`;
  assert.deepEqual(plan.sections.teams, { added: ['data'], changed: [], removed: [] });
  assert.deepEqual(plan.sections.people, { added: [], changed: ['dave'], removed: [] });
  assert.deepEqual(plan.sections.workloads, { added: [], changed: [], removed: ['payments-api'] });
  assert.deepEqual(plan.sections.policies, { added: [policy], changed: [], removed: [] });
  assert.equal(formatPlan(plan), [
    '+ teams/data',
    '~ people/dave',
    '- workloads/payments-api',
    `+ policies/${policy}`,
    '',
    'Plan: 2 to add, 1 to change, 1 to remove.',
  ].join('\n'));
});

test('a change deep inside a class changes the class; renaming an id removes and adds', () => {
  const next = model(edit(designExample, ['accountable: person:carol, approvals: 1', 'accountable: person:dave, approvals: 1'], ['{ id: key-compromise,', '{ id: compromise,']));
  const plan = planGovernance(current, next);
  assert.deepEqual(plan.sections.classes.changed, ['internal-mtls']);
  assert.deepEqual(plan.sections.playbooks, { added: ['compromise'], changed: [], removed: ['key-compromise'] });
  assert.deepEqual(plan.summary, { toAdd: 1, toChange: 1, toRemove: 1 });
});

test('a plan survives the model being stored as JSON and read back', () => {
  const stored = JSON.parse(JSON.stringify(current)) as Governance;
  assert.equal(planGovernance(stored, current).hasChanges, false);
});

test('reordering classes is a change, because the first class that matches takes a credential', () => {
  const twoClasses = {
    ...current,
    classes: [current.classes[0]!, { ...current.classes[0]!, id: 'all-tls', match: { names: ['**'] } }],
  };
  const swapped = { ...twoClasses, classes: [twoClasses.classes[1]!, twoClasses.classes[0]!] };
  const plan = planGovernance(twoClasses, swapped);
  assert.equal(plan.hasChanges, true);
  assert.deepEqual(plan.sections.classes.changed.sort(), ['all-tls', 'internal-mtls']);
  const people = { ...current, people: current.people.toReversed() };
  assert.equal(planGovernance(current, people).hasChanges, false, 'the order of people is only layout');
});

test('a plan that adds or changes classes says how many unclassified credentials each class takes', () => {
  const next = model(edit(designExample, ['allowedNames: ["*.svc.acme.internal"]', 'allowedNames: ["*.svc.acme.internal", "*.svc.acme.test"]']));
  const plan = planGovernance(current, next);
  assert.ok(changesClasses(plan));
  assert.ok(!changesClasses(planGovernance(current, current)));
  const text = formatPlan({ ...plan, classifies: [{ classId: 'internal-mtls', credentials: 1 }, { classId: 'legacy', credentials: 41 }] });
  assert.match(text, /^> 1 unclassified credential into classes\/internal-mtls\n> 41 unclassified credentials into classes\/legacy\n\nPlan: 0 to add, 1 to change, 0 to remove; 42 unclassified credentials to classify\.$/m);
  assert.match(formatPlan({ ...plan, classifies: [] }), /Plan: 0 to add, 1 to change, 0 to remove\.$/);
});
