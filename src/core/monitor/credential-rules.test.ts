import { test } from 'node:test';
import assert from 'node:assert/strict';
import { governanceSchema } from '../governance/governance-schema.ts';
import type { Governance } from '../governance/governance-model.ts';
import type { AlertType, Finding } from './alert-vocabulary.ts';
import { credentialFindings } from './credential-rules.ts';
import type { MonitoredCredential } from './credential-rules.ts';
import { monitorContext } from './monitor-context.ts';
import type { MonitorContext } from './monitor-context.ts';

const hour = 3_600_000;
const day = 24 * hour;
const standardLeadTimes = [30 * day, 14 * day, 7 * day, 1 * day];

/** Acme's governance, reduced to what the credential rules read. */
const acme = {
  organization: { id: 'acme', name: 'Acme Corp' },
  partners: [{ id: 'globex', name: 'Globex Managed Services', kind: 'managed_service' }],
  teams: [{ id: 'security' }, { id: 'platform' }, { id: 'payments' }],
  people: [
    { id: 'carol', name: 'Carol Diaz', email: 'carol@acme.example', org: 'acme', teams: ['security'] },
    { id: 'dave', name: 'Dave Kim', email: 'dave@acme.example', org: 'acme', teams: ['platform'] },
    { id: 'gina', name: 'Gina Ortiz', email: 'gina@globex.example', org: 'globex' },
  ],
  workloads: [
    { id: 'payments-api', owner: 'team:payments' },
    { id: 'legacy-batch', owner: 'team:payments', lifecycle: 'decommissioned' },
  ],
  classes: [
    {
      id: 'internal-mtls', kinds: ['x509_certificate'], businessOwner: 'person:carol', technicalOwner: 'person:dave',
      policy: { renewBefore: '10d', rotateEvery: '90d', keyAlgorithms: ['ECDSA-P256'], requireManagedStorage: true },
    },
    { id: 'public-tls', kinds: ['x509_certificate'], businessOwner: 'person:carol', technicalOwner: 'person:dave' },
    { id: 'payments-api-keys', kinds: ['api_key'], businessOwner: 'person:carol', technicalOwner: 'person:dave' },
  ],
  // Live through 30 June 2027, UTC: its id is derived as "globex-internal-mtls".
  delegations: [{ to: 'org:globex', classes: ['internal-mtls'], actions: ['issue', 'renew'], until: '2027-06-30', grantedBy: 'person:carol' }],
};

/** Acme's governance with internal-mtls's policy or owners changed. */
const acmeWith = (mtls: { policy?: Record<string, unknown>; technicalOwner?: string }): Governance => governanceSchema.parse({
  ...acme,
  classes: acme.classes.map((entry) => (entry.id === 'internal-mtls' ? { ...entry, ...mtls, policy: { ...entry.policy, ...mtls.policy } } : entry)),
});

const instant = (iso: string): number => Date.parse(iso);

type Situation = { governance?: Governance | null; offboarded?: readonly string[]; revokedDelegations?: readonly string[]; leadTimes?: readonly number[] };

const contextAt = (at: number, situation: Situation = {}): MonitorContext => monitorContext(
  situation.governance === undefined ? governanceSchema.parse(acme) : situation.governance,
  { offboarded: new Set(situation.offboarded ?? []), revokedDelegations: new Set(situation.revokedDelegations ?? []) },
  new Date(at),
  situation.leadTimes ?? standardLeadTimes,
);

/** A healthy certificate in internal-mtls, issued on 1 January 2027 and valid through the year (rotation due 1 April). */
const certificate = (overrides: Partial<MonitoredCredential> = {}): MonitoredCredential => ({
  id: 'cred-1', name: 'api.svc.acme.internal', kind: 'x509_certificate', classId: 'internal-mtls', status: 'active',
  notBefore: '2027-01-01T00:00:00.000Z', notAfter: '2028-01-01T00:00:00.000Z', lastRotatedAt: null, createdAt: '2027-01-01T00:00:00.000Z',
  keyAlgorithm: 'ECDSA-P256', keySize: 256, signatureAlgorithm: 'ecdsa-with-SHA256', managedStorage: true, storageLocation: 'vault:pki/api',
  exposedTo: [], workloads: ['payments-api'],
  ...overrides,
});

/** An instant at which the healthy certificate is calm: past issuance, far from expiry and rotation. */
const calm = instant('2027-02-01T00:00:00Z');

const findingOf = (type: AlertType, credential: MonitoredCredential, context: MonitorContext): Finding | null =>
  credentialFindings(credential, context).find((finding) => finding.type === type) ?? null;

/** What an alert's recipients notice first: how severe, and which window it is in. */
const grade = (finding: Finding | null): { severity: string; stage: string } | null =>
  finding === null ? null : { severity: finding.severity, stage: finding.stage };

const expiryGrade = (credential: MonitoredCredential, at: number, situation?: Situation) => grade(findingOf('expiring', credential, contextAt(at, situation)));

test('a healthy certificate raises nothing', () => {
  assert.deepEqual(credentialFindings(certificate(), contextAt(calm)), []);
});

// expiring

test('expiring opens inclusively at each lead time, its stage the shortest window it is in and its severity by time left', () => {
  const notAfter = '2027-05-20T12:00:00.000Z';
  const credential = certificate({ notAfter });
  const before = (ms: number): number => instant(notAfter) - ms;
  const expectations: readonly [number, { severity: string; stage: string } | null][] = [
    [before(30 * day + 1), null],
    [before(30 * day), { severity: 'warning', stage: '30d' }],
    [before(14 * day + 1), { severity: 'warning', stage: '30d' }],
    [before(14 * day), { severity: 'warning', stage: '14d' }],
    [before(7 * day + 1), { severity: 'warning', stage: '14d' }],
    [before(7 * day), { severity: 'high', stage: '7d' }],
    [before(1 * day + 1), { severity: 'high', stage: '7d' }],
    [before(1 * day), { severity: 'critical', stage: '1d' }],
    [before(1), { severity: 'critical', stage: '1d' }],
    // Valid through its not-after (RFC 5280 §4.1.2.5): at that instant it is still expiring, and only after it is it expired.
    [before(0), { severity: 'critical', stage: '1d' }],
    [before(-1), null],
  ];
  for (const [at, expected] of expectations) {
    assert.deepEqual(expiryGrade(credential, at), expected, `at ${new Date(at).toISOString()}`);
  }
});

test('an expiring finding says when, and whether the class\'s renew-before has been reached', () => {
  const finding = findingOf('expiring', certificate({ notAfter: '2027-05-20T12:00:00.000Z' }), contextAt(instant('2027-05-13T12:00:00Z')));
  assert.deepEqual(finding, {
    type: 'expiring', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'high', stage: '7d',
    summary: 'certificate api.svc.acme.internal expires in 7 days (2027-05-20T12:00:00.000Z)',
    details: { notAfter: '2027-05-20T12:00:00.000Z', remainingMs: 7 * day, renewBefore: '10d', insideRenewBefore: true },
  });
  const earlier = findingOf('expiring', certificate({ notAfter: '2027-05-20T12:00:00.000Z' }), contextAt(instant('2027-05-01T12:00:00Z')));
  assert.equal(earlier?.details['insideRenewBefore'], false);
});

test('a renew-before longer than the longest lead time opens the window earlier, staged by the renew-before', () => {
  const governance = acmeWith({ policy: { renewBefore: '45d' } });
  const notAfter = '2027-06-15T00:00:00.000Z';
  const credential = certificate({ notAfter });
  assert.equal(expiryGrade(credential, instant(notAfter) - 45 * day - 1, { governance }), null);
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 45 * day, { governance }), { severity: 'warning', stage: 'renew-before 45d' });
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 30 * day - 1, { governance }), { severity: 'warning', stage: 'renew-before 45d' });
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 30 * day, { governance }), { severity: 'warning', stage: '30d' });
  // Without the class's renew-before, the longest lead time alone decides.
  assert.equal(expiryGrade(credential, instant(notAfter) - 45 * day), null);
});

test('stages name lead times as people write them: whole days in days, anything else exactly', () => {
  const notAfter = '2027-06-15T00:00:00.000Z';
  const credential = certificate({ classId: 'public-tls', notAfter });
  const leadTimes = [42 * day, 36 * hour, 12 * hour];
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 42 * day, { leadTimes }), { severity: 'warning', stage: '42d' });
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 36 * hour, { leadTimes }), { severity: 'high', stage: '1d12h' });
  assert.deepEqual(expiryGrade(credential, instant(notAfter) - 12 * hour, { leadTimes }), { severity: 'critical', stage: '12h' });
  // governance.yaml's "8w" is 56 days.
  const governance = acmeWith({ policy: { renewBefore: '8w' } });
  assert.deepEqual(expiryGrade(certificate({ notAfter }), instant(notAfter) - 56 * day, { governance }), { severity: 'warning', stage: 'renew-before 56d' });
});

test('lead times are compared longest first whatever order they are configured in', () => {
  const notAfter = '2027-06-15T00:00:00.000Z';
  const leadTimes = [1 * day, 30 * day, 7 * day];
  assert.equal(expiryGrade(certificate({ notAfter }), instant(notAfter) - 30 * day - 1, { leadTimes }), null);
  assert.deepEqual(expiryGrade(certificate({ notAfter }), instant(notAfter) - 30 * day, { leadTimes }), { severity: 'warning', stage: '30d' });
  assert.deepEqual(expiryGrade(certificate({ notAfter }), instant(notAfter) - 3 * day, { leadTimes }), { severity: 'high', stage: '7d' });
});

test('severity follows the time left, not the stage: with one 30d lead time, five days left is high', () => {
  const notAfter = '2027-06-15T00:00:00.000Z';
  assert.deepEqual(expiryGrade(certificate({ notAfter }), instant(notAfter) - 5 * day, { leadTimes: [30 * day] }), { severity: 'high', stage: '30d' });
  assert.deepEqual(expiryGrade(certificate({ notAfter }), instant(notAfter) - 2 * hour, { leadTimes: [30 * day] }), { severity: 'critical', stage: '30d' });
});

test('only an active credential with a not-after can be expiring', () => {
  const notAfter = '2027-06-15T00:00:00.000Z';
  const at = instant(notAfter) - 3 * day;
  for (const status of ['pending', 'revoked', 'superseded', 'expired', 'retired']) {
    assert.equal(expiryGrade(certificate({ notAfter, status }), at), null, status);
  }
  assert.equal(expiryGrade(certificate({ notAfter: null }), at), null);
});

// expiring across the calendar: every window is elapsed time, in milliseconds. These use public-tls, which
// has no renew-before of its own, so the configured lead times alone open the window.

test('across the spring change of the clocks in Berlin, a 7d window opens exactly 168 hours before expiry', () => {
  // Clocks go forward on 28 March 2027 at 01:00Z. The certificate expires at 12:00 CEST on 1 April; 168 hours
  // earlier it is 11:00 CET on 25 March, an hour before the same wall-clock time seven days earlier.
  const notAfter = '2027-04-01T10:00:00.000Z';
  const opens = instant('2027-03-25T10:00:00Z');
  assert.equal(instant(notAfter) - opens, 168 * hour);
  const credential = certificate({ classId: 'public-tls', notAfter });
  assert.equal(expiryGrade(credential, opens - 1, { leadTimes: [7 * day] }), null);
  assert.deepEqual(expiryGrade(credential, opens, { leadTimes: [7 * day] }), { severity: 'high', stage: '7d' });
});

test('across the autumn change of the clocks in Berlin, a 7d window opens exactly 168 hours before expiry', () => {
  // Clocks go back on 31 October 2027 at 01:00Z. The certificate expires at 11:00 CET on 3 November; 168 hours
  // earlier it is 12:00 CEST on 27 October, so a wall-clock reading would open the window an hour early.
  const notAfter = '2027-11-03T10:00:00.000Z';
  const opens = instant('2027-10-27T10:00:00Z');
  assert.equal(instant(notAfter) - opens, 168 * hour);
  const credential = certificate({ classId: 'public-tls', notAfter });
  assert.equal(expiryGrade(credential, instant('2027-10-27T11:00:00+02:00'), { leadTimes: [7 * day] }), null, 'seven wall-clock days before');
  assert.equal(expiryGrade(credential, opens - 1, { leadTimes: [7 * day] }), null);
  assert.deepEqual(expiryGrade(credential, opens, { leadTimes: [7 * day] }), { severity: 'high', stage: '7d' });
});

test('at month and year ends a window counts days, not calendar months', () => {
  const cases: readonly { notAfter: string; lead: number; opens: string }[] = [
    // February 2027 has 28 days: 30 days before 1 March is 30 January, not "one month before" (1 February).
    { notAfter: '2027-03-01T00:00:00.000Z', lead: 30 * day, opens: '2027-01-30T00:00:00Z' },
    { notAfter: '2027-05-01T00:00:00.000Z', lead: 30 * day, opens: '2027-04-01T00:00:00Z' },
    { notAfter: '2028-01-01T00:00:00.000Z', lead: 1 * day, opens: '2027-12-31T00:00:00Z' },
  ];
  for (const { notAfter, lead, opens } of cases) {
    const credential = certificate({ classId: 'public-tls', notAfter });
    assert.equal(expiryGrade(credential, instant(opens) - 1, { leadTimes: [lead] }), null, `${notAfter} before ${opens}`);
    assert.notEqual(expiryGrade(credential, instant(opens), { leadTimes: [lead] }), null, `${notAfter} at ${opens}`);
  }
  assert.deepEqual(expiryGrade(certificate({ notAfter: '2027-03-01T00:00:00.000Z' }), instant('2027-01-30T00:00:00Z')), { severity: 'warning', stage: '30d' });
});

test('across a leap day, the 1d window before 1 March 2028 opens at the start of 29 February', () => {
  const credential = certificate({ notAfter: '2028-03-01T00:00:00.000Z' });
  assert.deepEqual(expiryGrade(credential, instant('2028-02-28T23:59:59.999Z')), { severity: 'high', stage: '7d' });
  assert.deepEqual(expiryGrade(credential, instant('2028-02-29T00:00:00Z')), { severity: 'critical', stage: '1d' });
  // And the 30d window opens on 31 January, because February 2028 has 29 days.
  assert.equal(expiryGrade(credential, instant('2028-01-30T23:59:59.999Z')), null);
  assert.deepEqual(expiryGrade(credential, instant('2028-01-31T00:00:00Z')), { severity: 'warning', stage: '30d' });
});

// expired

test('a certificate is valid through its not-after: expiring at that instant, expired from a millisecond after', () => {
  const notAfter = '2027-05-20T12:00:00.000Z';
  const credential = certificate({ notBefore: '2027-04-20T12:00:00.000Z', notAfter });
  const types = (at: number): AlertType[] => credentialFindings(credential, contextAt(at)).map((finding) => finding.type);
  assert.deepEqual(types(instant(notAfter) - 1), ['expiring']);
  assert.deepEqual(types(instant(notAfter)), ['expiring']);
  assert.deepEqual(types(instant(notAfter) + 1), ['expired']);
  // Long past its rotation too, an expired credential is the expired rule's alone.
  assert.deepEqual(types(instant(notAfter) + 90 * day), ['expired']);
});

test('at the instant of its not-after, a certificate expires in no time: critical, in the shortest lead time', () => {
  const notAfter = '2027-05-20T12:00:00.000Z';
  const at = instant(notAfter);
  assert.deepEqual(findingOf('expiring', certificate({ notAfter }), contextAt(at)), {
    type: 'expiring', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'critical', stage: '1d',
    summary: 'certificate api.svc.acme.internal expires in less than a minute (2027-05-20T12:00:00.000Z)',
    details: { notAfter, remainingMs: 0, renewBefore: '10d', insideRenewBefore: true },
  });
  assert.equal(findingOf('expired', certificate({ notAfter }), contextAt(at)), null);
  // The stage is whichever lead time is shortest, however they are configured.
  assert.deepEqual(expiryGrade(certificate({ notAfter }), at, { leadTimes: [7 * day, 12 * hour, 30 * day] }), { severity: 'critical', stage: '12h' });
  const justAfter = findingOf('expired', certificate({ notAfter }), contextAt(at + 1));
  assert.deepEqual(grade(justAfter), { severity: 'critical', stage: 'expired' });
  assert.equal(justAfter?.summary, 'certificate api.svc.acme.internal expired less than a minute ago (2027-05-20T12:00:00.000Z) and is still recorded as active, used by payments-api');
  assert.equal(findingOf('expiring', certificate({ notAfter }), contextAt(at + 1)), null);
});

test('an expired credential still in use by a workload is critical; one in use by none is high', () => {
  const notAfter = '2027-05-20T12:00:00.000Z';
  const at = instant(notAfter) + 3 * day;
  assert.deepEqual(findingOf('expired', certificate({ notAfter }), contextAt(at)), {
    type: 'expired', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'critical', stage: 'expired',
    summary: 'certificate api.svc.acme.internal expired 3 days ago (2027-05-20T12:00:00.000Z) and is still recorded as active, used by payments-api',
    details: { notAfter, workloads: ['payments-api'] },
  });
  const unused = findingOf('expired', certificate({ notAfter, workloads: [] }), contextAt(at));
  assert.deepEqual(grade(unused), { severity: 'high', stage: 'expired' });
  assert.equal(unused?.summary, 'certificate api.svc.acme.internal expired 3 days ago (2027-05-20T12:00:00.000Z) and is still recorded as active');
  assert.equal(
    findingOf('expired', certificate({ notAfter, workloads: ['payments-api', 'legacy-batch'] }), contextAt(at))?.summary,
    'certificate api.svc.acme.internal expired 3 days ago (2027-05-20T12:00:00.000Z) and is still recorded as active, used by payments-api, legacy-batch',
  );
});

test('expired looks only at credentials still stored as active', () => {
  const notAfter = '2027-05-20T12:00:00.000Z';
  const at = instant(notAfter) + day;
  for (const status of ['expired', 'revoked', 'superseded', 'retired', 'pending']) {
    assert.equal(findingOf('expired', certificate({ notAfter, status }), contextAt(at)), null, status);
  }
  assert.equal(findingOf('expired', certificate({ notAfter: null }), contextAt(at)), null);
});

test('a not-after that is no instant raises neither expiring nor expired, whenever the sweep runs', () => {
  for (const notAfter of ['2027-13-45', 'never', '']) {
    for (const at of [calm, instant('2027-12-31T00:00:00Z'), instant('2030-01-01T00:00:00Z')]) {
      const types = credentialFindings(certificate({ notAfter }), contextAt(at)).map((finding) => finding.type);
      assert.equal(types.includes('expiring'), false, `${notAfter} at ${new Date(at).toISOString()}`);
      assert.equal(types.includes('expired'), false, `${notAfter} at ${new Date(at).toISOString()}`);
    }
  }
});

// rotation_overdue

test('rotation is due exactly rotateEvery after the last rotation, and high once overdue twice over', () => {
  const lastRotatedAt = '2027-03-01T00:00:00.000Z';
  const due = instant(lastRotatedAt) + 90 * day;
  const credential = certificate({ lastRotatedAt });
  assert.equal(findingOf('rotation_overdue', credential, contextAt(due - 1)), null);
  assert.deepEqual(findingOf('rotation_overdue', credential, contextAt(due)), {
    type: 'rotation_overdue', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'warning', stage: 'overdue',
    summary: 'certificate api.svc.acme.internal was last rotated 90 days ago (2027-03-01T00:00:00.000Z); its class rotates every 90d',
    details: { lastRotatedAt, rotateEvery: '90d', overdueByMs: 0 },
  });
  assert.deepEqual(grade(findingOf('rotation_overdue', credential, contextAt(due + 90 * day - 1))), { severity: 'warning', stage: 'overdue' });
  assert.deepEqual(grade(findingOf('rotation_overdue', credential, contextAt(due + 90 * day))), { severity: 'high', stage: 'overdue twice over' });
});

test('a 365d rotation from 28 February 2028 is due on 27 February 2029, because 2028 has 366 days', () => {
  const governance = acmeWith({ policy: { rotateEvery: '365d' } });
  const credential = certificate({ lastRotatedAt: '2028-02-28T00:00:00.000Z', notAfter: '2030-01-01T00:00:00.000Z' });
  assert.equal(findingOf('rotation_overdue', credential, contextAt(instant('2029-02-26T23:59:59.999Z'), { governance })), null);
  assert.deepEqual(grade(findingOf('rotation_overdue', credential, contextAt(instant('2029-02-27T00:00:00Z'), { governance }))), { severity: 'warning', stage: 'overdue' });
});

test('rotation is measured from the last rotation, else the not-before, else the creation', () => {
  const at = instant('2027-06-01T00:00:00Z');
  const ninetyDaysAgo = new Date(at - 90 * day).toISOString();
  const tenDaysAgo = new Date(at - 10 * day).toISOString();
  const rotatedFrom = (credential: MonitoredCredential): unknown => findingOf('rotation_overdue', credential, contextAt(at))?.details['lastRotatedAt'] ?? null;
  assert.equal(rotatedFrom(certificate({ lastRotatedAt: tenDaysAgo, notBefore: ninetyDaysAgo, createdAt: ninetyDaysAgo })), null);
  assert.equal(rotatedFrom(certificate({ lastRotatedAt: null, notBefore: ninetyDaysAgo, createdAt: tenDaysAgo })), ninetyDaysAgo);
  assert.equal(rotatedFrom(certificate({ lastRotatedAt: null, notBefore: tenDaysAgo, createdAt: ninetyDaysAgo })), null);
  assert.equal(rotatedFrom(certificate({ lastRotatedAt: null, notBefore: null, createdAt: ninetyDaysAgo })), ninetyDaysAgo);
});

test('rotation concerns only a credential stored as active and not past its not-after', () => {
  const lastRotatedAt = '2027-01-01T00:00:00.000Z';
  const at = instant(lastRotatedAt) + 100 * day;
  const rotation = (overrides: Partial<MonitoredCredential>, when = at) => grade(findingOf('rotation_overdue', certificate({ lastRotatedAt, ...overrides }), contextAt(when)));
  assert.deepEqual(rotation({}), { severity: 'warning', stage: 'overdue' });
  // A pending credential is not in use yet, so there is nothing to rotate.
  for (const status of ['pending', 'revoked', 'superseded', 'expired', 'retired']) assert.equal(rotation({ status }), null, status);
  // Valid through its not-after, it is still due at that instant; a millisecond later it is the expired rule's.
  const notAfter = new Date(at).toISOString();
  assert.deepEqual(rotation({ notAfter }, at - 1), { severity: 'warning', stage: 'overdue' });
  assert.deepEqual(rotation({ notAfter }, at), { severity: 'warning', stage: 'overdue' });
  assert.equal(rotation({ notAfter }, at + 1), null);
  // Without a not-after (an API key), or with one that is no instant, only the age decides.
  assert.deepEqual(rotation({ notAfter: null }), { severity: 'warning', stage: 'overdue' });
  assert.deepEqual(rotation({ notAfter: '2027-13-45' }), { severity: 'warning', stage: 'overdue' });
});

test('a rotation base that is no instant never makes a rotation overdue, and is not passed over for the next', () => {
  const at = instant('2027-06-01T00:00:00Z');
  const long = '2020-01-01T00:00:00.000Z';
  const rotation = (overrides: Partial<MonitoredCredential>) => findingOf('rotation_overdue', certificate(overrides), contextAt(at));
  assert.equal(rotation({ lastRotatedAt: '2027-13-45', notBefore: long, createdAt: long }), null, 'lastRotatedAt');
  assert.equal(rotation({ lastRotatedAt: null, notBefore: 'not a time', createdAt: long }), null, 'notBefore');
  assert.equal(rotation({ lastRotatedAt: null, notBefore: null, createdAt: '' }), null, 'createdAt');
  assert.notEqual(rotation({ lastRotatedAt: null, notBefore: null, createdAt: long }), null, 'a parseable creation');
});

test('a class without rotateEvery, or no class, never makes a rotation overdue', () => {
  const old = { lastRotatedAt: '2020-01-01T00:00:00.000Z' };
  assert.equal(findingOf('rotation_overdue', certificate({ ...old, classId: 'public-tls' }), contextAt(calm)), null);
  assert.equal(findingOf('rotation_overdue', certificate({ ...old, classId: null }), contextAt(calm)), null);
});

// Only live credentials are the rules' concern once they are no longer in use

test('orphan, storage, exposure and crypto findings are raised for live credentials only, rotation for active ones only', () => {
  const troubled = {
    lastRotatedAt: '2020-01-01T00:00:00.000Z', workloads: ['ghost-worker'], managedStorage: false, storageLocation: 'file:/etc/ssl/api.key',
    exposedTo: ['stripe.com'], keyAlgorithm: 'DSA', keySize: 2048,
  };
  const types = (status: string): AlertType[] => credentialFindings(certificate({ ...troubled, status }), contextAt(calm)).map((finding) => finding.type);
  assert.deepEqual(types('active'), ['rotation_overdue', 'orphaned', 'unmanaged_storage', 'third_party_exposure', 'weak_crypto']);
  // A pending credential is not in use yet: it has nothing to rotate, but every other concern applies.
  assert.deepEqual(types('pending'), ['orphaned', 'unmanaged_storage', 'third_party_exposure', 'weak_crypto']);
  for (const status of ['revoked', 'superseded', 'expired', 'retired']) assert.deepEqual(types(status), [], status);
});

// orphaned

test('a credential is orphaned when nobody owns it or what uses it is gone, and each reason is named', () => {
  const cases: readonly { name: string; credential: MonitoredCredential; situation?: Situation; reasons: string[] }[] = [
    { name: 'no class', credential: certificate({ classId: null }), reasons: ['it belongs to no class, so nobody owns it'] },
    { name: 'undeclared class', credential: certificate({ classId: 'legacy-vpn' }), reasons: ['its class legacy-vpn is no longer declared'] },
    {
      name: 'technical owner offboarded', credential: certificate(), situation: { offboarded: ['person:dave'] },
      reasons: ['its technical owner person:dave has left or is not declared'],
    },
    {
      name: 'technical owner not declared', credential: certificate(), situation: { governance: acmeWith({ technicalOwner: 'person:zoe' }) },
      reasons: ['its technical owner person:zoe has left or is not declared'],
    },
    { name: 'workload decommissioned in governance', credential: certificate({ workloads: ['legacy-batch'] }), reasons: ['workload legacy-batch was decommissioned'] },
    {
      name: 'workload offboarded', credential: certificate(), situation: { offboarded: ['workload:payments-api'] },
      reasons: ['workload payments-api was decommissioned'],
    },
    { name: 'workload not declared', credential: certificate({ workloads: ['ghost-worker'] }), reasons: ['workload ghost-worker is not declared'] },
    {
      name: 'several at once', credential: certificate({ classId: null, workloads: ['payments-api', 'legacy-batch', 'ghost-worker'] }),
      reasons: ['it belongs to no class, so nobody owns it', 'workload legacy-batch was decommissioned', 'workload ghost-worker is not declared'],
    },
  ];
  for (const { name, credential, situation, reasons } of cases) {
    const finding = findingOf('orphaned', credential, contextAt(calm, situation));
    assert.deepEqual(grade(finding), { severity: 'high', stage: 'orphaned' }, name);
    assert.deepEqual(finding?.details['reasons'], reasons, name);
    assert.equal(finding?.summary, `certificate api.svc.acme.internal is orphaned: ${reasons.join('; ')}`, name);
  }
});

test('a credential with a current owner and declared, active workloads is not orphaned', () => {
  assert.equal(findingOf('orphaned', certificate({ workloads: ['payments-api'] }), contextAt(calm)), null);
  assert.equal(findingOf('orphaned', certificate({ workloads: [] }), contextAt(calm)), null);
  // Someone else leaving changes nothing.
  assert.equal(findingOf('orphaned', certificate(), contextAt(calm, { offboarded: ['person:carol', 'workload:legacy-batch'] })), null);
});

// unmanaged_storage

test('where a class requires managed storage, a known unmanaged place is high and an unrecorded one a warning', () => {
  const finding = findingOf('unmanaged_storage', certificate({ managedStorage: false, storageLocation: 'file:/etc/ssl/api.key' }), contextAt(calm));
  assert.deepEqual(finding, {
    type: 'unmanaged_storage', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'high', stage: 'required',
    summary: 'certificate api.svc.acme.internal is kept in file:/etc/ssl/api.key, not a managed store; its class requires a managed store',
    details: { storageLocation: 'file:/etc/ssl/api.key', managedStorage: false, required: true },
  });
  const unrecorded = findingOf('unmanaged_storage', certificate({ managedStorage: null, storageLocation: null }), contextAt(calm));
  assert.deepEqual(grade(unrecorded), { severity: 'warning', stage: 'required, unrecorded' });
  assert.equal(unrecorded?.summary, 'certificate api.svc.acme.internal is kept where nobody recorded; its class requires a managed store');
  // A recorded location with storage unknown is still unrecorded as to whether it is managed.
  const located = findingOf('unmanaged_storage', certificate({ managedStorage: null, storageLocation: 'file:/etc/ssl/api.key' }), contextAt(calm));
  assert.deepEqual(grade(located), { severity: 'warning', stage: 'required, unrecorded' });
  assert.equal(located?.summary, 'certificate api.svc.acme.internal is kept where nobody recorded; its class requires a managed store');
  const nowhere = findingOf('unmanaged_storage', certificate({ managedStorage: false, storageLocation: null }), contextAt(calm));
  assert.deepEqual(grade(nowhere), { severity: 'high', stage: 'required' });
  assert.equal(nowhere?.summary, 'certificate api.svc.acme.internal is kept outside a managed store; its class requires a managed store');
  assert.equal(findingOf('unmanaged_storage', certificate({ managedStorage: true }), contextAt(calm)), null);
});

test('where a class does not require it, only a secret known to be unmanaged is advised against', () => {
  const apiKey = (overrides: Partial<MonitoredCredential>): MonitoredCredential =>
    certificate({ kind: 'api_key', name: 'stripe-webhook', classId: 'payments-api-keys', notAfter: null, keyAlgorithm: null, keySize: null, signatureAlgorithm: null, ...overrides });
  const advised = findingOf('unmanaged_storage', apiKey({ managedStorage: false, storageLocation: 'ci:github/acme/payments' }), contextAt(calm));
  assert.deepEqual(grade(advised), { severity: 'warning', stage: 'advised' });
  assert.equal(advised?.summary, 'API key stripe-webhook is kept in ci:github/acme/payments, not a managed store');
  const unlocated = findingOf('unmanaged_storage', apiKey({ managedStorage: false, storageLocation: null }), contextAt(calm));
  assert.deepEqual(grade(unlocated), { severity: 'warning', stage: 'advised' });
  assert.equal(unlocated?.summary, 'API key stripe-webhook is kept outside a managed store');
  assert.equal(findingOf('unmanaged_storage', apiKey({ managedStorage: null }), contextAt(calm)), null, 'unknown storage');
  assert.deepEqual(grade(findingOf('unmanaged_storage', apiKey({ classId: null, kind: 'private_key', managedStorage: false }), contextAt(calm))), { severity: 'warning', stage: 'advised' });
  // A certificate is public: where it is kept matters only if its class says so.
  assert.equal(findingOf('unmanaged_storage', certificate({ classId: 'public-tls', managedStorage: false }), contextAt(calm)), null);
});

// third_party_exposure

test('exposure to a partner holding a live delegation on the class, or to the customer itself, is covered', () => {
  assert.equal(findingOf('third_party_exposure', certificate({ exposedTo: ['org:globex'] }), contextAt(calm)), null);
  assert.equal(findingOf('third_party_exposure', certificate({ exposedTo: ['org:acme'] }), contextAt(calm)), null);
  // The delegation holds through the whole of its until day, UTC.
  assert.equal(findingOf('third_party_exposure', certificate({ exposedTo: ['org:globex'] }), contextAt(instant('2027-06-30T23:59:59.999Z'))), null);
});

test('where the class does not allow third-party exposure, exposure without a live delegation covering the class is high and names the parties', () => {
  const exposedToGlobex = certificate({ exposedTo: ['org:globex'] });
  const expected = {
    type: 'third_party_exposure', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'high', stage: 'exposed',
    summary: 'certificate api.svc.acme.internal is exposed to org:globex without a live delegation covering its class, and its class does not allow third-party exposure',
    details: { parties: ['org:globex'], classAllowsExposure: false },
  };
  assert.deepEqual(findingOf('third_party_exposure', exposedToGlobex, contextAt(calm, { revokedDelegations: ['globex-internal-mtls'] })), expected, 'delegation revoked');
  assert.deepEqual(findingOf('third_party_exposure', exposedToGlobex, contextAt(instant('2027-07-01T00:00:00Z'))), expected, 'delegation past its until');
  assert.deepEqual(findingOf('third_party_exposure', exposedToGlobex, contextAt(calm, { offboarded: ['partner:globex'] })), expected, 'partner offboarded');
  assert.deepEqual(
    findingOf('third_party_exposure', certificate({ classId: 'payments-api-keys', exposedTo: ['org:globex'] }), contextAt(calm))?.details,
    { parties: ['org:globex'], classAllowsExposure: false }, 'delegation on another class',
  );
});

test('where the class does not allow it, exposure to a party that is not a declared partner is a finding; covered parties are left out of it', () => {
  const finding = findingOf('third_party_exposure', certificate({ exposedTo: ['org:acme', 'org:globex', 'stripe.com'] }), contextAt(calm));
  assert.deepEqual(grade(finding), { severity: 'high', stage: 'exposed' });
  assert.deepEqual(finding?.details, { parties: ['stripe.com'], classAllowsExposure: false });
  assert.equal(finding?.summary, 'certificate api.svc.acme.internal is exposed to stripe.com without a live delegation covering its class, and its class does not allow third-party exposure');
  // Several uncovered parties are all named, in the order recorded.
  const several = findingOf('third_party_exposure', certificate({ exposedTo: ['stripe.com', 'org:acme', 'org:initech'] }), contextAt(calm, { revokedDelegations: ['globex-internal-mtls'] }));
  assert.deepEqual(several?.details, { parties: ['stripe.com', 'org:initech'], classAllowsExposure: false });
  assert.equal(several?.summary, 'certificate api.svc.acme.internal is exposed to stripe.com, org:initech without a live delegation covering its class, and its class does not allow third-party exposure');
  // Without a class, or in a class governance no longer declares, nothing allows exposure.
  for (const classId of [null, 'legacy-vpn']) {
    const unowned = findingOf('third_party_exposure', certificate({ classId, exposedTo: ['stripe.com'] }), contextAt(calm));
    assert.deepEqual(grade(unowned), { severity: 'high', stage: 'exposed' }, String(classId));
    assert.deepEqual(unowned?.details, { parties: ['stripe.com'], classAllowsExposure: false }, String(classId));
  }
});

test('a live delegation on every class ("*") covers any class, even none', () => {
  const governance = governanceSchema.parse({
    ...acme,
    partners: [...acme.partners, { id: 'initech', name: 'Initech', kind: 'managed_service' }],
    delegations: [...acme.delegations, { to: 'org:initech', classes: ['*'], actions: ['renew'], grantedBy: 'person:carol' }],
  });
  for (const classId of ['internal-mtls', 'payments-api-keys', null]) {
    assert.equal(findingOf('third_party_exposure', certificate({ classId, exposedTo: ['org:initech'] }), contextAt(calm, { governance })), null, String(classId));
  }
  // A delegation naming classes covers only those, and a class id never matches when there is none.
  assert.deepEqual(findingOf('third_party_exposure', certificate({ classId: null, exposedTo: ['org:globex'] }), contextAt(calm, { governance }))?.details, { parties: ['org:globex'], classAllowsExposure: false });
});

test('where the class allows third-party exposure, outside services are accepted but a declared partner still needs a live delegation', () => {
  const governance = acmeWith({ policy: { allowThirdPartyExposure: true } });
  const exposure = (exposedTo: string[], situation: Situation = {}) => findingOf('third_party_exposure', certificate({ exposedTo }), contextAt(calm, { governance, ...situation }));
  // Parties that are not declared partners are what the class allows: a payment processor, an undeclared organisation.
  assert.equal(exposure(['stripe.com']), null);
  assert.equal(exposure(['org:initech']), null);
  assert.equal(exposure(['org:acme', 'stripe.com']), null);
  // A declared partner under a live delegation on the class is covered as ever.
  assert.equal(exposure(['org:globex', 'stripe.com']), null);
  const expected = {
    type: 'third_party_exposure', target: 'credential:cred-1', classId: 'internal-mtls', severity: 'warning', stage: 'partner without delegation',
    summary: 'certificate api.svc.acme.internal is exposed to org:globex without a live delegation covering its class',
    details: { parties: ['org:globex'], classAllowsExposure: true },
  };
  assert.deepEqual(exposure(['org:globex'], { revokedDelegations: ['globex-internal-mtls'] }), expected, 'delegation revoked');
  assert.deepEqual(findingOf('third_party_exposure', certificate({ exposedTo: ['org:globex'] }), contextAt(instant('2027-07-01T00:00:00Z'), { governance })), expected, 'delegation past its until');
  // An offboarded partner is still a declared one: exposure to it without its delegation is still named.
  assert.deepEqual(exposure(['org:globex'], { offboarded: ['partner:globex'] }), expected, 'partner offboarded');
  // Only the partner is named, never the outside services or the customer beside it.
  assert.deepEqual(exposure(['org:acme', 'stripe.com', 'org:globex'], { revokedDelegations: ['globex-internal-mtls'] }), expected, 'among others');
});

test('whether exposure is allowed is the credential\'s own class\'s say', () => {
  const governance = acmeWith({ policy: { allowThirdPartyExposure: true } });
  // payments-api-keys keeps the default (not allowed), though internal-mtls allows it.
  const other = findingOf('third_party_exposure', certificate({ classId: 'payments-api-keys', exposedTo: ['stripe.com'] }), contextAt(calm, { governance }));
  assert.deepEqual(grade(other), { severity: 'high', stage: 'exposed' });
  assert.deepEqual(other?.details, { parties: ['stripe.com'], classAllowsExposure: false });
});

// weak_crypto

test('broken keys and forgeable signatures are weak crypto, graded by the worst problem', () => {
  const weak = (overrides: Partial<MonitoredCredential>) => findingOf('weak_crypto', certificate({ classId: 'public-tls', ...overrides }), contextAt(calm));
  const rsa1024 = weak({ keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha256WithRSAEncryption' });
  assert.deepEqual(rsa1024, {
    type: 'weak_crypto', target: 'credential:cred-1', classId: 'public-tls', severity: 'critical', stage: 'critical',
    summary: 'certificate api.svc.acme.internal uses an RSA key of 1024 bits',
    details: { keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha256WithRSAEncryption', allowed: null },
  });
  assert.deepEqual(grade(weak({ keyAlgorithm: 'DSA', keySize: 2048, signatureAlgorithm: 'dsa-with-sha256' })), { severity: 'critical', stage: 'critical' });
  const sha1 = weak({ keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm: 'sha1WithRSAEncryption' });
  assert.deepEqual(grade(sha1), { severity: 'high', stage: 'high' });
  assert.equal(sha1?.summary, 'certificate api.svc.acme.internal uses an sha1WithRSAEncryption signature');
  const md5 = weak({ keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm: 'md5WithRSAEncryption' });
  assert.deepEqual(grade(md5), { severity: 'high', stage: 'high' });
  assert.equal(md5?.summary, 'certificate api.svc.acme.internal uses an md5WithRSAEncryption signature');
  const both = weak({ keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha1WithRSAEncryption' });
  assert.deepEqual(grade(both), { severity: 'critical', stage: 'critical' });
  assert.equal(both?.summary, 'certificate api.svc.acme.internal uses an RSA key of 1024 bits and an sha1WithRSAEncryption signature');
});

test('a weak signature is named with the article its spelling takes', () => {
  const summary = (signatureAlgorithm: string): string | undefined =>
    findingOf('weak_crypto', certificate({ classId: 'public-tls', keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm }), contextAt(calm))?.summary;
  const expectations: readonly [string, string][] = [
    ['sha1WithRSAEncryption', 'an sha1WithRSAEncryption'],
    ['SHA1withDSA', 'an SHA1withDSA'],
    ['ecdsa-with-SHA1', 'an ecdsa-with-SHA1'],
    ['md5WithRSAEncryption', 'an md5WithRSAEncryption'],
    ['dsa-with-sha1', 'a dsa-with-sha1'],
    // MD2 is not among the spellings the article knows to start with a vowel sound, unlike MD5.
    ['md2WithRSAEncryption', 'an md2WithRSAEncryption'],
  ];
  for (const [signatureAlgorithm, named] of expectations) {
    assert.equal(summary(signatureAlgorithm), `certificate api.svc.acme.internal uses ${named} signature`, signatureAlgorithm);
  }
});

test('RSA of 2048 bits and SHA-2 signatures are not weak', () => {
  for (const signatureAlgorithm of ['sha256WithRSAEncryption', 'sha384WithRSAEncryption', 'sha512WithRSAEncryption']) {
    assert.equal(findingOf('weak_crypto', certificate({ classId: 'public-tls', keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm }), contextAt(calm)), null, signatureAlgorithm);
  }
  assert.equal(findingOf('weak_crypto', certificate({ classId: 'public-tls', signatureAlgorithm: 'ecdsa-with-SHA384' }), contextAt(calm)), null);
});

test('a key algorithm the class does not allow is a warning naming it as the policy does', () => {
  const finding = findingOf('weak_crypto', certificate({ keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm: 'sha256WithRSAEncryption' }), contextAt(calm));
  assert.deepEqual(grade(finding), { severity: 'warning', stage: 'warning' });
  assert.equal(finding?.summary, 'certificate api.svc.acme.internal uses an RSA-2048 key, which its class does not allow (ECDSA-P256)');
  assert.deepEqual(finding?.details['allowed'], ['ECDSA-P256']);
  const p384 = findingOf('weak_crypto', certificate({ keyAlgorithm: 'ECDSA-P384', keySize: 384 }), contextAt(calm));
  assert.deepEqual(grade(p384), { severity: 'warning', stage: 'warning' });
  assert.equal(p384?.summary, 'certificate api.svc.acme.internal uses an ECDSA-P384 key, which its class does not allow (ECDSA-P256)');
  const ed25519 = findingOf('weak_crypto', certificate({ keyAlgorithm: 'Ed25519', keySize: null, signatureAlgorithm: 'ED25519' }), contextAt(calm));
  assert.equal(ed25519?.summary, 'certificate api.svc.acme.internal uses an Ed25519 key, which its class does not allow (ECDSA-P256)');
  // Every algorithm listed is named.
  const twoAllowed = acmeWith({ policy: { keyAlgorithms: ['ECDSA-P256', 'Ed25519'] } });
  assert.equal(
    findingOf('weak_crypto', certificate({ keyAlgorithm: 'RSA', keySize: 4096, signatureAlgorithm: 'sha256WithRSAEncryption' }), contextAt(calm, { governance: twoAllowed }))?.summary,
    'certificate api.svc.acme.internal uses an RSA-4096 key, which its class does not allow (ECDSA-P256, Ed25519)',
  );
  assert.equal(findingOf('weak_crypto', certificate({ keyAlgorithm: 'Ed25519', keySize: null, signatureAlgorithm: 'ED25519' }), contextAt(calm, { governance: twoAllowed })), null);
  // A broken key in that class is critical, and named once: as broken, not again as outside the class's list.
  const broken = findingOf('weak_crypto', certificate({ keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha256WithRSAEncryption' }), contextAt(calm));
  assert.deepEqual(grade(broken), { severity: 'critical', stage: 'critical' });
  assert.equal(broken?.summary, 'certificate api.svc.acme.internal uses an RSA key of 1024 bits');
  assert.equal(
    findingOf('weak_crypto', certificate({ keyAlgorithm: 'DSA', keySize: 2048, signatureAlgorithm: 'dsa-with-sha256' }), contextAt(calm))?.summary,
    'certificate api.svc.acme.internal uses a DSA key',
  );
});

test('a failed automatic renewal makes the expiring alert at least high, names the change, and is a stage of its own', () => {
  const at = instant('2027-12-10T00:00:00Z'); // 22 days before the healthy certificate's not-after: a warning by time alone
  const failedRenewals = new Map([['cred-1', { changeId: 'ch_renew', status: 'failed' }]]);
  const context = { ...contextAt(at), failedRenewals };
  const plain = findingOf('expiring', certificate(), contextAt(at));
  const failed = findingOf('expiring', certificate(), context);
  assert.deepEqual(grade(plain), { severity: 'warning', stage: '30d' });
  assert.deepEqual(grade(failed), { severity: 'high', stage: '30d, renewal failed' });
  assert.match(failed?.summary ?? '', /; its automatic renewal \(change ch_renew\) failed$/);
  assert.deepEqual([failed?.details.renewalChange, failed?.details.renewalStatus], ['ch_renew', 'failed']);
  // Closer than a day it is critical by time, failed renewal or not.
  const lastDay = { ...contextAt(instant('2027-12-31T12:00:00Z')), failedRenewals: new Map([['cred-1', { changeId: 'ch_renew', status: 'verification_failed' }]]) };
  assert.equal(findingOf('expiring', certificate(), lastDay)?.severity, 'critical');
  assert.match(findingOf('expiring', certificate(), lastDay)?.summary ?? '', /failed verification$/);
  assert.equal(findingOf('expiring', certificate({ id: 'another' }), context)?.stage, '30d', 'only the credential whose renewal failed');
});
