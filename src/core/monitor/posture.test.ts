// Posture from aggregate counts: an empty inventory gives no ratio rather than NaN; each class's policy
// is applied to its own credentials; third parties are judged against live delegations; every industry
// figure carries its attribution; and the CA/B maximum follows SC-081's schedule to the second.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ageEdgesFor, cabMaximumValidityDays, computePosture, exceedsCabMaximum, exceedsLifetime, isPublicTlsClass, lifetimeLimitsFor,
} from './posture.ts';
import type { CredentialGroup, Posture, PostureGovernance, PostureInputs, PostureMetric } from './posture.ts';

const day = 86_400_000;
const at = new Date('2026-06-01T00:00:00.000Z');

const governance: PostureGovernance = {
  classes: [
    { id: 'public-tls', technicalOwner: 'person:dave', businessOwner: 'person:carol', rotateEveryMs: null, maxLifetimeMs: 200 * day, renewPreApproved: true, public: true },
    { id: 'payments-keys', technicalOwner: 'person:erin', businessOwner: 'person:carol', rotateEveryMs: 60 * day, maxLifetimeMs: null, renewPreApproved: false, public: false },
    { id: 'internal-mtls', technicalOwner: 'person:dave', businessOwner: 'person:frank', rotateEveryMs: 30 * day, maxLifetimeMs: 30 * day, renewPreApproved: true, public: false },
  ],
  currentPeople: new Set(['dave', 'carol', 'erin']),
  departedPeople: new Set(['erin']),
  customerOrg: 'acme',
  liveDelegations: new Map([['org:globex', new Set(['payments-keys'])], ['org:initech', new Set(['*'])]]),
};

const noChanges: PostureInputs['changes'] = {
  executed: 0, executedVerified: 0, verified: 0, allDistinct: 0, separatedAsEnforced: 0,
  keyCompromise: { settled: 0, met: 0, open: 0 }, otherTriggers: { settled: 0, met: 0, open: 0 }, classSla: { settled: 0, met: 0, open: 0 },
};

const emptyInputs = (over: Partial<PostureInputs> = {}): PostureInputs => ({
  governance,
  ageEdgesMs: ageEdgesFor(governance),
  lifetimeLimitsMs: lifetimeLimitsFor(governance),
  groups: [],
  classTotals: [],
  statuses: [],
  lapsed: 0,
  unmanagedLocations: [],
  offboarding: { formal: 0, triggered: 0, medianMs: null, p95Ms: null },
  changes: noChanges,
  ...over,
});

const edges = ageEdgesFor(governance);
/** A group whose credentials are all `ageDays` old; the other counts as given. */
const group = (fields: Partial<CredentialGroup> & { classId: string | null; kind: string; count: number; ageDays?: number }): CredentialGroup => {
  const { ageDays = 1, ...rest } = fields;
  const buckets = [...edges, null].map(() => 0);
  const bucket = edges.findIndex((edge) => ageDays * day < edge);
  buckets[bucket === -1 ? edges.length : bucket] = fields.count;
  return {
    exposedTo: [], ageBuckets: buckets, noExpiry: 0, managed: 0, storageUnknown: 0, lifetimeKnown: 0,
    lifetimeOver: lifetimeLimitsFor(governance).map(() => 0), overCabMaximum: 0, ...rest,
  };
};

const metricOf = (posture: Posture, id: string): PostureMetric => {
  const found = posture.metrics.find((entry) => entry.id === id);
  assert.ok(found, `metric ${id} is reported`);
  return found;
};

describe('posture', () => {
  test('an empty inventory gives no ratio (null, never NaN), and the benchmarks still carry their attribution', () => {
    const posture = computePosture(emptyInputs(), at);
    assert.equal(posture.at, '2026-06-01T00:00:00.000Z');
    assert.deepEqual(posture.metrics.map((entry) => entry.id), ['M02', 'M03', 'M04', 'M05', 'M06', 'M07', 'M09', 'M15', 'M16', 'M19']);
    for (const entry of posture.metrics) {
      assert.equal(entry.value, null, `${entry.id} has no value over an empty population`);
      assert.equal(entry.denominator, 0, entry.id);
      for (const [name, value] of Object.entries(entry.detail)) {
        assert.ok(value === null || typeof value === 'string' || Number.isFinite(value), `${entry.id}.${name} is ${String(value)}`);
      }
    }
    assert.equal(metricOf(posture, 'M04').detail.nonCompliance, null);
    assert.equal(metricOf(posture, 'M04').detail.medianAgeDays, null);
    assert.equal(JSON.stringify(posture).includes('NaN'), false);
  });

  test('each industry figure is shown with its source, flagged [unverified] where frameworks.md §10.1 flags it', () => {
    const posture = computePosture(emptyInputs(), at);
    const expected: Record<string, { figure: RegExp; unverified: boolean } | null> = {
      M02: null,
      M03: { figure: /91% of former-employee tokens/, unverified: true },
      M04: { figure: /71% of NHIs are not rotated/, unverified: true },
      M05: null,
      M06: { figure: /only 20% of organisations have formal processes/, unverified: false },
      M07: { figure: /96% of organisations store secrets outside secrets managers/, unverified: true },
      M09: { figure: /92% of organisations expose NHIs to third parties/, unverified: true },
      M15: null,
      M16: { figure: /24 hours for key compromise, within 5 days/, unverified: false },
      M19: { figure: /200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15/, unverified: false },
    };
    for (const [id, want] of Object.entries(expected)) {
      const { benchmark, frameworks } = metricOf(posture, id);
      assert.ok(frameworks.length > 0, `${id} names the controls it evidences`);
      if (want === null) {
        assert.equal(benchmark, null, `${id} has no industry figure`);
        continue;
      }
      assert.ok(benchmark !== null, `${id} has an industry figure`);
      assert.match(benchmark.figure, want.figure, id);
      assert.ok(benchmark.source.length > 0, `${id} says where the figure comes from`);
      assert.equal(benchmark.source.includes('[unverified]'), want.unverified, `${id}: ${benchmark.source}`);
      assert.ok(benchmark.note.length > 0, id);
    }
    assert.match(metricOf(posture, 'M06').benchmark?.note ?? '', /CSA .*51% have no formal process/);
    assert.match(metricOf(posture, 'M16').benchmark?.source ?? '', /§4\.9\.1\.1/);
  });

  test('owners: both must be current people; an orphan has no class, an undeclared one, or a technical owner gone', () => {
    const posture = computePosture(emptyInputs({
      groups: [
        group({ classId: 'public-tls', kind: 'x509_certificate', count: 5 }),
        group({ classId: 'payments-keys', kind: 'api_key', count: 3 }),
        group({ classId: 'internal-mtls', kind: 'x509_certificate', count: 2 }),
        group({ classId: null, kind: 'password', count: 1 }),
        group({ classId: 'ghost-class', kind: 'ssh_key', count: 1 }),
      ],
      classTotals: [{ classId: 'public-tls', count: 5 }, { classId: 'payments-keys', count: 4 }, { classId: 'internal-mtls', count: 2 }, { classId: null, count: 1 }, { classId: 'ghost-class', count: 1 }],
    }), at);
    const owners = metricOf(posture, 'M02');
    assert.deepEqual([owners.numerator, owners.denominator], [5, 12]);
    // erin departed (payments-keys), frank is nobody governance knows (internal-mtls).
    assert.deepEqual(owners.detail, { unclassified: 1, undeclaredClass: 1, ownerNotCurrent: 5 });
    const orphans = metricOf(posture, 'M03');
    assert.deepEqual([orphans.numerator, orphans.denominator], [5, 12], 'payments-keys (technical owner left), no class, undeclared class');
    assert.deepEqual(orphans.detail, { ownerDepartedStillLive: 3, departedOwnerCredentials: 4, departedOwnerStillLiveShare: 0.75 });
    assert.equal(posture.population.live, 12);
    assert.equal(posture.population.unclassified, 1);
  });

  test('rotation: each class against its own rotateEvery, exactly, and the age distribution beside it', () => {
    assert.ok(edges.includes(60 * day) && edges.includes(30 * day), 'the classes\' rotateEvery are histogram edges');
    const posture = computePosture(emptyInputs({
      groups: [
        group({ classId: 'payments-keys', kind: 'api_key', count: 4, ageDays: 59 }),
        group({ classId: 'payments-keys', kind: 'token', count: 1, ageDays: 61 }),
        group({ classId: 'internal-mtls', kind: 'x509_certificate', count: 2, ageDays: 29 }),
        group({ classId: 'internal-mtls', kind: 'private_key', count: 3, ageDays: 45 }),
        group({ classId: 'public-tls', kind: 'x509_certificate', count: 10, ageDays: 400 }),
      ],
    }), at);
    const rotation = metricOf(posture, 'M04');
    assert.deepEqual([rotation.numerator, rotation.denominator], [6, 10], 'classes without rotateEvery are not counted');
    assert.equal(rotation.value, 0.6);
    assert.ok(Math.abs((rotation.detail.nonCompliance as number) - 0.4) < 1e-12, 'non-compliance is reported beside the 71% figure');
    assert.equal(rotation.detail.olderThan90DaysShare, 10 / 20);
    assert.equal(rotation.detail.olderThan365DaysShare, 10 / 20);
    // Twenty ages: 2 under 30 days, 7 from 30 to 60, 1 from 60 to 90, 10 from 365 to 730; the middle (10th) falls in 60–90.
    assert.equal(rotation.detail.medianAgeDays, 60 + 30 * ((10 - 9) / 1));
    assert.equal(rotation.detail.medianAgeIsLowerBound, 'no');
    assert.deepEqual(rotation.breakdown.map((step) => step.count), [0, 2, 8, 0, 0, 10, 0, 0]);
    assert.equal(rotation.breakdown[2]?.label, '30 to 90 days');
    assert.equal(rotation.breakdown.at(-1)?.label, '1825 days or more');
  });

  test('a median in the open last bucket is reported as its lower edge, and says so', () => {
    const posture = computePosture(emptyInputs({ groups: [group({ classId: 'public-tls', kind: 'x509_certificate', count: 3, ageDays: 4000 })] }), at);
    assert.equal(metricOf(posture, 'M04').detail.medianAgeDays, 1825);
    assert.equal(metricOf(posture, 'M04').detail.medianAgeIsLowerBound, 'yes');
  });

  test('expiry: no expiry over all; lifetimes against each class\'s own maximum; public TLS against the CA/B maximum', () => {
    const limits = lifetimeLimitsFor(governance);
    assert.deepEqual(limits, [30 * day, 200 * day]);
    const posture = computePosture(emptyInputs({
      groups: [
        group({ classId: 'public-tls', kind: 'x509_certificate', count: 5, lifetimeKnown: 5, lifetimeOver: [4, 1], overCabMaximum: 2 }),
        group({ classId: 'internal-mtls', kind: 'x509_certificate', count: 3, lifetimeKnown: 2, lifetimeOver: [1, 0], overCabMaximum: 1 }),
        group({ classId: 'payments-keys', kind: 'api_key', count: 4, noExpiry: 4, lifetimeKnown: 4, lifetimeOver: [4, 4] }),
      ],
    }), at);
    const expiry = metricOf(posture, 'M05');
    assert.deepEqual([expiry.numerator, expiry.denominator], [4, 12]);
    assert.deepEqual(expiry.detail, {
      overClassMaximum: 2, overClassMaximumShare: 2 / 7, lifetimeUnknownInLimitedClasses: 1,
      publicTlsCertificates: 5, overCabMaximum: 2, overCabMaximumShare: 2 / 5,
    }, 'public-tls counts its lifetimes over 200 days, internal-mtls over 30; payments-keys has no maximum; internal certificates are not held to the CA/B maximum');
    const readiness = metricOf(posture, 'M19');
    assert.deepEqual([readiness.numerator, readiness.denominator, readiness.value], [5, 5, 1]);
    assert.deepEqual(readiness.detail, { renewalsPerYearAt200Days: 5 * 365 / 200, renewalsPerYearAt100Days: 5 * 365 / 100, renewalsPerYearAt47Days: 5 * 365 / 47 });
  });

  test('storage: managed over secrets only, with the places the rest are kept', () => {
    const posture = computePosture(emptyInputs({
      groups: [
        group({ classId: 'payments-keys', kind: 'api_key', count: 10, managed: 6, storageUnknown: 1 }),
        group({ classId: 'internal-mtls', kind: 'x509_certificate', count: 7, managed: 0 }),
      ],
      unmanagedLocations: [{ location: 'github:acme/app', count: 2 }, { location: null, count: 1 }],
    }), at);
    const storage = metricOf(posture, 'M07');
    assert.deepEqual([storage.numerator, storage.denominator], [6, 10], 'certificates are not secrets');
    assert.deepEqual(storage.detail, { outsideManagedStores: 3, storageNotRecorded: 1, storesSecretsOutsideManagers: 'yes' });
    assert.deepEqual(storage.breakdown, [{ label: 'github:acme/app', count: 2 }, { label: 'not recorded', count: 1 }, { label: 'other places', count: 1 }]);
  });

  test('third parties: the organisation itself is no third party; a live delegation on the class, or on every class, covers a partner', () => {
    const posture = computePosture(emptyInputs({
      groups: [
        group({ classId: 'payments-keys', kind: 'api_key', count: 2, exposedTo: ['org:globex'] }),
        group({ classId: 'internal-mtls', kind: 'api_key', count: 3, exposedTo: ['org:globex'] }),
        group({ classId: 'internal-mtls', kind: 'token', count: 4, exposedTo: ['org:initech', 'org:acme'] }),
        group({ classId: 'internal-mtls', kind: 'password', count: 5, exposedTo: ['org:acme'] }),
        group({ classId: 'payments-keys', kind: 'token', count: 6, exposedTo: ['org:globex', 'stripe.com'] }),
        group({ classId: null, kind: 'password', count: 10 }),
      ],
    }), at);
    const exposure = metricOf(posture, 'M09');
    assert.deepEqual([exposure.numerator, exposure.denominator], [15, 30]);
    assert.deepEqual(exposure.detail, { exposesToThirdParties: 'yes', withLiveDelegation: 6, withLiveDelegationShare: 6 / 15, thirdParties: 3 });
  });

  test('changes: separation of duties, verification, and revocations against CA/B-style deadlines and the class SLA', () => {
    const posture = computePosture(emptyInputs({
      changes: {
        executed: 8, executedVerified: 6, verified: 6, allDistinct: 3, separatedAsEnforced: 5,
        keyCompromise: { settled: 4, met: 3, open: 1 }, otherTriggers: { settled: 2, met: 1, open: 0 }, classSla: { settled: 5, met: 5, open: 2 },
      },
      statuses: [{ status: 'active', count: 20 }, { status: 'revoked', count: 3 }, { status: 'retired', count: 1 }],
      offboarding: { formal: 2, triggered: 3, medianMs: 3_600_000, p95Ms: 4 * day },
    }), at);
    const duties = metricOf(posture, 'M15');
    assert.deepEqual([duties.numerator, duties.denominator, duties.value], [5, 6, 5 / 6], 'the rules as enforced: a requester may execute');
    assert.equal(duties.detail.allFourDistinctPrincipals, 3);
    assert.equal(duties.detail.executedWithVerificationShare, 6 / 8);
    const sla = metricOf(posture, 'M16');
    assert.deepEqual([sla.numerator, sla.denominator, sla.value], [3, 4, 0.75]);
    assert.equal(sla.detail.otherTriggersWithin5DaysShare, 0.5);
    assert.equal(sla.detail.withinClassSlaShare, 1);
    const offboarding = metricOf(posture, 'M06');
    assert.deepEqual([offboarding.numerator, offboarding.denominator, offboarding.value], [2, 4, 0.5]);
    assert.deepEqual(offboarding.detail, { triggeredAndVerified: 3, medianTriggerToVerifiedMs: 3_600_000, p95TriggerToVerifiedMs: 4 * day });
    assert.deepEqual(posture.population.byStatus, { active: 20, revoked: 3, retired: 1 });
  });
});

describe('CA/B maximum validity (BR §6.3.2, SC-081v3)', () => {
  test('the maximum steps down at 2026-03-15 and 2027-03-15 (and 2029-03-15), UTC, to the millisecond', () => {
    assert.equal(cabMaximumValidityDays(new Date('2020-01-01T00:00:00.000Z')), 398);
    assert.equal(cabMaximumValidityDays(new Date('2026-03-14T23:59:59.999Z')), 398);
    assert.equal(cabMaximumValidityDays(new Date('2026-03-15T00:00:00.000Z')), 200);
    assert.equal(cabMaximumValidityDays(new Date('2027-03-14T23:59:59.999Z')), 200);
    assert.equal(cabMaximumValidityDays(new Date('2027-03-15T00:00:00.000Z')), 100);
    assert.equal(cabMaximumValidityDays(new Date('2029-03-14T23:59:59.999Z')), 100);
    assert.equal(cabMaximumValidityDays(new Date('2029-03-15T00:00:00.000Z')), 47);
  });

  test('validity includes its last second: the maximum is notAfter one second short of notBefore + maximum', () => {
    const cases: [string, number, boolean][] = [
      ['2026-03-14T23:59:59.000Z', 398 * day - 1000, false],
      ['2026-03-14T23:59:59.000Z', 398 * day, true],
      ['2026-03-15T00:00:00.000Z', 200 * day - 1000, false],
      ['2026-03-15T00:00:00.000Z', 200 * day, true],
      ['2026-03-15T00:00:00.000Z', 398 * day - 1000, true],
      ['2027-03-14T23:59:59.000Z', 200 * day - 1000, false],
      ['2027-03-15T00:00:00.000Z', 100 * day - 1000, false],
      ['2027-03-15T00:00:00.000Z', 100 * day, true],
    ];
    for (const [notBefore, validityMs, exceeds] of cases) {
      const from = new Date(notBefore);
      assert.equal(exceedsCabMaximum(from, new Date(from.getTime() + validityMs)), exceeds, `${notBefore} + ${validityMs / 1000} s`);
    }
  });

  test('a class maxLifetime is exceeded only beyond it, as issuance checks it', () => {
    const from = new Date('2026-03-15T00:00:00.000Z');
    assert.equal(exceedsLifetime(from, new Date(from.getTime() + 30 * day), 30 * day), false);
    assert.equal(exceedsLifetime(from, new Date(from.getTime() + 30 * day + 1), 30 * day), true);
  });

  test('public TLS classes are those whose id says so', () => {
    assert.equal(isPublicTlsClass('public-tls'), true);
    assert.equal(isPublicTlsClass('www-public'), true);
    assert.equal(isPublicTlsClass('internal-mtls'), false);
  });
});
