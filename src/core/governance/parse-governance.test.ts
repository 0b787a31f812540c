import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGovernanceIssue } from './governance-issue.ts';
import { designExample, edit, fixtureNow } from './governance-test-fixture.ts';
import { maxGovernanceBytes, parseGovernance } from './parse-governance.ts';

const problems = (text: string, now = fixtureNow): string[] => {
  const parsed = parseGovernance(text, 'governance.yaml', { now });
  return parsed.ok ? [] : parsed.issues.map(formatGovernanceIssue);
};

const parsedModel = (text: string) => {
  const parsed = parseGovernance(text, 'governance.yaml', { now: fixtureNow });
  if (!parsed.ok) assert.fail(parsed.issues.map(formatGovernanceIssue).join('\n'));
  return parsed.governance;
};

test('reads DESIGN.md\'s example with its defaults applied', () => {
  const governance = parsedModel(designExample);
  assert.equal(governance.organization.name, 'Acme Corp');
  assert.deepEqual(governance.people[2], { id: 'gina', name: 'Gina Ortiz', email: 'gina@globex.example', org: 'globex', teams: [] });
  assert.equal(governance.workloads[0]?.lifecycle, 'active');
  assert.deepEqual(governance.serviceAccounts, []);
  const issue = governance.classes[0]?.decisionRights.issue;
  assert.deepEqual(issue, {
    responsible: ['team:platform', 'org:globex'], accountable: 'person:dave', consulted: [], informed: ['team:payments'],
    approvals: 1, approvers: [], preApproved: false,
  });
  assert.equal(governance.classes[0]?.policy.allowThirdPartyExposure, false);
});

test('one meaning has one model: durations in their shortest form, instants in UTC, dates as written', () => {
  const governance = parsedModel(edit(designExample,
    ['reviewWithin: 24h', 'reviewWithin: 1440m'],
    ['maxLifetime: 30d', 'maxLifetime: 720h'],
    ['duration: 4h', 'duration: "240m"'],
    ['timeZone: Europe/Berlin } ]', 'timeZone: Europe/Berlin }, { from: "2026-12-01T08:00:00+01:00", to: "2026-12-01T12:30:00.5+01:00" } ]'],
  ));
  assert.equal(governance.playbooks[0]?.reviewWithin, '1d');
  assert.equal(governance.classes[0]?.policy.maxLifetime, '30d');
  assert.deepEqual(governance.delegations[0]?.windows, [
    { cron: '0 22 * * 1-5', duration: '4h', timeZone: 'Europe/Berlin' },
    { from: '2026-12-01T07:00:00Z', to: '2026-12-01T11:30:00.500Z' },
  ]);
  assert.equal(governance.delegations[0]?.until, '2027-06-30');
  assert.equal(parsedModel(edit(designExample, ['until: 2027-06-30', 'until: "2027-06-30T18:00:00+02:00"'])).delegations[0]?.until, '2027-06-30T16:00:00Z');
});

test('a YAML 1.1 directive does not turn dates into timestamps', () => {
  assert.equal(parsedModel(`%YAML 1.1\n---\n${designExample}`).delegations[0]?.until, '2027-06-30');
});

test('a delegation without an id is named after its partner and first class, stably and uniquely', () => {
  const second = '  - { to: org:globex, classes: [internal-mtls], actions: [renew], grantedBy: person:carol }\n';
  const third = '  - { id: globex-internal-mtls-2, to: org:globex, classes: ["*"], actions: [renew], grantedBy: person:carol }\n';
  const governance = parsedModel(edit(designExample, ['playbooks:\n', `${second}${third}playbooks:\n`]));
  assert.deepEqual(governance.delegations.map((delegation) => delegation.id), ['globex-internal-mtls', 'globex-internal-mtls-3', 'globex-internal-mtls-2']);
});

test('JSON is accepted, as it is YAML', () => {
  assert.deepEqual(problems(JSON.stringify({ organization: { id: 'acme', name: 'Acme Corp' } })), []);
});

test('a YAML syntax error is reported at its line, and nothing else is checked', () => {
  assert.deepEqual(problems(edit(designExample, ['    verifier: team:security', '    verifier: team:security\n    kinds: [token]'])), [
    'governance.yaml:31 YAML: Map keys must be unique',
  ]);
  assert.deepEqual(problems(edit(designExample, ['    kinds: [x509_certificate]', '\tkinds: [x509_certificate]']))[0], 'governance.yaml:15 YAML: Tabs are not allowed as indentation');
  assert.deepEqual(problems('organization: { id: acme, name: Acme Corp }\nteams: [ { id: security }\npeople: []\n'), [
    'governance.yaml:3 YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
});

test('an empty file, a file that is not a mapping, and a file over 5 MB each get one clear issue', () => {
  assert.deepEqual(problems(''), ['governance.yaml:1 the file is empty; it must declare at least the organization']);
  assert.deepEqual(problems('# only a comment\n'), ['governance.yaml:1 the file is empty; it must declare at least the organization']);
  const notMapping = 'governance.yaml:2 the top level must be a mapping of sections (organization, partners, teams, people, …), not a list or a single value';
  assert.deepEqual(problems('# a list\n- organization\n'), [notMapping]);
  assert.deepEqual(problems('\nacme\n'), [notMapping]);
  const large = `${designExample}# ${'x'.repeat(maxGovernanceBytes)}\n`;
  assert.deepEqual(problems(large), ['governance.yaml:1 the file is larger than 5 MB; split policies out or remove what is not governance']);
  const multiByte = `${designExample}# ${'é'.repeat(maxGovernanceBytes / 2)}\n`;
  assert.equal(problems(multiByte).length, 1, 'measured in bytes, not characters');
});

test('a misspelt key is reported at its own line with a suggestion; the key it replaced is missing at its parent', () => {
  assert.deepEqual(problems(edit(designExample, ['    businessOwner: person:carol', '    buisnessOwner: person:carol'])), [
    'governance.yaml:14 classes[0].businessOwner: is required',
    'governance.yaml:16 classes[0].buisnessOwner: unknown key; did you mean "businessOwner"?',
  ]);
  assert.deepEqual(problems(edit(designExample, ['      renewBefore: 10d', '      renewbefore: 10d'])), [
    'governance.yaml:20 classes[0].policy.renewbefore: unknown key; did you mean "renewBefore"?',
  ]);
  assert.deepEqual(problems(edit(designExample, ['organization: { id: acme, name: Acme Corp }', 'organization: { id: acme, name: Acme Corp }\nsecrets: []'])), [
    'governance.yaml:2 secrets: unknown key',
  ]);
});

test('every shape problem is collected, at the line of the offending value, sorted by line', () => {
  const text = edit(designExample,
    ['kind: managed_service', 'kind: managed'],
    ['org: acme, teams: [security]', 'org: 12, teams: [security]'],
    ['email: dave@acme.example', 'email: dave-at-acme'],
    ['kinds: [x509_certificate]', 'kinds: []'],
    ['maxLifetime: 30d', 'maxLifetime: 1y'],
    ['approvals: 1', 'approvals: 11'],
    ['    verifier: team:security', '    verifier: security'],
    ['until: 2027-06-30', 'until: 2027-02-30'],
    ['maxCredentials: 500', 'maxCredentials: many'],
    ['{ id: payments-api,', '{ id: Payments_API,'],
  );
  assert.deepEqual(problems(text), [
    'governance.yaml:3 partners[0].kind: the text "managed" is not one of: integrator, managed_service, platform_provider, vendor',
    'governance.yaml:6 people[0].org: expected text, got the number 12; put it in quotes to keep it as text',
    'governance.yaml:7 people[1].email: "dave-at-acme" is not an email address',
    'governance.yaml:12 workloads[0].id: "Payments_API" is not a valid id; use 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
    'governance.yaml:15 classes[0].kinds: a class must list at least one credential kind',
    'governance.yaml:19 classes[0].policy.maxLifetime: "1y" is not a duration; write a number and a unit (s, m, h, d, w), for example 30d or 4h',
    'governance.yaml:29 classes[0].decisionRights.revoke.approvals: must be at most 10',
    'governance.yaml:30 classes[0].verifier: "security" is not a reference to person:ID or team:ID or org:ID or service-account:ID or agent:ID',
    'governance.yaml:34 delegations[0].until: "2027-02-30" is not a date (2027-06-30) or an instant with its offset (2027-06-30T18:00:00Z)',
    'governance.yaml:37 playbooks[0].maxCredentials: expected a number, got the text "many"',
  ]);
});

test('a window is either recurring or fixed; its problems are reported against the form it resembles', () => {
  assert.deepEqual(problems(edit(designExample, ['duration: 4h, timeZone: Europe/Berlin }', 'duration: 4h, timezone: Europe/Berlin }'])), [
    'governance.yaml:33 delegations[0].windows[0].timeZone: is required',
    'governance.yaml:33 delegations[0].windows[0].timezone: unknown key; did you mean "timeZone"?',
  ]);
  assert.deepEqual(problems(edit(designExample, ['{ cron: "0 22 * * 1-5", duration: 4h, timeZone: Europe/Berlin }', '{ from: "2026-12-01T08:00:00Z", to: "2026-12-01" }'])), [
    'governance.yaml:33 delegations[0].windows[0].to: "2026-12-01" is not an instant with its offset, for example 2027-06-30T18:00:00Z or 2027-06-30T20:00:00+02:00',
  ]);
});

test('a missing section entry is reported at its parent\'s line', () => {
  assert.deepEqual(problems(edit(designExample, ['organization: { id: acme, name: Acme Corp }', 'organization: { id: acme }'])), [
    'governance.yaml:1 organization.name: is required',
  ]);
  assert.deepEqual(problems('partners: []\n'), ['governance.yaml:1 organization: is required']);
});
