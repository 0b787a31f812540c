import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGovernanceIssue } from './governance-issue.ts';
import { governanceRules } from './governance-rules.ts';
import { designExample, edit, fixtureNow } from './governance-test-fixture.ts';
import { parseGovernance } from './parse-governance.ts';

const problems = (text: string, now = fixtureNow): string[] => {
  const parsed = parseGovernance(text, 'governance.yaml', { now });
  return parsed.ok ? [] : parsed.issues.map(formatGovernanceIssue);
};

const appendPolicies = (text: string, ...policies: string[]): string =>
  `${text}policies:\n${policies.map((policy) => `  - ${JSON.stringify(policy)}\n`).join('')}`;

test('the rules are named functions in one exported list', () => {
  assert.deepEqual(governanceRules.map((rule) => rule.name), [
    'idsAreUnique', 'referencesAreDeclared', 'partnersHoldNoAuthority', 'delegationsGoToPartners',
    'delegatedActionsHaveDecisionRights', 'delegationsAreLive', 'changeWindowsCanOpen', 'renewalFitsLifetime', 'quorumsCanBeReached',
  ]);
  assert.deepEqual(problems(designExample), []);
});

test('ids are unique per kind, and a duplicate names the line of the first', () => {
  assert.deepEqual(problems(edit(designExample, ['{ id: gina,  name: Gina Ortiz', '{ id: dave,  name: Gina Ortiz'])), [
    'governance.yaml:8 people[2].id: person "dave" is declared twice; first at line 7',
  ]);
  assert.deepEqual(problems(edit(designExample, ['{ id: payments } ]', '{ id: payments }, { id: security } ]'])), [
    'governance.yaml:4 teams[3].id: team "security" is declared twice; first at line 4',
  ]);
  assert.deepEqual(problems(edit(designExample, ['{ id: globex, name: Globex Managed Services', '{ id: acme, name: Globex Managed Services'])), [
    'governance.yaml:3 partners[0].id: organization "acme" is declared twice; first at line 1',
    'governance.yaml:8 people[2].org: organization "globex" is not declared',
    'governance.yaml:27 classes[0].decisionRights.issue.responsible[1]: organization "globex" is not declared',
    'governance.yaml:28 classes[0].decisionRights.renew.responsible[0]: organization "globex" is not declared',
    'governance.yaml:32 delegations[0].to: organization "globex" is not declared',
  ]);
  assert.deepEqual(problems(appendPolicies(designExample, 'permit(principal, action, resource);', 'forbid(principal, action, resource);', ' permit(principal, action, resource);')), [
    'governance.yaml:41 policies[2]: the same policy is written twice; first at line 39',
  ]);
});

test('every reference must be declared, however deep it sits, with a suggestion when one is close', () => {
  assert.deepEqual(problems(edit(designExample, ['accountable: person:carol, approvals: 1', 'accountable: person:zed, approvals: 1'])), [
    'governance.yaml:29 classes[0].decisionRights.revoke.accountable: person "zed" is not declared',
  ]);
  assert.deepEqual(problems(edit(designExample,
    ['org: acme, teams: [platform]', 'org: acme, teams: [platfrom]'],
    ['org: globex }', 'org: hooli }'],
    ['operatedBy: team:platform', 'operatedBy: team:ops'],
    ['allowedSources: [internal-ca]', 'allowedSources: [internal-cb]'],
    ['informed: [team:payments]', 'informed: [team:payments, agent:helper, service-account:bot]'],
    ['classes: [internal-mtls]', 'classes: [external-mtls]'],
    ['responders: [team:security]', 'responders: [team:security, person:zoe]'],
  )), [
    'governance.yaml:7 people[1].teams[0]: team "platfrom" is not declared; did you mean "platform"?',
    'governance.yaml:8 people[2].org: organization "hooli" is not declared',
    'governance.yaml:10 sources[0].operatedBy: team "ops" is not declared',
    'governance.yaml:25 classes[0].policy.allowedSources[0]: source "internal-cb" is not declared; did you mean "internal-ca"?',
    'governance.yaml:27 classes[0].decisionRights.issue.informed[1]: agent "helper" is not declared',
    'governance.yaml:27 classes[0].decisionRights.issue.informed[2]: service account "bot" is not declared',
    'governance.yaml:32 delegations[0].classes[0]: class "external-mtls" is not declared; did you mean "internal-mtls"?',
    'governance.yaml:37 playbooks[0].responders[1]: person "zoe" is not declared',
  ]);
});

test('service accounts and agents belong to a declared organization and are owned by a declared person', () => {
  const text = edit(designExample, ['sources:\n', [
    'serviceAccounts:',
    '  - { id: ci-deployer, org: acme, owner: person:dave, teams: [platform] }',
    '  - { id: renewal-bot, org: initech, owner: person:dave }',
    'agents:',
    '  - { id: support-agent, org: acme, owner: person:nobody }',
    'sources:\n',
  ].join('\n')]);
  assert.deepEqual(problems(text), [
    'governance.yaml:11 serviceAccounts[1].org: organization "initech" is not declared',
    'governance.yaml:13 agents[0].owner: person "nobody" is not declared',
  ]);
});

test('a partner, or anyone who belongs to one, holds no authority', () => {
  assert.deepEqual(problems(edit(designExample,
    ['    businessOwner: person:carol', '    businessOwner: person:gina'],
    ['accountable: person:dave, preApproved: true', 'accountable: person:gina, preApproved: true'],
    ['accountable: person:carol, approvals: 1', 'accountable: person:carol, approvals: 1, approvers: [person:carol, person:gina], verifier: person:gina'],
    ['    verifier: team:security', '    verifier: org:globex'],
    ['grantedBy: person:carol', 'grantedBy: person:gina'],
    ['responders: [team:security]', 'responders: [team:security, org:globex]'],
  )), [
    'governance.yaml:16 classes[0].businessOwner: person "gina" belongs to partner "globex" and cannot be the business owner',
    'governance.yaml:28 classes[0].decisionRights.renew.accountable: person "gina" belongs to partner "globex" and cannot be accountable',
    'governance.yaml:29 classes[0].decisionRights.revoke.approvers[1]: person "gina" belongs to partner "globex" and cannot be an approver',
    'governance.yaml:29 classes[0].decisionRights.revoke.verifier: person "gina" belongs to partner "globex" and cannot be the verifier',
    'governance.yaml:30 classes[0].verifier: organization "globex" is a partner and cannot be the verifier',
    'governance.yaml:34 delegations[0].grantedBy: person "gina" belongs to partner "globex" and cannot grant a delegation',
    'governance.yaml:37 playbooks[0].responders[1]: organization "globex" is a partner and cannot be a playbook responder',
  ]);
});

test('partners gain no authority through a team or through what they own', () => {
  const inSecurity = problems(edit(designExample, ['email: gina@globex.example, org: globex }', 'email: gina@globex.example, org: globex, teams: [security] }']));
  assert.ok(inSecurity.some((line) => /classes\[0\]\.verifier: team "security" includes person "gina" of partner "globex", and partners cannot be the verifier/.test(line)), inSecurity.join('\n'));
  assert.ok(inSecurity.some((line) => /playbooks\[0\]\.responders\[0\]: team "security" includes person "gina"/.test(line)), inSecurity.join('\n'));
  const owned = problems(edit(designExample, [
    'email: gina@globex.example, org: globex }',
    'email: gina@globex.example, org: globex }\nserviceAccounts:\n  - { id: checker, org: acme, owner: person:gina }',
  ], ['verifier: team:security', 'verifier: service-account:checker']));
  assert.ok(owned.some((line) => /verifier: service account "checker" is owned by person "gina" of partner "globex" and cannot be the verifier/.test(line)), owned.join('\n'));
});

test('a partner may still be responsible, consulted and informed', () => {
  assert.deepEqual(problems(edit(designExample, ['informed: [team:payments]', 'informed: [team:payments, person:gina], consulted: [org:globex]'])), []);
});

test('delegations go to partners, for actions their classes define, and must still be live', () => {
  assert.deepEqual(problems(edit(designExample, ['to: org:globex', 'to: org:acme'])), [
    'governance.yaml:32 delegations[0].to: "acme" is the customer; delegate only to partners',
  ]);
  assert.deepEqual(problems(edit(designExample, ['actions: [issue, renew]', 'actions: [issue, rotate]'])), [
    'governance.yaml:32 delegations[0].actions[1]: class "internal-mtls" has no decision rights for "rotate"; declare classes[0].decisionRights.rotate or remove the action',
  ]);
  assert.deepEqual(problems(edit(designExample, ['classes: [internal-mtls], actions: [issue, renew]', 'classes: ["*"], actions: [issue, retire]'])), [
    'governance.yaml:32 delegations[0].actions[1]: class "internal-mtls" has no decision rights for "retire"; declare classes[0].decisionRights.retire or remove the action',
  ], '"*" stands for every class, and each must define the action');
  assert.deepEqual(problems(edit(designExample, ['until: 2027-06-30', 'until: 2026-06-30'])), [
    'governance.yaml:34 delegations[0].until: the delegation has already ended: until 2026-06-30 is before now (2026-11-22T00:00:00Z)',
  ]);
  // A date includes its whole day: the Monday 22:00 window (21:00Z) still opens under until: Monday.
  assert.deepEqual(problems(edit(designExample, ['until: 2027-06-30', 'until: 2026-11-23'])), []);
  assert.deepEqual(problems(edit(designExample, ['until: 2027-06-30', 'until: 2026-11-23']), new Date('2026-11-24T00:00:00Z')), [
    'governance.yaml:34 delegations[0].until: the delegation has already ended: until 2026-11-23 is before now (2026-11-24T00:00:00Z)',
  ]);
});

test('a window that never opens is reported with the reason', () => {
  const cron = (expression: string, until = '2027-06-30') =>
    problems(edit(designExample, ['"0 22 * * 1-5"', `"${expression}"`], ['until: 2027-06-30', `until: ${until}`]));
  assert.deepEqual(cron('0 0 30 2 *'), [
    'governance.yaml:33 delegations[0].windows[0].cron: window never opens: cron "0 0 30 2 *" never fires: none of its months has that day',
  ]);
  assert.deepEqual(cron('0 9 1 1 *', '2026-12-31'), [
    'governance.yaml:33 delegations[0].windows[0].cron: window never opens: cron "0 9 1 1 *" does not fire between now (2026-11-22T00:00:00Z) and until (2026-12-31)',
  ]);
  assert.deepEqual(cron('0 9 1 1 *', '2027-01-01'), [], 'fires on the last day the delegation is live');
  assert.deepEqual(cron('0 22 * *'), [
    'governance.yaml:33 delegations[0].windows[0].cron: cron "0 22 * *" is not valid: write five fields (minute hour day-of-month month day-of-week), for example "0 22 * * 1-5"',
  ]);
  assert.deepEqual(cron('0 H * * *'), [
    'governance.yaml:33 delegations[0].windows[0].cron: cron "0 H * * *" is not valid: the hour field "H" may only use digits, "*", ",", "-" and "/"',
  ]);
  assert.deepEqual(cron('61 22 * * 1-5'), [
    'governance.yaml:33 delegations[0].windows[0].cron: cron "61 22 * * 1-5" is not valid: Constraint error, got value 61 expected range 0-59',
  ]);
  assert.deepEqual(cron('0 22 * * mon-fri'), []);
  assert.deepEqual(problems(edit(designExample, ['timeZone: Europe/Berlin', 'timeZone: Europe/Berln'])), [
    'governance.yaml:33 delegations[0].windows[0].timeZone: time zone "Europe/Berln" is not a known IANA time zone, such as Europe/Berlin or UTC',
  ]);
  assert.deepEqual(problems(edit(designExample, ['timeZone: Europe/Berlin', 'timeZone: "+01:00"'])).length, 1);
});

test('a fixed window must end after it starts, not be over, and start before the delegation ends', () => {
  const fixed = (from: string, to: string, until = '2027-06-30') => problems(edit(designExample,
    ['{ cron: "0 22 * * 1-5", duration: 4h, timeZone: Europe/Berlin }', `{ from: "${from}", to: "${to}" }`],
    ['until: 2027-06-30', `until: ${until}`],
  ));
  assert.deepEqual(fixed('2026-12-02T08:00:00Z', '2026-12-01T08:00:00Z'), [
    'governance.yaml:33 delegations[0].windows[0].to: window never opens: it ends (2026-12-01T08:00:00Z) before it starts (2026-12-02T08:00:00Z)',
  ]);
  assert.deepEqual(fixed('2026-11-01T08:00:00Z', '2026-11-21T23:59:59Z'), [
    'governance.yaml:33 delegations[0].windows[0].to: window never opens: it ended at 2026-11-21T23:59:59Z, before now (2026-11-22T00:00:00Z)',
  ]);
  assert.deepEqual(fixed('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z', '2026-12-31'), [
    'governance.yaml:33 delegations[0].windows[0].from: window never opens: it starts at 2027-01-01T00:00:00Z, after the delegation ends (until 2026-12-31)',
  ]);
  assert.deepEqual(fixed('2027-01-01T00:00:00+01:00', '2027-01-02T00:00:00Z', '2026-12-31'), [], 'starts within the last day (UTC) of the delegation');
  assert.deepEqual(fixed('2026-11-21T00:00:00Z', '2026-11-22T00:00:01Z'), [], 'a window open now can open');
});

test('renewal comes before the end of life, and a quorum can be reached', () => {
  assert.deepEqual(problems(edit(designExample, ['renewBefore: 10d', 'renewBefore: 30d'])), [
    'governance.yaml:20 classes[0].policy.renewBefore: renewBefore (30d) must be shorter than maxLifetime (30d), or every credential is due for renewal the moment it is issued',
  ]);
  assert.deepEqual(problems(edit(designExample, ['approvals: 1', 'approvals: 2'])), [
    'governance.yaml:29 classes[0].decisionRights.revoke.approvals: a quorum of 2 approvals needs at least 2 approvers; 0 distinct people are named',
  ]);
  assert.deepEqual(problems(edit(designExample, ['approvals: 1', 'approvals: 2, approvers: [person:carol, person:dave]'])), []);
  assert.deepEqual(problems(edit(designExample, ['approvals: 1', 'approvals: 2, approvers: [person:carol, person:carol]'])), [
    'governance.yaml:29 classes[0].decisionRights.revoke.approvals: a quorum of 2 approvals needs at least 2 approvers; 1 distinct person is named',
  ], 'one person named twice is one approver');
});

test('issues from every rule are collected together and sorted by line', () => {
  const text = edit(designExample,
    ['{ id: gina,  name: Gina Ortiz', '{ id: carol, name: Gina Ortiz'],
    ['renewBefore: 10d', 'renewBefore: 31d'],
    ['accountable: person:carol, approvals: 1', 'accountable: person:zed, approvals: 1'],
    ['until: 2027-06-30', 'until: 2026-01-01'],
    ['responders: [team:security]', 'responders: [org:globex]'],
  );
  assert.deepEqual(problems(text), [
    'governance.yaml:8 people[2].id: person "carol" is declared twice; first at line 6',
    'governance.yaml:20 classes[0].policy.renewBefore: renewBefore (31d) must be shorter than maxLifetime (30d), or every credential is due for renewal the moment it is issued',
    'governance.yaml:29 classes[0].decisionRights.revoke.accountable: person "zed" is not declared',
    'governance.yaml:34 delegations[0].until: the delegation has already ended: until 2026-01-01 is before now (2026-11-22T00:00:00Z)',
    'governance.yaml:37 playbooks[0].responders[0]: organization "globex" is a partner and cannot be a playbook responder',
  ]);
});

test('a caller can run its own rules', () => {
  const parsed = parseGovernance(designExample, 'governance.yaml', {
    now: fixtureNow,
    rules: [(governance) => governance.classes.map((_, i) => ({ path: ['classes', i, 'verifier'], message: 'lint: name a person as verifier' }))],
  });
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.deepEqual(parsed.issues.map(formatGovernanceIssue), ['governance.yaml:30 classes[0].verifier: lint: name a person as verifier']);
});

test('a delegation that lapsed while in force does not block an unrelated apply; a new or changed one is still refused', () => {
  const before = new Date('2026-11-22T00:00:00Z');
  const after = new Date('2027-07-02T00:00:00Z');
  const inForce = parseGovernance(designExample, 'governance.yaml', { now: before });
  assert.ok(inForce.ok);
  const unrelatedChange = designExample.replace('name: Carol Diaz', 'name: Carol Diaz-Lee');
  const later = parseGovernance(unrelatedChange, 'governance.yaml', { now: after, current: inForce.governance });
  assert.deepEqual(later.ok ? [] : later.issues.map(formatGovernanceIssue), []);
  const changed = parseGovernance(unrelatedChange.replace('actions: [issue, renew]', 'actions: [issue]'), 'governance.yaml', { now: after, current: inForce.governance });
  assert.equal(changed.ok, false, 'a changed delegation is judged at the time of the change');
  const fresh = parseGovernance(unrelatedChange, 'governance.yaml', { now: after });
  assert.equal(fresh.ok, false, 'without governance in force the lapsed delegation is refused');
});
