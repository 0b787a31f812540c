import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deniedAttempts, reviewOverdue, revocationSlaBreach } from './activity-rules.ts';
import type { MonitoredChange, MonitoredDenial, MonitoredReview } from './activity-rules.ts';

const hour = 3_600_000;
const instant = (iso: string): number => Date.parse(iso);

// revocation_sla_breach

/** A key-compromise revocation whose one-hour SLA runs out at 10:00Z on 1 March 2027. */
const revocation = (overrides: Partial<MonitoredChange> = {}): MonitoredChange => ({
  id: 'chg-7', classId: 'internal-mtls', action: 'revoke', status: 'executing', trigger: 'key_compromise',
  dueAt: '2027-03-01T10:00:00.000Z', requestedAt: '2027-03-01T09:00:00.000Z', credentialIds: ['cred-1', 'cred-2'],
  ...overrides,
});
const revocationDue = instant('2027-03-01T10:00:00Z');

test('a revocation meets its SLA at the instant it is due, and breaches it a millisecond after', () => {
  // As the evidence pack counts it: done at the deadline itself is met.
  assert.equal(revocationSlaBreach(revocation(), revocationDue - 1), null);
  assert.equal(revocationSlaBreach(revocation(), revocationDue), null);
  assert.deepEqual(revocationSlaBreach(revocation(), revocationDue + 1), {
    type: 'revocation_sla_breach', target: 'change:chg-7', classId: 'internal-mtls', severity: 'critical', stage: 'breached',
    summary: 'the revoke of change chg-7 (key_compromise) was due less than a minute ago (2027-03-01T10:00:00.000Z) and is not verified (status: executing)',
    details: { dueAt: '2027-03-01T10:00:00.000Z', status: 'executing', trigger: 'key_compromise', credentials: ['cred-1', 'cred-2'], lateByMs: 1 },
  });
});

test('a breach says how late, and leaves out a trigger it does not have', () => {
  const finding = revocationSlaBreach(revocation({ trigger: null, status: 'approved' }), revocationDue + 5 * hour + 59 * 60_000);
  assert.equal(finding?.summary, 'the revoke of change chg-7 was due 5 hours ago (2027-03-01T10:00:00.000Z) and is not verified (status: approved)');
  assert.equal(finding?.details['lateByMs'], 5 * hour + 59 * 60_000);
});

test('a verified, rejected or cancelled revocation never breaches; a failed one past due does', () => {
  const late = revocationDue + 2 * hour;
  for (const status of ['verified', 'rejected', 'cancelled']) assert.equal(revocationSlaBreach(revocation({ status }), late), null, status);
  for (const status of ['failed', 'verification_failed', 'executed', 'requested']) {
    const finding = revocationSlaBreach(revocation({ status }), late);
    assert.equal(finding?.severity, 'critical', status);
    assert.equal(finding?.details['status'], status);
    assert.equal(finding?.summary, `the revoke of change chg-7 (key_compromise) was due 2 hours ago (2027-03-01T10:00:00.000Z) and is not verified (status: ${status})`, status);
  }
  assert.equal(revocationSlaBreach(revocation({ status: 'failed' }), revocationDue - 1), null, 'failed but not yet due');
  assert.equal(revocationSlaBreach(revocation({ status: 'failed' }), revocationDue), null, 'failed at the deadline itself');
  assert.equal(revocationSlaBreach(revocation({ status: 'failed' }), revocationDue + 1)?.summary,
    'the revoke of change chg-7 (key_compromise) was due less than a minute ago (2027-03-01T10:00:00.000Z) and is not verified (status: failed)');
});

test('a change without a deadline, or with one that is no instant, never breaches', () => {
  assert.equal(revocationSlaBreach(revocation({ dueAt: null }), revocationDue + 1000 * hour), null);
  for (const dueAt of ['2027-13-45', 'soon', '']) assert.equal(revocationSlaBreach(revocation({ dueAt }), revocationDue + 1000 * hour), null, dueAt);
});

// review_overdue

/** The review of an emergency change, due 24 hours after it. */
const review = (overrides: Partial<MonitoredReview> = {}): MonitoredReview => ({
  id: 'rev-3', changeId: 'chg-7', classId: 'internal-mtls', accountable: 'person:carol', dueAt: '2027-03-02T09:00:00.000Z', status: 'open',
  ...overrides,
});
const reviewDue = instant('2027-03-02T09:00:00Z');

test('an open review is on time at the instant it is due, and overdue a millisecond after', () => {
  assert.equal(reviewOverdue(review(), reviewDue - 1), null);
  assert.equal(reviewOverdue(review(), reviewDue), null);
  assert.deepEqual(reviewOverdue(review(), reviewDue + 1), {
    type: 'review_overdue', target: 'review:rev-3', classId: 'internal-mtls', severity: 'high', stage: 'overdue',
    summary: 'the review of emergency change chg-7 by person:carol was due less than a minute ago (2027-03-02T09:00:00.000Z)',
    details: { dueAt: '2027-03-02T09:00:00.000Z', change: 'chg-7', accountable: 'person:carol' },
  });
  assert.equal(reviewOverdue(review(), reviewDue + 2 * 24 * hour)?.summary, 'the review of emergency change chg-7 by person:carol was due 2 days ago (2027-03-02T09:00:00.000Z)');
});

test('a review that is no longer open, or whose deadline is no instant, is never overdue', () => {
  for (const status of ['accepted', 'flagged']) assert.equal(reviewOverdue(review({ status }), reviewDue + 24 * hour), null, status);
  for (const dueAt of ['2027-13-45', '']) assert.equal(reviewOverdue(review({ dueAt }), reviewDue + 24 * hour), null, dueAt);
});

// denied_attempt

const sweepAt = instant('2027-03-10T12:00:00Z');
const window = 24 * hour;

const denial = (at: string, overrides: Partial<MonitoredDenial> = {}): MonitoredDenial => ({
  at, principal: 'person:gina', action: 'issue', resource: 'class:internal-mtls', classId: 'internal-mtls', reason: 'outside the delegation\'s change window',
  ...overrides,
});

const byTarget = (findings: readonly { target: string }[]) => [...findings].sort((a, b) => a.target.localeCompare(b.target));

test('denials are grouped by principal and class, one finding each, counting and naming the actions', () => {
  const findings = byTarget(deniedAttempts([
    denial('2027-03-10T08:00:00.000Z'),
    denial('2027-03-10T09:00:00.000Z', { action: 'renew' }),
    denial('2027-03-10T11:00:00.000Z', { resource: 'credential:cred-9', reason: 'no delegation covers revoke', action: 'revoke' }),
    denial('2027-03-10T10:00:00.000Z', { action: 'issue' }),
    denial('2027-03-10T07:00:00.000Z', { classId: 'payments-api-keys', resource: 'class:payments-api-keys' }),
    denial('2027-03-10T06:00:00.000Z', { principal: 'agent:deploy-bot', classId: null, action: 'tokens.create', resource: 'tokens', reason: 'not an administrator' }),
  ], sweepAt, window));
  assert.deepEqual(findings, [
    {
      type: 'denied_attempt', target: 'denied:agent:deploy-bot@-', classId: null, severity: 'warning', stage: 'denied',
      summary: 'agent:deploy-bot was denied once (tokens.create); last: not an administrator',
      details: { principal: 'agent:deploy-bot', count: 1, actions: ['tokens.create'], lastAt: '2027-03-10T06:00:00.000Z', lastResource: 'tokens' },
    },
    {
      type: 'denied_attempt', target: 'denied:person:gina@internal-mtls', classId: 'internal-mtls', severity: 'warning', stage: 'denied',
      summary: 'person:gina was denied 4 times (issue, renew, revoke) on class internal-mtls; last: no delegation covers revoke',
      details: { principal: 'person:gina', count: 4, actions: ['issue', 'renew', 'revoke'], lastAt: '2027-03-10T11:00:00.000Z', lastResource: 'credential:cred-9' },
    },
    {
      type: 'denied_attempt', target: 'denied:person:gina@payments-api-keys', classId: 'payments-api-keys', severity: 'warning', stage: 'denied',
      summary: 'person:gina was denied once (issue) on class payments-api-keys; last: outside the delegation\'s change window',
      details: { principal: 'person:gina', count: 1, actions: ['issue'], lastAt: '2027-03-10T07:00:00.000Z', lastResource: 'class:payments-api-keys' },
    },
  ]);
});

test('the look-back window is inclusive at both ends; older and future denials are ignored', () => {
  const count = (at: number): unknown => {
    const findings = deniedAttempts([denial(new Date(at).toISOString())], sweepAt, window);
    return findings.length === 0 ? 0 : findings[0]?.details['count'];
  };
  assert.equal(count(sweepAt - window - 1), 0, 'just before the window');
  assert.equal(count(sweepAt - window), 1, 'the window\'s first instant');
  assert.equal(count(sweepAt), 1, 'the sweep\'s own instant');
  assert.equal(count(sweepAt + 1), 0, 'in the future');
});

test('only the denials inside the window are counted, and the finding resolves once none is', () => {
  const denials = [denial('2027-03-08T12:00:00.000Z'), denial('2027-03-10T01:00:00.000Z'), denial('2027-03-10T13:00:00.000Z')];
  const [finding] = deniedAttempts(denials, sweepAt, window);
  assert.equal(finding?.details['count'], 1);
  assert.equal(finding?.details['lastAt'], '2027-03-10T01:00:00.000Z');
  assert.deepEqual(deniedAttempts(denials, instant('2027-03-11T13:00:00.001Z'), window), []);
  assert.deepEqual(deniedAttempts([], sweepAt, window), []);
});

test('a denial whose time is no instant is never counted', () => {
  assert.deepEqual(deniedAttempts([denial('2027-13-45'), denial('yesterday'), denial('')], sweepAt, window), []);
  const [finding] = deniedAttempts([denial('2027-13-45', { action: 'revoke' }), denial('2027-03-10T09:00:00.000Z')], sweepAt, window);
  assert.equal(finding?.details['count'], 1);
  assert.deepEqual(finding?.details['actions'], ['issue']);
  assert.equal(finding?.details['lastAt'], '2027-03-10T09:00:00.000Z');
});

test('the latest denial is the latest instant, whatever the offset or precision it is written in', () => {
  const at = instant('2027-01-01T12:00:00Z');
  // 11:00 at +02:00 is 09:00Z: written later, it happened an hour earlier.
  const offsets = [
    denial('2027-01-01T11:00:00+02:00', { action: 'renew', reason: 'written later', resource: 'credential:cred-2' }),
    denial('2027-01-01T10:00:00Z', { action: 'issue', reason: 'happened later', resource: 'credential:cred-1' }),
  ];
  for (const denials of [offsets, [...offsets].reverse()]) {
    const [finding] = deniedAttempts(denials, at, window);
    assert.equal(finding?.summary, 'person:gina was denied 2 times (issue, renew) on class internal-mtls; last: happened later');
    assert.equal(finding?.details['lastAt'], '2027-01-01T10:00:00Z');
    assert.equal(finding?.details['lastResource'], 'credential:cred-1');
  }
  // Without milliseconds, "…00Z" sorts after "…00.001Z" as text, yet is a millisecond earlier.
  const precisions = [denial('2027-01-01T10:00:00.001Z', { reason: 'a millisecond later' }), denial('2027-01-01T10:00:00Z', { reason: 'whole seconds' })];
  for (const denials of [precisions, [...precisions].reverse()]) {
    assert.equal(deniedAttempts(denials, at, window)[0]?.details['lastAt'], '2027-01-01T10:00:00.001Z');
  }
});
