// Posture's counts as the databases compute them, on SQLite and PostgreSQL: a hand-made inventory with
// its changes and their steps, inserted row by row, and the exact counts each query must return,
// including lifetimes at the CA/B schedule's edges to the second; and daily snapshots replaced in place.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { ageEdgesFor, computePosture, exceedsCabMaximum, exceedsLifetime } from '../../core/monitor/posture.ts';
import type { PostureGovernance, PostureInputs, PostureMetric } from '../../core/monitor/posture.ts';
import type { ChangeEventTable, ChangeTable, CredentialTable } from '../db/schema.ts';
import { createPostureStore, unmanagedLocationsQuery } from './posture-store.ts';

const hour = 3_600_000;
const day = 24 * hour;
const at = new Date('2026-06-01T00:00:00.000Z');
const ago = (ms: number): string => new Date(at.getTime() - ms).toISOString();
const later = (from: string, ms: number): string => new Date(Date.parse(from) + ms).toISOString();

const governance: PostureGovernance = {
  classes: [
    { id: 'public-tls', technicalOwner: 'person:dave', businessOwner: 'person:carol', rotateEveryMs: null, maxLifetimeMs: 200 * day, renewPreApproved: true, public: true },
    { id: 'payments-keys', technicalOwner: 'person:erin', businessOwner: 'person:carol', rotateEveryMs: 30 * day, maxLifetimeMs: null, renewPreApproved: false, public: false },
    { id: 'internal-mtls', technicalOwner: 'person:dave', businessOwner: 'person:frank', rotateEveryMs: 60 * day, maxLifetimeMs: 30 * day, renewPreApproved: false, public: false },
  ],
  currentPeople: new Set(['dave', 'carol']),
  departedPeople: new Set(['erin']),
  customerOrg: 'acme',
  liveDelegations: new Map([['org:globex', new Set(['payments-keys'])]]),
};

let serial = 0;
const credential = (fields: Partial<CredentialTable> & Pick<CredentialTable, 'id' | 'kind' | 'class_id' | 'status'>): CredentialTable => {
  serial += 1;
  const notAfter = fields.not_after ?? null;
  return {
    fingerprint: String(serial).padStart(64, '0'), name: fields.id, source_id: null, subject: null, issuer: null, serial: null, sans: '[]',
    not_before: null, not_after: notAfter, expiry_order: notAfter ?? '9999-12-31T23:59:59.999Z~', key_algorithm: null, key_size: null, is_ca: 0,
    signature_algorithm: null, external_id: null, storage_location: null, managed_storage: null, exposed_to: '[]', last_rotated_at: null,
    supersedes: null, superseded_by: null, search_text: fields.id, imported_from: 'test', created_at: ago(5 * day), updated_at: ago(5 * day),
    ...fields,
  };
};

/** Certificates of public-tls at the edges of the CA/B schedule, and of its 200-day maxLifetime. */
const certificate = (id: string, notBefore: string, validityMs: number, classId = 'public-tls'): CredentialTable =>
  credential({ id, kind: 'x509_certificate', class_id: classId, status: 'active', not_before: notBefore, not_after: later(notBefore, validityMs) });

const credentials: CredentialTable[] = [
  certificate('c1', '2026-03-15T00:00:00.000Z', 200 * day - 1000),
  certificate('c2', '2026-03-15T00:00:00.000Z', 200 * day),
  certificate('c3', '2026-03-14T23:59:59.000Z', 398 * day - 1000),
  certificate('c4', '2027-03-15T00:00:00.000Z', 100 * day),
  certificate('c4b', '2027-03-14T23:59:59.000Z', 100 * day),
  credential({ id: 'c5', kind: 'api_key', class_id: 'payments-keys', status: 'active', not_after: '2027-01-01T00:00:00.000Z', last_rotated_at: ago(10 * day), managed_storage: 1, storage_location: 'vault:kv/pay', exposed_to: '["org:globex"]' }),
  credential({ id: 'c6', kind: 'api_key', class_id: 'payments-keys', status: 'active', last_rotated_at: ago(45 * day), managed_storage: 0, storage_location: 'github:acme/app', exposed_to: '["stripe.com"]' }),
  credential({ id: 'c7', kind: 'token', class_id: 'payments-keys', status: 'active', not_after: '2026-12-01T00:00:00.000Z', created_at: ago(100 * day), storage_location: 'ci:gitlab', exposed_to: '["org:acme"]' }),
  credential({ id: 'c8', kind: 'password', class_id: null, status: 'active', created_at: ago(400 * day), managed_storage: 0, storage_location: 'github:acme/app' }),
  credential({ id: 'c9', kind: 'ssh_key', class_id: 'ghost-class', status: 'active', created_at: ago(2 * day), managed_storage: 1 }),
  credential({ id: 'c10', kind: 'api_key', class_id: 'payments-keys', status: 'active', not_after: '2026-05-01T00:00:00.000Z', created_at: ago(200 * day) }),
  credential({ id: 'c11', kind: 'x509_certificate', class_id: 'internal-mtls', status: 'revoked' }),
  credential({ id: 'c12', kind: 'x509_certificate', class_id: 'internal-mtls', status: 'revoked' }),
  credential({ id: 'c13', kind: 'api_key', class_id: 'payments-keys', status: 'retired' }),
  credential({ id: 'c14', kind: 'x509_certificate', class_id: 'internal-mtls', status: 'superseded' }),
  credential({ id: 'c15', kind: 'x509_certificate', class_id: 'internal-mtls', status: 'pending', created_at: ago(1 * day) }),
  credential({ id: 'c16', kind: 'x509_certificate', class_id: 'internal-mtls', status: 'active', not_before: ago(40 * day), not_after: ago(-200 * day), managed_storage: 1 }),
];

type Step = [step: string, actor: string, person?: string];
type ChangeFixture = Partial<ChangeTable> & Pick<ChangeTable, 'id' | 'action' | 'status' | 'requester' | 'requested_at'> & { credentials?: string[]; steps: Step[] };

const changes: ChangeFixture[] = [
  // Key compromise verified in an hour, within its class SLA; every step recorded by a different principal.
  { id: 'ch1', action: 'revoke', status: 'verified', trigger: 'key_compromise', requester: 'person:alice', requested_at: ago(48 * hour), due_at: ago(47 * hour),
    executor: 'person:bob', executed_at: ago(47.5 * hour), verifier: 'person:victor', verified_at: ago(47 * hour), credentials: ['c11'],
    steps: [['request', 'person:alice'], ['approve', 'person:carol'], ['execute', 'person:bob'], ['executed', 'person:bob'], ['verify', 'person:victor']] },
  // Key compromise verified after 28 hours; no approval recorded, so not a formal offboarding.
  { id: 'ch2', action: 'revoke', status: 'verified', trigger: 'key_compromise', requester: 'person:alice', requested_at: ago(30 * hour),
    executor: 'person:bob', executed_at: ago(29 * hour), verifier: 'person:victor', verified_at: ago(2 * hour), credentials: ['c12'],
    steps: [['request', 'person:alice'], ['execute', 'person:bob'], ['executed', 'person:bob'], ['verify', 'person:victor']] },
  // Owner departed three days ago: executed, not verified; inside five days, past its class SLA.
  { id: 'ch3', action: 'revoke', status: 'executed', trigger: 'owner_departed', requester: 'person:alice', requested_at: ago(3 * day), due_at: ago(1 * day),
    executor: 'person:bob', executed_at: ago(2 * day), steps: [['request', 'person:alice'], ['approve', 'person:carol'], ['execute', 'person:bob'], ['executed', 'person:bob']] },
  // Key compromise an hour ago, approved and waiting: open on both deadlines.
  { id: 'ch4', action: 'revoke', status: 'approved', trigger: 'key_compromise', requester: 'person:alice', requested_at: ago(1 * hour), due_at: ago(-23 * hour),
    steps: [['request', 'person:alice'], ['approve', 'person:carol']] },
  // The requester approved their own rotation.
  { id: 'ch5', action: 'rotate', status: 'verified', requester: 'person:alice', requested_at: ago(10 * day), executor: 'person:bob', executed_at: ago(9 * day),
    verifier: 'person:carol', verified_at: ago(8 * day), steps: [['request', 'person:alice'], ['approve', 'person:alice'], ['execute', 'person:bob'], ['executed', 'person:bob'], ['verify', 'person:carol']] },
  // The requester executed: allowed as enforced, not all four distinct.
  { id: 'ch6', action: 'renew', status: 'verified', requester: 'person:alice', requested_at: ago(10 * day), executor: 'person:alice', executed_at: ago(9 * day),
    verifier: 'person:victor', verified_at: ago(8 * day), steps: [['request', 'person:alice'], ['approve', 'person:carol'], ['execute', 'person:alice'], ['executed', 'person:alice'], ['verify', 'person:victor']] },
  // Policy violation verified in four days, two days after its class SLA.
  { id: 'ch7', action: 'revoke', status: 'verified', trigger: 'policy_violation', requester: 'person:alice', requested_at: ago(10 * day), due_at: ago(8 * day),
    executor: 'person:bob', executed_at: ago(7 * day), verifier: 'person:victor', verified_at: ago(6 * day),
    steps: [['request', 'person:alice'], ['approve', 'person:carol'], ['execute', 'person:bob'], ['executed', 'person:bob'], ['verify', 'person:victor']] },
  // Carol approved, then executed through a service account she owns: separation is judged by the person behind it.
  { id: 'ch9', action: 'rotate', status: 'verified', requester: 'person:alice', requested_at: ago(10 * day), executor: 'service-account:bot', executed_at: ago(9 * day),
    verifier: 'person:victor', verified_at: ago(8 * day),
    steps: [['request', 'person:alice'], ['approve', 'person:carol'], ['execute', 'service-account:bot', 'person:carol'], ['executed', 'service-account:bot'], ['verify', 'person:victor']] },
  // Rejected: neither met nor missed.
  { id: 'ch8', action: 'revoke', status: 'rejected', trigger: 'key_compromise', requester: 'person:alice', requested_at: ago(72 * hour), due_at: ago(71 * hour),
    steps: [['request', 'person:alice'], ['reject', 'person:carol']] },
];

const changeRow = ({ credentials: _credentials, steps: _steps, ...fields }: ChangeFixture): ChangeTable => ({
  class_id: 'internal-mtls', reason: 'test', ticket: null, trigger: null, due_at: null, stale_at: ago(-7 * day), updated_at: fields.requested_at,
  governance_version: 1, approvals_needed: 1, pre_approved_by: null, executor: null, executed_at: null, verifier: null, verified_at: null,
  playbook_id: null, ordered_by: null, connector: null, spec: '{}', revision: 1, ...fields,
});

const eventRows = (change: ChangeFixture): ChangeEventTable[] => change.steps.map(([step, actor, person], index) => ({
  change_id: change.id, seq: index + 1, at: change.requested_at, actor, person: person ?? null, step, governance_version: 1, policies: '[]', details: '{}',
}));

const metricOf = (metrics: readonly PostureMetric[], id: string): PostureMetric => {
  const found = metrics.find((entry) => entry.id === id);
  assert.ok(found, id);
  return found;
};

for (const target of databaseTargets) {
  describe(`posture store on ${target.name}`, () => {
    let database: TestDatabase;
    let inputs: PostureInputs;
    before(async () => {
      database = await target.create();
      const { db } = database.database;
      await db.insertInto('credentials').values(credentials).execute();
      await db.insertInto('changes').values(changes.map(changeRow)).execute();
      await db.insertInto('change_credentials').values(changes.flatMap((change) => (change.credentials ?? []).map((credentialId, position) => ({ change_id: change.id, credential_id: credentialId, position })))).execute();
      await db.insertInto('change_events').values(changes.flatMap(eventRows)).execute();
      inputs = await db.transaction().execute((trx) => createPostureStore(trx, database.database.capabilities).inputs({ at, governance }));
    });
    after(() => database.destroy());

    const groupsOf = (classId: string | null) => inputs.groups.filter((group) => group.classId === classId);
    const total = (classId: string | null, field: (group: PostureInputs['groups'][number]) => number) => groupsOf(classId).reduce((sum, group) => sum + field(group), 0);

    test('live credentials only: pending or active and not past their not-after, grouped by class, kind and exposure', () => {
      assert.equal(inputs.groups.reduce((sum, group) => sum + group.count, 0), 12);
      assert.deepEqual(
        inputs.groups.map((group) => `${group.classId ?? '-'} ${group.kind} ${group.exposedTo.join('+')} ${group.count}`).sort(),
        [
          '- password  1', 'ghost-class ssh_key  1', 'internal-mtls x509_certificate  2', 'payments-keys api_key org:globex 1', 'payments-keys api_key stripe.com 1',
          'payments-keys token org:acme 1', 'public-tls x509_certificate  5',
        ],
      );
      assert.deepEqual([...inputs.statuses].sort((a, b) => a.status.localeCompare(b.status)),
        [{ status: 'active', count: 12 }, { status: 'pending', count: 1 }, { status: 'retired', count: 1 }, { status: 'revoked', count: 2 }, { status: 'superseded', count: 1 }]);
      assert.equal(inputs.lapsed, 1, 'c10 is stored active past its not-after');
      assert.deepEqual([...inputs.classTotals].sort((a, b) => String(a.classId).localeCompare(String(b.classId))),
        [{ classId: 'ghost-class', count: 1 }, { classId: 'internal-mtls', count: 5 }, { classId: null, count: 1 }, { classId: 'payments-keys', count: 5 }, { classId: 'public-tls', count: 5 }]);
    });

    // Where the database sorts to group (SQLite), the store counts with a hash aggregate instead; GROUP BY must give the same.
    if (target.name === 'sqlite') {
      test('counted by GROUP BY, the groups are the same as counted by the hash aggregate', async () => {
        assert.ok(database.database.capabilities.countByKeyFunction !== null);
        const grouped = await createPostureStore(database.database.db, { countByKeyFunction: null }).inputs({ at, governance });
        const order = (groups: PostureInputs['groups']) => [...groups].sort((a, b) => JSON.stringify([a.classId, a.kind, a.exposedTo]).localeCompare(JSON.stringify([b.classId, b.kind, b.exposedTo])));
        assert.deepEqual(order(grouped.groups), order(inputs.groups));
        assert.equal(grouped.groups.length, 7);
      });

      test('the unmanaged-storage breakdown is read from the partial index alone (its condition and the query\'s agree word for word)', async () => {
        const query = unmanagedLocationsQuery(database.database.db, at.toISOString()).compile();
        const plan = await database.database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
        assert.ok(plan.rows.some((row) => row.detail.includes('USING COVERING INDEX credentials_unmanaged_idx')), plan.rows.map((row) => row.detail).join('\n'));
      });
    }

    test('ages fall in the histogram buckets at their edges, including each class\'s rotateEvery', () => {
      const edges = ageEdgesFor(governance);
      assert.deepEqual(inputs.ageEdgesMs, edges);
      assert.deepEqual(edges.map((edge) => edge / day), [7, 30, 60, 90, 180, 365, 730, 1825]);
      const histogram = edges.concat([0]).map((_, bucket) => inputs.groups.reduce((sum, group) => sum + (group.ageBuckets[bucket] ?? 0), 0));
      // c4, c4b (issued in the future), c9, c15 | c5 | c16, c6 | c1, c2, c3 | c7 | | c8
      assert.deepEqual(histogram, [4, 1, 2, 3, 1, 0, 1, 0, 0]);
      assert.deepEqual(total('payments-keys', (group) => group.ageBuckets[0]! + group.ageBuckets[1]!), 1, 'payments-keys: c5 rotated within 30 days');
    });

    test('lifetimes against the class maxLifetime and the CA/B maximum agree with the pure rules, at every edge', () => {
      assert.deepEqual(inputs.lifetimeLimitsMs, [30 * day, 200 * day]);
      for (const row of credentials.filter((entry) => entry.class_id === 'public-tls')) {
        const [from, to] = [new Date(row.not_before as string), new Date(row.not_after as string)];
        assert.equal(exceedsCabMaximum(from, to), ['c2', 'c4'].includes(row.id), `${row.id} against the CA/B maximum`);
        assert.equal(exceedsLifetime(from, to, 200 * day), row.id === 'c3', `${row.id} against 200 days`);
      }
      assert.equal(total('public-tls', (group) => group.lifetimeKnown), 5);
      assert.equal(total('public-tls', (group) => group.lifetimeOver[1]!), 1, 'c3 only: c2 lasts exactly 200 days');
      assert.equal(total('public-tls', (group) => group.overCabMaximum), 2, 'c2 and c4: their validity includes one second more than the maximum');
      assert.equal(total('internal-mtls', (group) => group.lifetimeKnown), 1, 'c15 has no dates');
      assert.equal(total('internal-mtls', (group) => group.lifetimeOver[0]!), 1, 'c16 lasts 240 days');
      assert.equal(total('internal-mtls', (group) => group.overCabMaximum), 1, 'c16 is counted over the CA/B maximum, but only public classes are held to it (M05 below)');
    });

    test('a limit with a part of a day is exact to the millisecond, across midnight too', async () => {
      const agentTokens = { ...governance.classes[1]!, id: 'agent-tokens', rotateEveryMs: null, maxLifetimeMs: hour };
      const halfDay = { ...governance, classes: [...governance.classes.map((entry) => (entry.id === 'internal-mtls' ? { ...entry, maxLifetimeMs: 30 * day + 12 * hour } : entry)), agentTokens] };
      const tokens: [string, string, string, boolean][] = [
        ['t1', '2026-06-01T23:30:00.000Z', '2026-06-02T00:30:00.000Z', false],
        ['t2', '2026-06-01T23:30:00.000Z', '2026-06-02T00:30:00.001Z', true],
        ['t3', '2026-06-01T12:00:00.000Z', '2026-06-02T13:00:00.000Z', true],
        ['t4', '2026-06-02T10:00:00.000Z', '2026-06-02T10:59:59.999Z', false],
        ['t5', '2026-06-01T00:00:00.000Z', '2026-06-04T00:00:00.000Z', true],
      ];
      for (const [id, from, to, over] of tokens) assert.equal(exceedsLifetime(new Date(from), new Date(to), hour), over, id);
      await database.database.db.insertInto('credentials').values(tokens.map(([id, from, to]) =>
        credential({ id, kind: 'token', class_id: 'agent-tokens', status: 'active', not_before: from, not_after: to }))).execute();
      const exact = await createPostureStore(database.database.db, database.database.capabilities).inputs({ at, governance: halfDay });
      const sum = (classId: string, field: (group: PostureInputs['groups'][number]) => number) =>
        exact.groups.filter((group) => group.classId === classId).reduce((total, group) => total + field(group), 0);
      assert.deepEqual(exact.lifetimeLimitsMs, [hour, 30 * day + 12 * hour, 200 * day]);
      assert.equal(sum('agent-tokens', (group) => group.lifetimeKnown), 5);
      assert.equal(sum('agent-tokens', (group) => group.lifetimeOver[0]!), 3, 't2, t3 and t5');
      assert.equal(sum('internal-mtls', (group) => group.lifetimeOver[1]!), 1, 'c16 lasts 240 days');
      assert.equal(sum('public-tls', (group) => group.lifetimeOver[2]!), 1, 'c3 only');
      assert.equal(sum('public-tls', (group) => group.overCabMaximum), 2);
    });

    test('no expiry, managed storage, and the places unmanaged secrets are kept', () => {
      assert.equal(inputs.groups.reduce((sum, group) => sum + group.noExpiry, 0), 4, 'c6, c8, c9, c15');
      assert.deepEqual(inputs.unmanagedLocations, [{ location: 'github:acme/app', count: 2 }, { location: 'ci:gitlab', count: 1 }]);
      assert.equal(total('payments-keys', (group) => group.managed), 1);
      assert.equal(total('payments-keys', (group) => group.storageUnknown), 1);
    });

    test('changes: separation of duties, verification, and deadlines met, missed and open', () => {
      assert.deepEqual(inputs.changes, {
        executed: 7, executedVerified: 6, verified: 6, allDistinct: 4, separatedAsEnforced: 4,
        keyCompromise: { settled: 2, met: 1, open: 1 },
        otherTriggers: { settled: 1, met: 1, open: 1 },
        classSla: { settled: 3, met: 1, open: 1 },
      });
    });

    test('offboarding: formal only with every step recorded; trigger to verification by nearest rank', () => {
      assert.deepEqual(inputs.offboarding, { formal: 1, triggered: 3, medianMs: 28 * hour, p95Ms: 4 * day });
    });

    test('the posture computed from these counts', () => {
      const posture = computePosture(inputs, at);
      const values = Object.fromEntries(posture.metrics.map((entry) => [entry.id, [entry.numerator, entry.denominator]]));
      assert.deepEqual(values, {
        M02: [5, 12], M03: [5, 12], M04: [3, 5], M05: [4, 12], M06: [1, 3], M07: [2, 5], M09: [2, 12], M15: [4, 6], M16: [1, 2], M19: [5, 5],
      });
      assert.deepEqual(metricOf(posture.metrics, 'M03').detail, { ownerDepartedStillLive: 3, departedOwnerCredentials: 5, departedOwnerStillLiveShare: 0.6 });
      assert.equal(metricOf(posture.metrics, 'M04').detail.medianAgeDays, 45);
      assert.equal(metricOf(posture.metrics, 'M05').detail.overClassMaximum, 2);
      assert.equal(metricOf(posture.metrics, 'M05').detail.overCabMaximum, 2);
      assert.equal(metricOf(posture.metrics, 'M09').detail.withLiveDelegation, 1);
    });

    test('an age of exactly rotateEvery is overdue, as the rotation_overdue alert has it; a millisecond less is not', async () => {
      const edgeClass = { ...governance.classes[1]!, id: 'edge-keys' };
      await database.database.db.insertInto('credentials').values([
        credential({ id: 'e1', kind: 'api_key', class_id: 'edge-keys', status: 'active', last_rotated_at: ago(30 * day) }),
        credential({ id: 'e2', kind: 'api_key', class_id: 'edge-keys', status: 'active', last_rotated_at: ago(30 * day - 1) }),
      ]).execute();
      const edge = await createPostureStore(database.database.db, database.database.capabilities).inputs({ at, governance: { ...governance, classes: [edgeClass] } });
      const posture = computePosture({ ...edge, groups: edge.groups.filter((group) => group.classId === 'edge-keys') }, at);
      assert.deepEqual([metricOf(posture.metrics, 'M04').numerator, metricOf(posture.metrics, 'M04').denominator], [1, 2]);
    });

    test('a snapshot a day: saving the same day again replaces it; the newest come first', async () => {
      const { db } = database.database;
      const posture = computePosture(inputs, at);
      const store = createPostureStore(db, database.database.capabilities);
      await db.transaction().execute((trx) => createPostureStore(trx, database.database.capabilities).saveSnapshot('2026-05-31', new Date('2026-05-31T23:00:00.000Z'), posture));
      await db.transaction().execute((trx) => createPostureStore(trx, database.database.capabilities).saveSnapshot('2026-06-01', new Date('2026-06-01T01:00:00.000Z'), posture));
      await db.transaction().execute((trx) => createPostureStore(trx, database.database.capabilities).saveSnapshot('2026-06-01', new Date('2026-06-01T02:00:00.000Z'), { ...posture, at: '2026-06-01T02:00:00.000Z' }));
      const snapshots = await store.snapshots(10);
      assert.deepEqual(snapshots.map((snapshot) => [snapshot.day, snapshot.at, snapshot.posture.at]), [
        ['2026-06-01', '2026-06-01T02:00:00.000Z', '2026-06-01T02:00:00.000Z'],
        ['2026-05-31', '2026-05-31T23:00:00.000Z', posture.at],
      ]);
      assert.deepEqual(snapshots[1]?.posture, posture, 'the posture comes back as it was saved');
      assert.equal((await store.snapshots(1)).length, 1);
      await assert.rejects(store.saveSnapshot('June 1st', at, posture), (error: Error & { code?: string }) => error.code === 'VALIDATION_FAILED');
    });
  });
}
