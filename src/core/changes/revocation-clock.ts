// The revocation clock (DESIGN.md): trigger → revoked → published → verified, against the SLA. One
// definition, read by posture (M16), the evidence pack and the revocation_sla_breach alert, so that no
// two of them can judge the same revocation differently. Pure: the facts and the time come in.
//
// A revocation counts as done when it is verified (the independent step after execution), never when it
// is merely executed: the SLA is met when it was verified by its due time, missed when it was verified
// later or is still unverified past it, and open while unverified before it. A revocation rejected or
// cancelled did nothing, so it is withdrawn: its credentials' revocation is another change's to meet.
// When it was due is revocationDueAt (change-lifecycle.ts), fixed when the revocation was requested.

const hour = 3_600_000;
const day = 24 * hour;

/** How fast a revocation must be verified to meet CA/B BR §4.9.1.1: the benchmark of posture's M16. */
export const revocationWindowsMs = { keyCompromise: 24 * hour, otherTriggers: 5 * day } as const;

/** A revocation as its change records it. Times are ISO-8601 UTC; null when the step has not happened. */
export type RevocationFacts = {
  trigger: string | null;
  status: string;
  /** When it was triggered: the revocation's request. */
  requestedAt: string;
  /** The class SLA's deadline for its trigger (changes.due_at); null when the class sets none. */
  dueAt: string | null;
  /** When it was revoked: the execution succeeded. */
  executedAt: string | null;
  /** When a verifier passed or failed it; only a pass (status verified) ends the clock. */
  verifiedAt: string | null;
};

/** met, missed, open (see above); withdrawn: rejected or cancelled; no_sla: no deadline applies. */
export type SlaOutcome = 'met' | 'missed' | 'open' | 'withdrawn' | 'no_sla';

export type DeadlineJudgement = { dueAt: string | null; outcome: SlaOutcome; lateByMs: number | null };

export type RevocationClock = {
  triggeredAt: string;
  revokedAt: string | null;
  /** When a verifier passed it; null while unverified, or when the verification failed. */
  verifiedAt: string | null;
  /** Against the class's revocation SLA. */
  sla: DeadlineJudgement;
  /** Against CA/B BR §4.9.1.1 from the trigger: 24 hours for key compromise, 5 days for the other triggers; null without a trigger. */
  benchmark: (DeadlineJudgement & { window: 'keyCompromise' | 'otherTriggers' }) | null;
};

const withdrawnStatuses: ReadonlySet<string> = new Set(['rejected', 'cancelled']);

/** Whether a revocation with these facts did nothing and never will (rejected or cancelled). */
export const isWithdrawn = (facts: Pick<RevocationFacts, 'status'>): boolean => withdrawnStatuses.has(facts.status);

const passedAt = (facts: RevocationFacts): string | null => (facts.status === 'verified' ? facts.verifiedAt : null);

/** Met at the deadline itself, missed the moment after. */
const judge = (facts: RevocationFacts, dueAt: string | null, at: Date): DeadlineJudgement => {
  if (isWithdrawn(facts)) return { dueAt, outcome: 'withdrawn', lateByMs: null };
  if (dueAt === null) return { dueAt, outcome: 'no_sla', lateByMs: null };
  const verifiedAt = passedAt(facts);
  const due = Date.parse(dueAt);
  const done = verifiedAt === null ? at.getTime() : Date.parse(verifiedAt);
  if (done > due) return { dueAt, outcome: 'missed', lateByMs: done - due };
  return { dueAt, outcome: verifiedAt === null ? 'open' : 'met', lateByMs: null };
};

export const revocationClock = (facts: RevocationFacts, at: Date): RevocationClock => {
  const window = facts.trigger === null ? null : facts.trigger === 'key_compromise' ? 'keyCompromise' as const : 'otherTriggers' as const;
  return {
    triggeredAt: facts.requestedAt,
    revokedAt: facts.executedAt,
    verifiedAt: passedAt(facts),
    sla: judge(facts, facts.dueAt, at),
    benchmark: window === null ? null : {
      window, ...judge(facts, new Date(Date.parse(facts.requestedAt) + revocationWindowsMs[window]).toISOString(), at),
    },
  };
};

/** Deadlines of revocations: settled = met, or missed for good; open = not verified and still inside the deadline. */
export type DeadlineCounts = { settled: number; met: number; open: number };

export type RevocationDeadlineCounts = {
  /** Key-compromise revocations against 24 hours from trigger to verification. */
  keyCompromise: DeadlineCounts;
  /** Revocations with any other trigger, against 5 days. */
  otherTriggers: DeadlineCounts;
  /** Revocations with a deadline from their class's revocation SLA. */
  classSla: DeadlineCounts;
};

/** The counts posture's M16 and the evidence pack's summary both state, from the same clocks. */
export const countRevocationDeadlines = (clocks: readonly RevocationClock[]): RevocationDeadlineCounts => {
  const count = (judgements: readonly DeadlineJudgement[]): DeadlineCounts => ({
    settled: judgements.filter((judgement) => judgement.outcome === 'met' || judgement.outcome === 'missed').length,
    met: judgements.filter((judgement) => judgement.outcome === 'met').length,
    open: judgements.filter((judgement) => judgement.outcome === 'open').length,
  });
  const benchmarks = (window: 'keyCompromise' | 'otherTriggers') => clocks.flatMap((clock) => (clock.benchmark?.window === window ? [clock.benchmark] : []));
  return { keyCompromise: count(benchmarks('keyCompromise')), otherTriggers: count(benchmarks('otherTriggers')), classSla: count(clocks.map((clock) => clock.sla)) };
};
