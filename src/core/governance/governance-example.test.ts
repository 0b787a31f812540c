// examples/governance.yaml drives the README tour; it must stay valid and classify the demo material.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { classifyCredential } from './classify.ts';
import { formatGovernanceIssue } from './governance-issue.ts';
import { isWindowOpen } from './change-windows.ts';
import { parseGovernance } from './parse-governance.ts';

const text = readFileSync(new URL('../../../examples/governance.yaml', import.meta.url), 'utf8');
const parsed = parseGovernance(text, 'examples/governance.yaml', { now: new Date('2026-11-22T00:00:00Z') });
// The example is applied at the real time by the demo: its delegations must stay open for years.
const inThreeYears = parseGovernance(text, 'examples/governance.yaml', { now: new Date('2029-06-01T00:00:00Z') });

test('the example organisation parses with no issues on 2026-11-22, and still in June 2029', () => {
  assert.deepEqual(parsed.ok ? [] : parsed.issues.map(formatGovernanceIssue), []);
  assert.deepEqual(inThreeYears.ok ? [] : inThreeYears.issues.map(formatGovernanceIssue), []);
});

test('the example declares the organisation the README tour walks through', () => {
  assert.ok(parsed.ok);
  const { governance } = parsed;
  assert.equal(governance.organization.id, 'acme');
  assert.deepEqual(governance.partners.map((partner) => [partner.id, partner.kind]), [['globex', 'managed_service'], ['initech', 'integrator']]);
  assert.deepEqual(governance.teams.map((team) => team.id), ['security', 'platform', 'payments', 'data', 'identity']);
  assert.equal(governance.people.filter((person) => person.org === 'acme').length, 10);
  assert.deepEqual(governance.agents.map((agent) => [agent.id, agent.owner]), [['support-agent', 'person:julia']]);
  assert.deepEqual(governance.workloads.filter((workload) => workload.lifecycle === 'decommissioned').map((workload) => workload.id), ['legacy-reports']);
  assert.deepEqual(governance.playbooks.map((playbook) => playbook.id), ['key-compromise', 'partner-offboarding']);
});

test('imported material in the example lands in the right class', () => {
  assert.ok(parsed.ok);
  const { classes } = parsed.governance;
  const classify = (facts: Parameters<typeof classifyCredential>[1]) => classifyCredential(classes, facts);
  assert.equal(classify({ kind: 'x509_certificate', name: 'www.acme.example', subject: 'CN=www.acme.example', issuer: "CN=E5, O=Let's Encrypt, C=US" }), 'public-tls');
  assert.equal(classify({ kind: 'x509_certificate', name: 'ledger', subject: 'CN=ledger.svc.acme.internal', issuer: 'CN=Acme Internal CA' }), 'internal-mtls');
  assert.equal(classify({ kind: 'api_key', name: 'payments-processor-live', source: 'vault' }), 'payments-api-keys');
  assert.equal(classify({ kind: 'signing_key', name: 'release-2026', issuer: 'CN=Acme Code Signing CA, O=Acme Corp' }), 'code-signing');
  assert.equal(classify({ kind: 'ssh_key', name: 'tom@bastion-01' }), 'ssh-access');
  assert.equal(classify({ kind: 'token', name: 'agent-support-assistant', source: 'vault' }), 'agent-tokens');
  assert.equal(classify({ kind: 'password', name: 'warehouse-admin', source: 'vault' }), null, 'passwords are assigned by hand');
});

test('Globex works weekday nights, Berlin time; Initech Tuesday and Thursday daytimes, London time', () => {
  assert.ok(parsed.ok);
  const [globex, initech] = parsed.governance.delegations;
  const globexWindow = globex?.windows?.[0];
  const initechWindow = initech?.windows?.[0];
  assert.ok(globexWindow !== undefined && initechWindow !== undefined);
  assert.equal(isWindowOpen(globexWindow, new Date('2026-11-23T21:30:00Z')), true, 'Monday 22:30 CET');
  assert.equal(isWindowOpen(globexWindow, new Date('2026-11-22T21:30:00Z')), false, 'Sunday');
  assert.equal(isWindowOpen(initechWindow, new Date('2026-12-01T10:00:00Z')), true, 'Tuesday 10:00 GMT');
  assert.equal(isWindowOpen(initechWindow, new Date('2026-12-01T18:00:00Z')), false, 'ends 18:00 GMT');
  assert.equal(isWindowOpen(initechWindow, new Date('2026-12-02T10:00:00Z')), false, 'Wednesday');
  assert.equal(isWindowOpen(initechWindow, new Date('2027-07-01T07:30:00Z')), true, 'Thursday 08:30 BST');
});

test("the README tour's edit, a class for the legacy certificates, applies to the example and claims them", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const snippet = /```yaml\n( {2}- id: legacy-tls\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet !== undefined, 'the README shows the class to add');
  const edited = parseGovernance(text.replace('  - id: ssh-access\n', `${snippet}\n  - id: ssh-access\n`), 'governance.yaml', { now: new Date('2026-11-22T00:00:00Z') });
  assert.deepEqual(edited.ok ? edited.findings.filter((finding) => finding.severity === 'error') : edited.issues.map(formatGovernanceIssue), []);
  assert.ok(edited.ok && parsed.ok);
  // As the demo makes them (src/server/demo/demo-inventory.ts): issued by "Legacy Vendor CA".
  const legacy = { kind: 'x509_certificate', name: 'app3.legacy.acme.example', subject: 'CN=app3.legacy.acme.example', issuer: 'CN=Legacy Vendor CA, O=Old Integrator Ltd', sans: ['dns:app3.legacy.acme.example'] };
  assert.equal(classifyCredential(parsed.governance.classes, legacy), null, 'unclassified before the edit');
  assert.equal(classifyCredential(edited.governance.classes, legacy), 'legacy-tls');
});
