import { test } from 'node:test';
import assert from 'node:assert/strict';
import { governanceSchema } from '../governance/governance-schema.ts';
import { alertTypes } from './alert-vocabulary.ts';
import type { AlertType } from './alert-vocabulary.ts';
import { createRouter } from './routing.ts';

// Carol owns internal-mtls for the business, Dave runs it; Erin and Frank are in payments, Ivan administers
// Trustplane. Gina works for the partner Globex yet sits in the payments team, and renew names her too.
const governance = governanceSchema.parse({
  organization: { id: 'acme', name: 'Acme Corp' },
  partners: [{ id: 'globex', name: 'Globex Managed Services', kind: 'managed_service' }],
  teams: [{ id: 'security' }, { id: 'platform' }, { id: 'payments' }],
  people: [
    { id: 'carol', name: 'Carol Diaz', email: 'carol@acme.example', org: 'acme', teams: ['security'] },
    { id: 'dave', name: 'Dave Kim', email: 'dave@acme.example', org: 'acme', teams: ['platform'] },
    { id: 'erin', name: 'Erin Moss', email: 'erin@acme.example', org: 'acme', teams: ['payments'] },
    { id: 'frank', name: 'Frank Hale', email: 'frank@acme.example', org: 'acme', teams: ['payments'] },
    { id: 'ivan', name: 'Ivan Petrov', email: 'ivan@acme.example', org: 'acme', teams: ['security'] },
    { id: 'gina', name: 'Gina Ortiz', email: 'gina@globex.example', org: 'globex', teams: ['payments'] },
  ],
  classes: [
    {
      id: 'internal-mtls', kinds: ['x509_certificate'], businessOwner: 'person:carol', technicalOwner: 'person:dave',
      decisionRights: {
        renew: { responsible: ['org:globex'], accountable: 'person:dave', informed: ['team:payments', 'person:gina', 'org:globex'] },
        rotate: { responsible: ['team:platform'], accountable: 'person:dave', informed: ['person:carol'] },
        revoke: { responsible: ['team:platform'], accountable: 'person:carol', informed: ['team:security'] },
      },
    },
    // Owned by people governance does not declare, and informing nobody.
    { id: 'stale-class', kinds: ['api_key'], businessOwner: 'person:zoe', technicalOwner: 'person:yuri' },
    // Owned, wrongly, by a partner's person.
    { id: 'partner-run', kinds: ['token'], businessOwner: 'person:gina', technicalOwner: 'person:gina' },
    // Erin owns it for the business, Dave runs it, and no decision right informs anyone.
    { id: 'payments-keys', kinds: ['api_key'], businessOwner: 'person:erin', technicalOwner: 'person:dave' },
  ],
  administrators: ['person:ivan'],
});

const nobodyDeparted: ReadonlySet<string> = new Set();

test('each alert type reaches the technical owner and those its action informs; escalation goes to the business owner', () => {
  const renewInformed = ['dave', 'erin', 'frank'];
  const rotateInformed = ['carol', 'dave'];
  const revokeInformed = ['carol', 'dave', 'ivan'];
  const expected: Record<AlertType, string[]> = {
    expiring: renewInformed, expired: renewInformed,
    rotation_overdue: rotateInformed, unmanaged_storage: rotateInformed, weak_crypto: rotateInformed,
    // Carol is told of an orphan as business owner too; here security's revoke right names her anyway.
    orphaned: revokeInformed, third_party_exposure: revokeInformed, revocation_sla_breach: revokeInformed, review_overdue: revokeInformed,
    denied_attempt: ['carol', 'dave'],
  };
  const router = createRouter(governance, nobodyDeparted);
  for (const type of alertTypes) {
    assert.deepEqual(router.route(type, 'internal-mtls'), { notify: expected[type], escalateTo: ['carol'] }, type);
  }
});

test('an orphaned credential, like a denial, reaches both owners; other alerts reach the business owner only by escalation', () => {
  const router = createRouter(governance, nobodyDeparted);
  for (const type of alertTypes) {
    const notify = type === 'orphaned' || type === 'denied_attempt' ? ['dave', 'erin'] : ['dave'];
    assert.deepEqual(router.route(type, 'payments-keys'), { notify, escalateTo: ['erin'] }, type);
  }
  // The technical owner of an orphan may be the one who left: the business owner hears, not the administrators.
  const withoutDave = createRouter(governance, new Set(['dave']));
  assert.deepEqual(withoutDave.route('orphaned', 'payments-keys'), { notify: ['erin'], escalateTo: ['erin'] });
  assert.deepEqual(withoutDave.route('expired', 'payments-keys'), { notify: ['ivan'], escalateTo: ['erin'] });
  // With both owners gone, the administrators are told.
  assert.deepEqual(createRouter(governance, new Set(['dave', 'erin'])).route('orphaned', 'payments-keys'), { notify: ['ivan'], escalateTo: ['ivan'] });
});

test('a team expands to its customer people only; partner people are never told, even when named', () => {
  const router = createRouter(governance, nobodyDeparted);
  const { notify } = router.route('expiring', 'internal-mtls', ['person:gina', 'org:globex']);
  assert.equal(notify.includes('gina'), false);
  assert.deepEqual(notify, ['dave', 'erin', 'frank']);
  assert.equal(router.person('gina'), null);
});

test('a class owned only by a partner\'s person is routed to the administrators', () => {
  assert.deepEqual(createRouter(governance, nobodyDeparted).route('expiring', 'partner-run'), { notify: ['ivan'], escalateTo: ['ivan'] });
});

test('people who left are never told; with nobody left, the administrators are', () => {
  const router = createRouter(governance, new Set(['dave', 'erin']));
  assert.deepEqual(router.route('expiring', 'internal-mtls'), { notify: ['frank'], escalateTo: ['carol'] });
  assert.deepEqual(router.route('denied_attempt', 'internal-mtls'), { notify: ['carol'], escalateTo: ['carol'] });
  assert.deepEqual(router.route('orphaned', 'internal-mtls'), { notify: ['carol', 'ivan'], escalateTo: ['carol'] });
  assert.equal(router.person('dave'), null);
  assert.equal(router.person('frank')?.email, 'frank@acme.example');

  const withoutCarol = createRouter(governance, new Set(['carol', 'dave']));
  assert.deepEqual(withoutCarol.route('rotation_overdue', 'internal-mtls'), { notify: ['ivan'], escalateTo: ['ivan'] });
  assert.deepEqual(withoutCarol.route('orphaned', 'internal-mtls'), { notify: ['ivan'], escalateTo: ['ivan'] });
});

test('owners governance does not declare count as nobody: the administrators are told', () => {
  assert.deepEqual(createRouter(governance, nobodyDeparted).route('rotation_overdue', 'stale-class'), { notify: ['ivan'], escalateTo: ['ivan'] });
});

test('without a class, or with a class governance does not declare, the administrators are told', () => {
  const router = createRouter(governance, nobodyDeparted);
  assert.deepEqual(router.route('orphaned', null), { notify: ['ivan'], escalateTo: ['ivan'] });
  assert.deepEqual(router.route('expiring', 'legacy-vpn'), { notify: ['ivan'], escalateTo: ['ivan'] });
  // Extra recipients are for a known class; for an unowned credential only the administrators hear.
  assert.deepEqual(router.route('orphaned', null, ['person:erin']), { notify: ['ivan'], escalateTo: ['ivan'] });
});

test('extra recipients join the notified, expanded and filtered like the rest', () => {
  const router = createRouter(governance, new Set(['frank']));
  assert.deepEqual(router.route('weak_crypto', 'internal-mtls', ['team:payments', 'person:ivan', 'person:nobody']), {
    notify: ['carol', 'dave', 'erin', 'ivan'], escalateTo: ['carol'],
  });
});

test('without governance there is nobody to tell', () => {
  assert.deepEqual(createRouter(null, nobodyDeparted).route('expired', 'internal-mtls'), { notify: [], escalateTo: [] });
});
