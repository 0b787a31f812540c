// The words of monitoring (DESIGN.md, Domain language: alert): what an alert can be about, how severe it
// is, and the states it moves through.

export const alertTypes = [
  'expiring', 'expired', 'rotation_overdue', 'orphaned', 'unmanaged_storage', 'third_party_exposure',
  'weak_crypto', 'revocation_sla_breach', 'review_overdue', 'denied_attempt',
] as const;
export type AlertType = (typeof alertTypes)[number];

/** Least to most severe: the order alerts sort and digests group in. */
export const severities = ['info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export const alertStates = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof alertStates)[number];

export const severityRank = (severity: Severity): number => severities.indexOf(severity);

/**
 * A condition a rule found at one moment. The sweep turns findings into alerts: one alert per type and
 * target while the condition lasts, resolved when a sweep no longer finds it.
 */
export type Finding = {
  type: AlertType;
  /** What it is about: credential:ID, change:ID, review:ID, or denied:PRINCIPAL@CLASS. */
  target: string;
  classId: string | null;
  severity: Severity;
  /** The window the finding is in ("30d", "7d", "overdue", …); moving to another notifies again. */
  stage: string;
  /** One line in plain words. */
  summary: string;
  details: Record<string, unknown>;
};
