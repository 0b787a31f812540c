// The rules over what people and partners did: revocations still not verified past their SLA, emergency
// reviews past their deadline, and attempts Cedar denied.
import type { Finding } from './alert-vocabulary.ts';
import { describeSpan } from './credential-rules.ts';
import { revocationClock } from '../changes/revocation-clock.ts';

export type MonitoredChange = { id: string; classId: string; action: string; status: string; trigger: string | null; dueAt: string | null; requestedAt: string; credentialIds: readonly string[] };
export type MonitoredReview = { id: string; changeId: string; classId: string; accountable: string; dueAt: string; status: string };
export type MonitoredDenial = { at: string; principal: string; action: string; resource: string; classId: string | null; reason: string };

/**
 * A revocation past its class SLA and not verified, as the revocation clock judges it (the same
 * judgement posture and the evidence pack state): met at the deadline itself, breached the moment after.
 */
export const revocationSlaBreach = (change: MonitoredChange, at: number): Finding | null => {
  const clock = revocationClock({ ...change, executedAt: null, verifiedAt: null }, new Date(at));
  if (clock.sla.outcome !== 'missed' || change.status === 'verified' || clock.sla.lateByMs === null) return null;
  const late = clock.sla.lateByMs;
  return {
    type: 'revocation_sla_breach', target: `change:${change.id}`, classId: change.classId, severity: 'critical', stage: 'breached',
    summary: `the ${change.action} of change ${change.id}${change.trigger === null ? '' : ` (${change.trigger})`} was due ${describeSpan(late)} ago (${change.dueAt}) and is not verified (status: ${change.status})`,
    details: { dueAt: change.dueAt, status: change.status, trigger: change.trigger, credentials: change.credentialIds, lateByMs: late },
  };
};

export const reviewOverdue = (review: MonitoredReview, at: number): Finding | null => {
  if (review.status !== 'open') return null;
  const late = at - Date.parse(review.dueAt);
  if (!(late > 0)) return null;
  return {
    type: 'review_overdue', target: `review:${review.id}`, classId: review.classId, severity: 'high', stage: 'overdue',
    summary: `the review of emergency change ${review.changeId} by ${review.accountable} was due ${describeSpan(late)} ago (${review.dueAt})`,
    details: { dueAt: review.dueAt, change: review.changeId, accountable: review.accountable },
  };
};

/**
 * Denials inside the look-back window, one finding per principal and class (so a partner hammering a
 * class raises one alert, whose count grows). It resolves once the window holds no denial.
 */
export const deniedAttempts = (denials: readonly MonitoredDenial[], at: number, windowMs: number): Finding[] => {
  const groups = new Map<string, MonitoredDenial[]>();
  for (const denial of denials) {
    const deniedAt = Date.parse(denial.at);
    if (!(at - deniedAt <= windowMs) || deniedAt > at) continue;
    const key = `${denial.principal}@${denial.classId ?? '-'}`;
    groups.set(key, [...groups.get(key) ?? [], denial]);
  }
  return [...groups].map(([key, group]) => {
    const latest = group.reduce((a, b) => (Date.parse(a.at) >= Date.parse(b.at) ? a : b));
    const actions = [...new Set(group.map((denial) => denial.action))].sort();
    return {
      type: 'denied_attempt' as const, target: `denied:${key}`, classId: latest.classId, severity: 'warning' as const, stage: 'denied',
      summary: `${latest.principal} was denied ${group.length === 1 ? 'once' : `${group.length} times`} (${actions.join(', ')})${latest.classId === null ? '' : ` on class ${latest.classId}`}; last: ${latest.reason}`,
      details: { principal: latest.principal, count: group.length, actions, lastAt: latest.at, lastResource: latest.resource },
    };
  });
};
