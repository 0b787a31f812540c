// The revocation clock and when a revocation counts as published: the one judgement posture, the
// evidence pack and the revocation_sla_breach alert all state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countRevocationDeadlines, revocationClock } from './revocation-clock.ts';
import type { RevocationFacts } from './revocation-clock.ts';
import { indexCrlListings, revocationPublication } from './revocation-publication.ts';

const hour = 3_600_000;
const at = (hours: number): string => new Date(Date.parse('2027-03-01T09:00:00.000Z') + hours * hour).toISOString();
/** A key-compromise revocation requested at 09:00 whose class SLA runs out an hour later. */
const revocation = (overrides: Partial<RevocationFacts> = {}): RevocationFacts => ({
  trigger: 'key_compromise', status: 'executed', requestedAt: at(0), dueAt: at(1), executedAt: at(0.5), verifiedAt: null, ...overrides,
});

describe('the revocation clock', () => {
  it('is met when verified by the due time, at the instant itself too; missed when verified later, by how much', () => {
    assert.equal(revocationClock(revocation({ status: 'verified', verifiedAt: at(1) }), new Date(at(5))).sla.outcome, 'met');
    assert.deepEqual(revocationClock(revocation({ status: 'verified', verifiedAt: at(3) }), new Date(at(5))).sla, { dueAt: at(1), outcome: 'missed', lateByMs: 2 * hour });
  });

  it('is open while unverified before the due time, and missed after it; executed alone never ends it', () => {
    assert.equal(revocationClock(revocation(), new Date(at(1))).sla.outcome, 'open');
    assert.deepEqual(revocationClock(revocation(), new Date(at(4))).sla, { dueAt: at(1), outcome: 'missed', lateByMs: 3 * hour });
    const failed = revocationClock(revocation({ status: 'verification_failed', verifiedAt: at(0.7) }), new Date(at(0.8)));
    assert.deepEqual([failed.sla.outcome, failed.verifiedAt], ['open', null], 'a failed verification is not a verification');
  });

  it('withdraws a rejected or cancelled revocation, and judges none without a deadline', () => {
    for (const status of ['rejected', 'cancelled']) assert.equal(revocationClock(revocation({ status, executedAt: null }), new Date(at(9))).sla.outcome, 'withdrawn');
    assert.equal(revocationClock(revocation({ dueAt: null }), new Date(at(9))).sla.outcome, 'no_sla');
  });

  it('measures the CA/B benchmark from the trigger: 24 hours for key compromise, 5 days for other triggers, none without one', () => {
    const verified = (trigger: string | null, hours: number) => revocationClock(revocation({ trigger, status: 'verified', verifiedAt: at(hours) }), new Date(at(200))).benchmark;
    assert.deepEqual(verified('key_compromise', 24), { window: 'keyCompromise', dueAt: at(24), outcome: 'met', lateByMs: null });
    assert.equal(verified('key_compromise', 25)?.outcome, 'missed');
    assert.deepEqual([verified('owner_departed', 100)?.window, verified('owner_departed', 100)?.outcome], ['otherTriggers', 'met']);
    assert.equal(verified(null, 1), null);
  });

  it('counts what posture M16 and the evidence pack state: key compromise by trigger, not by playbook', () => {
    const now = new Date(at(30));
    const counts = countRevocationDeadlines([
      revocation({ status: 'verified', verifiedAt: at(1) }),
      revocation({ status: 'verified', verifiedAt: at(28) }),
      revocation({ requestedAt: at(20), dueAt: at(21) }),
      revocation({ status: 'rejected', executedAt: null }),
      revocation({ trigger: 'superseded', status: 'verified', verifiedAt: at(2) }),
    ].map((facts) => revocationClock(facts, now)));
    assert.deepEqual(counts, {
      keyCompromise: { settled: 2, met: 1, open: 1 },
      otherTriggers: { settled: 1, met: 1, open: 0 },
      classSla: { settled: 4, met: 1, open: 0 },
    });
  });
});

describe('when a revocation counts as published', () => {
  const listings = indexCrlListings([
    { ca: 'ca_1', crlNumber: 4, at: at(0.1), serials: ['0a'], entry: 10 },
    { ca: 'ca_1', crlNumber: 5, at: at(0.6), serials: ['0b'], entry: 14 },
    { ca: 'ca_2', crlNumber: 2, at: at(0.7), serials: ['0b', '0c'], entry: 15 },
    { ca: 'ca_1', crlNumber: 6, at: at(0.9), serials: ['0b'], entry: 16 },
  ]);

  it('is published when CRLs Trustplane published name every serial it revoked, at the first that named each', () => {
    const published = revocationPublication({ revokedAt: at(0.5), revoked: [{ ca: 'ca_1', serial: '0b' }, { ca: 'ca_2', serial: '0c' }], connector: 'builtin-ca' }, listings);
    assert.deepEqual(published, {
      state: 'published', at: at(0.7), note: 'CRL 5 of ca_1, CRL 2 of ca_2',
      crls: [{ ca: 'ca_1', crlNumber: 5, at: at(0.6), entry: 14 }, { ca: 'ca_2', crlNumber: 2, at: at(0.7), entry: 15 }],
    });
  });

  it('is pending while a serial is on no CRL, however many CRLs were published after the revocation', () => {
    const pending = revocationPublication({ revokedAt: at(0.5), revoked: [{ ca: 'ca_1', serial: '0c' }, { ca: 'ca_1', serial: '0a' }], connector: 'builtin-ca' }, listings);
    assert.deepEqual(pending, { state: 'pending', listed: 1, of: 2, note: '1 of 2 revoked certificates named by a CRL Trustplane published' });
  });

  it('is never published for a certificate revoked by hand at another CA, and says so', () => {
    assert.deepEqual(revocationPublication({ revokedAt: at(0.5), revoked: [], connector: 'manual' }, listings),
      { state: 'not_published_by_trustplane', note: 'recorded by hand, not published by Trustplane' });
    assert.equal(revocationPublication({ revokedAt: null, revoked: [], connector: null }, listings).state, 'not_revoked');
  });
});
