import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lintDecisionRights } from './decision-rights-lint.ts';
import type { DecisionRightsFinding } from './decision-rights-lint.ts';
import { formatGovernanceIssue, formatGovernancePath } from './governance-issue.ts';
import type { Governance } from './governance-model.ts';
import { designExample, edit, fixtureNow } from './governance-test-fixture.ts';
import { canSeparateDuties } from './lint-separation-of-duties.ts';
import { parseGovernance } from './parse-governance.ts';

const parse = (text: string): Governance => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: fixtureNow });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues.map(formatGovernanceIssue).join('\n'));
  return parsed.governance;
};

/** `error rule-id path: message`, as a terminal would show it. */
const lines = (findings: readonly DecisionRightsFinding[]): string[] =>
  findings.map((finding) => `${finding.severity} ${finding.rule} ${formatGovernancePath(finding.path)}: ${finding.message}`);

const lint = (text: string): string[] => lines(lintDecisionRights(parse(text)));

// In DESIGN.md's example Carol is the only security engineer: accountable for revoke and the only one
// who could verify it. A second one lets the duties be separated.
const withErin = edit(designExample, ['  - { id: gina,', '  - { id: erin,  name: Erin Walsh, email: erin@acme.example, org: acme, teams: [security] }\n  - { id: gina,']);
const withoutRevokePlaybook = (text: string): string => edit(text, ['actions: [revoke, rotate],', 'actions: [rotate],']);

const exampleText = readFileSync(new URL('../../../examples/governance.yaml', import.meta.url), 'utf8');

test('DESIGN.md\'s example with a second security engineer has nothing to report', () => {
  assert.deepEqual(lint(withErin), []);
});

test('no-customer-accountable: an accountable person who is not the customer\'s (parsing normally refuses it)', () => {
  const governance = parse(withErin);
  const revoke = governance.classes[0]?.decisionRights.revoke;
  assert.ok(revoke !== undefined);
  revoke.accountable = 'person:gina';
  assert.deepEqual(lines(lintDecisionRights(governance)), [
    'error no-customer-accountable classes[0].decisionRights.revoke.accountable: class "internal-mtls", revoke: the accountable person must be one of the customer\'s people, but person:gina belongs to partner "globex"',
  ]);
  const [finding] = lintDecisionRights(governance);
  assert.deepEqual([finding?.classId, finding?.action, finding?.fix], ['internal-mtls', 'revoke', 'name a person of "acme" as decisionRights.revoke.accountable']);
  revoke.accountable = 'person:carol';
  assert.deepEqual(lintDecisionRights(governance), []);
});

test('no-customer-accountable: a class nobody may revoke, neither by decision right nor by playbook', () => {
  const noRevoke = withoutRevokePlaybook(edit(withErin,
    ['      revoke: { responsible: [team:platform], accountable: person:carol, approvals: 1 }\n', ''],
    ['renew:  { responsible: [org:globex]', 'renew:  { responsible: [org:globex, team:platform]'],
  ));
  assert.deepEqual(lint(noRevoke), [
    'error no-customer-accountable classes[0].decisionRights.revoke: class "internal-mtls", revoke: nobody may ever revoke its credentials: the class has no decisionRights.revoke and no playbook may revoke it',
  ]);
  assert.match(lintDecisionRights(parse(noRevoke))[0]?.fix ?? '', /add decisionRights\.revoke .* or a playbook whose classes include "internal-mtls"/);
  assert.deepEqual(lint(edit(noRevoke, ['actions: [rotate],', 'actions: [revoke],'])), [], 'a playbook may revoke it');
});

test('partner-only-executors: only a partner may execute, and no customer playbook may revoke the class', () => {
  const partnerOnly = withoutRevokePlaybook(withErin);
  assert.deepEqual(lint(partnerOnly), [
    'error partner-only-executors classes[0].decisionRights.renew.responsible: class "internal-mtls", renew: no customer can execute it, only org:globex (a partner), and no playbook with customer responders may revoke the class',
  ]);
  assert.equal(lintDecisionRights(parse(partnerOnly))[0]?.fix, 'add a customer team to decisionRights.renew.responsible, or a playbook with customer responders that may revoke "internal-mtls"');
  assert.deepEqual(lint(edit(partnerOnly, ['renew:  { responsible: [org:globex]', 'renew:  { responsible: [org:globex, team:platform]'])), [], 'a customer team');
  assert.deepEqual(lint(withErin), [], 'the key-compromise playbook may revoke every class');
  // A team whose only members are a partner's people gives the customer nobody.
  const partnerTeam = edit(partnerOnly,
    ['{ id: payments } ]', '{ id: payments }, { id: night-shift } ]'],
    ['org: globex }', 'org: globex, teams: [night-shift] }'],
    ['renew:  { responsible: [org:globex]', 'renew:  { responsible: [team:night-shift, person:gina]'],
  );
  assert.deepEqual(lint(partnerTeam), [
    'error partner-only-executors classes[0].decisionRights.renew.responsible: class "internal-mtls", renew: no customer can execute it, only team:night-shift (no customer members), person:gina (of partner "globex"), and no playbook with customer responders may revoke the class',
  ]);
});

test('one-person-approves-and-executes: the only one responsible is also the only approver', () => {
  const kofiAlone = edit(exampleText, ['revoke: { responsible: [team:data, team:security], accountable: person:kofi }', 'revoke: { responsible: [team:data], accountable: person:kofi }']);
  const findings = lintDecisionRights(parse(kofiAlone)).filter((finding) => finding.severity === 'error');
  assert.deepEqual(lines(findings), [
    'error one-person-approves-and-executes classes[6].decisionRights.revoke.responsible: class "data-db-passwords", revoke: person "kofi" alone would have to approve and execute it: the only one responsible is also the only approver',
  ]);
  assert.equal(findings[0]?.fix, 'add a customer team or person who is not an approver to decisionRights.revoke.responsible, or name more approvers than the quorum of 1');
  assert.equal(lintDecisionRights(parse(exampleText)).filter((finding) => finding.severity === 'error').length, 0, 'team:security executes instead');
});

test('one-person-approves-and-executes: a service account counts as its owner', () => {
  // renewal-bot is dave's: dave would approve the rotation and execute it through his account.
  const throughBot = edit(exampleText, ['rotate: { responsible: [team:platform], accountable: person:dave }', 'rotate: { responsible: [service-account:renewal-bot], accountable: person:dave }']);
  assert.deepEqual(lintDecisionRights(parse(throughBot)).filter((finding) => finding.severity === 'error').map((finding) => finding.message), [
    'class "internal-mtls", rotate: person "dave" alone would have to approve and execute it: the only one responsible is also the only approver',
  ]);
  const ciDeployer = edit(exampleText, ['rotate: { responsible: [team:platform], accountable: person:dave }', 'rotate: { responsible: [service-account:ci-deployer], accountable: person:dave }']);
  assert.equal(lintDecisionRights(parse(ciDeployer)).filter((finding) => finding.severity === 'error').length, 0, "ci-deployer is ivan's");
});

test('one-person-approves-and-executes: an executor who is an approver is fine while the quorum can do without them', () => {
  const frankExecutes = (approvals: number) => edit(exampleText,
    ['        responsible: [team:payments]\n        accountable: person:frank', '        responsible: [person:frank]\n        accountable: person:frank'],
    ['        approvals: 2\n        approvers: [person:frank, person:carol]', `        approvals: ${approvals}\n        approvers: [person:frank, person:carol]`],
  );
  assert.deepEqual(lintDecisionRights(parse(frankExecutes(2))).filter((finding) => finding.severity === 'error').map((finding) => finding.message), [
    'class "payments-api-keys", issue: person "frank", the only one responsible, is needed as one of the 2 approvers (person "frank", person "carol"), so would approve and execute the same change',
  ]);
  assert.equal(lintDecisionRights(parse(frankExecutes(1))).filter((finding) => finding.severity === 'error').length, 0, 'carol approves, frank executes, erin verifies');
});

test('one-person-approves-and-executes: nobody is left to verify (DESIGN.md\'s example as written)', () => {
  assert.deepEqual(lint(designExample), [
    'error one-person-approves-and-executes classes[0].verifier: class "internal-mtls", revoke: nobody is left to verify it: the verifier team:security is only person "carol", who must also approve or execute it (approvers: person "carol", quorum 1; responsible: person "dave")',
  ]);
  assert.deepEqual(lint(withErin), [], 'erin verifies');
});

test('one-person-approves-and-executes: nobody to execute, and a quorum larger than the approvers', () => {
  assert.deepEqual(lint(edit(withErin, ['revoke: { responsible: [team:platform]', 'revoke: { responsible: [team:payments]'])), [
    'error one-person-approves-and-executes classes[0].decisionRights.revoke.responsible: class "internal-mtls", revoke: nobody can execute it: team:payments stands for no person, service account or agent',
  ]);
  // Parsing refuses a quorum above the named approvers; the lint still explains it if one gets through.
  const governance = parse(withErin);
  const revoke = governance.classes[0]?.decisionRights.revoke;
  assert.ok(revoke !== undefined);
  revoke.approvals = 2;
  assert.deepEqual(lines(lintDecisionRights(governance)), [
    'error one-person-approves-and-executes classes[0].decisionRights.revoke.approvals: class "internal-mtls", revoke: a quorum of 2 approvals is larger than the 1 named approver (person "carol")',
  ]);
  revoke.approvers = ['person:carol', 'person:dave'];
  assert.deepEqual(lintDecisionRights(governance).map((finding) => finding.message), [
    'class "internal-mtls", revoke: person "dave", the only one responsible, is needed as one of the 2 approvers (person "carol", person "dave"), so would approve and execute the same change',
  ]);
  revoke.approvers = ['person:carol', 'person:erin'];
  assert.deepEqual(lintDecisionRights(governance).map((finding) => formatGovernancePath(finding.path)), ['classes[0].verifier'], 'both security engineers approve; none is left to verify');
  revoke.approvals = 1;
  assert.deepEqual(lintDecisionRights(governance), [], 'carol approves, dave executes, erin verifies');
});

test('the feasibility search finds an assignment when one exists, not only when the sets differ', () => {
  assert.equal(canSeparateDuties({ approvers: ['a', 'b', 'c'], quorum: 2, executors: ['a', 'b'], verifiers: ['c'] }), false);
  assert.equal(canSeparateDuties({ approvers: ['a', 'b', 'c'], quorum: 2, executors: ['a', 'b'], verifiers: ['c', 'd'] }), true, 'a executes, d verifies, b and c approve');
  assert.equal(canSeparateDuties({ approvers: [], quorum: 0, executors: ['a'], verifiers: ['a'] }), false, 'pre-approved, but one person executes and verifies');
  assert.equal(canSeparateDuties({ approvers: ['a'], quorum: 1, executors: ['a'], verifiers: null }), false);
  const team = Array.from({ length: 10_000 }, (_, i) => `person:p${i}`);
  assert.equal(canSeparateDuties({ approvers: team.slice(0, 10), quorum: 10, executors: team.slice(0, 10), verifiers: team }), false, 'large teams are cheap');
  assert.equal(canSeparateDuties({ approvers: team.slice(0, 10), quorum: 9, executors: team, verifiers: team }), true);
});

test('no-verifier: a decision right nobody verifies, on the right or on the class', () => {
  const unverified = edit(withErin, ['    verifier: team:security\n', '']);
  assert.deepEqual(lint(unverified), ['issue', 'renew', 'revoke'].map((action) =>
    `error no-verifier classes[0].decisionRights.${action}.verifier: class "internal-mtls", ${action}: no verifier: neither decisionRights.${action}.verifier nor the class's verifier is set, so its changes could never be verified`));
  assert.deepEqual(lint(edit(unverified, ['approvals: 1 }', 'approvals: 1, verifier: person:erin }'])).map((line) => line.split(':')[0]), [
    'error no-verifier classes[0].decisionRights.issue.verifier', 'error no-verifier classes[0].decisionRights.renew.verifier',
  ], 'a per-action verifier covers its action only');
  assert.deepEqual(lint(withErin), []);
});

test('delegation-without-end and delegation-without-window warn, naming the delegation and the partner', () => {
  const unbounded = edit(withErin,
    ['      windows: [ { cron: "0 22 * * 1-5", duration: 4h, timeZone: Europe/Berlin } ],\n', ''],
    ['until: 2027-06-30, ', ''],
  );
  const findings = lintDecisionRights(parse(unbounded));
  assert.deepEqual(lines(findings), [
    'warning delegation-without-end delegations[0].until: delegation "globex-internal-mtls" to partner "globex" has no end: it holds until someone removes it from governance',
    'warning delegation-without-window delegations[0].windows: delegation "globex-internal-mtls" to partner "globex" has no change windows: the partner may act at any hour while it holds',
  ]);
  assert.deepEqual(findings.map((finding) => finding.fix.split(' ').slice(0, 2).join(' ')), ['add until', 'add windows']);
  assert.deepEqual(lint(withErin), []);
});

test('no-revocation-sla warns when a class has no revocation deadline, or an empty one', () => {
  const expected = ['warning no-revocation-sla classes[0].policy.revocationSla: class "internal-mtls": no revocation SLA, so a revocation has no deadline and a late one raises no revocation_sla_breach alert'];
  assert.deepEqual(lint(edit(withErin, ['      revocationSla: { key_compromise: 1h, default: 24h }\n', ''])), expected);
  assert.deepEqual(lint(edit(withErin, ['revocationSla: { key_compromise: 1h, default: 24h }', 'revocationSla: {}'])), expected);
  assert.deepEqual(lint(edit(withErin, ['revocationSla: { key_compromise: 1h, default: 24h }', 'revocationSla: { default: 24h }'])), []);
});

test('errors come first, then warnings, each in file order', () => {
  const several = edit(designExample,
    ['      revocationSla: { key_compromise: 1h, default: 24h }\n', ''],
    ['until: 2027-06-30, ', ''],
    ['renew:  { responsible: [org:globex], accountable: person:dave, preApproved: true }', 'renew:  { responsible: [team:platform], accountable: person:dave, approvals: 1 }'],
  );
  assert.deepEqual(lint(several).map((line) => line.split(':')[0]), [
    'error one-person-approves-and-executes classes[0].decisionRights.renew.responsible',
    'error one-person-approves-and-executes classes[0].verifier',
    'warning no-revocation-sla classes[0].policy.revocationSla',
    'warning delegation-without-end delegations[0].until',
  ]);
});

test('examples/governance.yaml has no errors; its one warning is the passwords class without a revocation SLA', () => {
  const findings = lintDecisionRights(parse(exampleText));
  assert.deepEqual(findings.filter((finding) => finding.severity === 'error'), []);
  assert.deepEqual(findings.map((finding) => `${finding.rule} ${finding.classId ?? ''}`), ['no-revocation-sla data-db-passwords']);
});

test('builtin-ca-without-ca: a built-in CA source without a CA, reported when the caller says which sources have one', () => {
  const governance = parse(withErin);
  assert.deepEqual(lintDecisionRights(governance), [], 'parsing knows no CA store, so the rule does not run');
  const findings = lintDecisionRights(governance, { sourcesWithCa: new Set() });
  assert.deepEqual(lines(findings), [
    'warning builtin-ca-without-ca sources[0]: source "internal-ca" is a built-in CA but has no CA, so nothing can be issued from it: class "internal-mtls" cannot get certificates from it',
  ]);
  assert.equal(findings[0]?.fix, 'create the CA of source "internal-ca" (ca create internal-ca), or remove the source from governance');
  assert.deepEqual(lintDecisionRights(governance, { sourcesWithCa: new Set(['internal-ca']) }), []);
  const unused = parse(edit(withErin, ['      allowedSources: [internal-ca]\n', '']));
  assert.match(lintDecisionRights(unused, { sourcesWithCa: new Set() })[0]?.message ?? '', /has no CA, so nothing can be issued from it: no class allows it yet$/);
});
