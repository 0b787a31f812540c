import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exportGovernance } from './governance-export.ts';
import { formatGovernanceIssue } from './governance-issue.ts';
import type { Governance } from './governance-model.ts';
import { planGovernance } from './governance-plan.ts';
import { designExample, edit, fixtureNow } from './governance-test-fixture.ts';
import { parseGovernance } from './parse-governance.ts';

const model = (text: string): Governance => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: fixtureNow });
  if (!parsed.ok) assert.fail(parsed.issues.map(formatGovernanceIssue).join('\n'));
  return parsed.governance;
};

const example = readFileSync(new URL('../../../examples/governance.yaml', import.meta.url), 'utf8');

for (const [name, text] of [['examples/governance.yaml', example], ['DESIGN.md\'s example', designExample]] as const) {
  test(`${name} exports to YAML that parses back to the same model and plans no changes`, () => {
    const original = model(text);
    const exported = exportGovernance(original);
    const reparsed = model(exported);
    assert.deepEqual(reparsed, original);
    assert.equal(planGovernance(original, reparsed).hasChanges, false);
    assert.equal(exportGovernance(reparsed), exported, 'export is stable');
  });
}

test('the export reads like the hand-written file: DESIGN.md key order, defaults left out, short entries on one line', () => {
  const exported = exportGovernance(model(designExample));
  assert.match(exported, /^organization:\n {2}id: acme\n {2}name: Acme Corp\n/m);
  assert.match(exported, /^ {2}- \{ id: gina, name: Gina Ortiz, email: gina@globex\.example, org: globex \}$/m);
  assert.match(exported, /^ {6}renew: \{ responsible: \[ org:globex \], accountable: person:dave, preApproved: true \}$/m);
  assert.match(exported, /windows: \[ \{ cron: "0 22 \* \* 1-5", duration: 4h, timeZone: Europe\/Berlin \} \]/);
  assert.match(exported, /^ {2}- id: globex-internal-mtls\n {4}to: org:globex$/m, 'a derived delegation id is written out');
  assert.doesNotMatch(exported, /approvals: 1|preApproved: false|lifecycle: active|consulted: \[\]|serviceAccounts/);
  const keys = [...exported.matchAll(/^(\w+):/gm)].map((match) => match[1]);
  assert.deepEqual(keys, ['organization', 'partners', 'teams', 'people', 'sources', 'workloads', 'classes', 'delegations', 'playbooks']);
});

test('texts that YAML would read as something else are quoted, and multi-line policies survive', () => {
  const original = model(edit(designExample,
    ['{ id: internal-ca, kind: builtin_ca', '{ id: internal-ca, name: "yes", kind: builtin_ca'],
    ['{ id: payments-api, owner', '{ id: payments-api, name: "0123", owner'],
    ['delegations:', 'policies:\n  - |\n    permit(principal, action == Action::"read", resource)\n    when { principal.team == "security" };\ndelegations:'],
  ));
  const reparsed = model(exportGovernance(original));
  assert.equal(reparsed.sources[0]?.name, 'yes');
  assert.equal(reparsed.workloads[0]?.name, '0123');
  assert.equal(reparsed.policies[0], 'permit(principal, action == Action::"read", resource)\nwhen { principal.team == "security" };\n');
});
