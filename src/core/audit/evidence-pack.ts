// The evidence pack an auditor takes away: for a period, every change of trust state with who requested,
// approved, executed and verified it and whether those were different people; every revocation against
// its SLA; emergency invocations with their reviews; denied attempts. Every claim cites the audit entries
// it rests on, each with its inclusion proof against one signed checkpoint, so the pack can be checked
// offline (verifyEvidencePack) without trusting the server that made it. Pure: the server gathers the
// records and proofs; this file assembles, maps and checks.
import { openNote, parseCheckpoint } from './checkpoint.ts';
import type { NoteVerifierKey } from './checkpoint.ts';
import { entryLeafHash } from './audit-entry.ts';
import { verifyInclusion } from './merkle.ts';
import { separationRules, separationViolations } from '../changes/separation-of-duties.ts';
import type { Participant } from '../changes/separation-of-duties.ts';
import { countRevocationDeadlines, revocationClock } from '../changes/revocation-clock.ts';
import type { DeadlineJudgement, RevocationDeadlineCounts, SlaOutcome } from '../changes/revocation-clock.ts';
import { indexCrlListings, revocationPublication } from '../changes/revocation-publication.ts';
import type { CrlListing, Publication, RevokedCertificate } from '../changes/revocation-publication.ts';

export const evidenceFormat = 'trustplane-evidence/v1';

export type EvidenceEntry = { index: number; entry: string; proof: string[] };

/**
 * The person behind whoever took each duty, as the step's audit entry recorded it (a service account's
 * owner at that moment; the actor itself otherwise), in the order of requester, approvals, executor, verifier.
 */
export type PeopleBehindDuties = { requester: string | null; approvers: readonly string[]; executor: string | null; verifier: string | null };

export type ChangeRecord = {
  id: string; classId: string; action: string; status: string; reason: string; trigger: string | null;
  requester: string; requestedAt: string; approvals: readonly string[]; preApprovedBy: string | null;
  executor: string | null; executedAt: string | null; verifier: string | null; verifiedAt: string | null;
  dueAt: string | null; playbookId: string | null; credentialIds: readonly string[];
  /** The person behind each duty's principal, as its step's audit entry recorded it. */
  behind?: PeopleBehindDuties;
};
export type ReviewRecord = { id: string; changeId: string; playbookId: string; accountable: string; openedAt: string; dueAt: string; status: string; completedBy: string | null; completedAt: string | null; note: string | null };
export type DenialRecord = { at: string; principal: string; action: string; resource: string; code: string; reason: string; entry: number };

export type SeparationOfDuties = { met: boolean; detail: string };
/** One revocation on the revocation clock (core/changes/revocation-clock.ts), with its publication. */
export type RevocationEvidence = {
  changeId: string; classId: string; credentials: readonly string[]; trigger: string | null;
  triggeredAt: string; revokedAt: string | null;
  /** When CRLs Trustplane published named every serial it revoked; null otherwise (see publication). */
  publishedAt: string | null; publication: Publication;
  verifiedAt: string | null; dueAt: string | null;
  /** Against the class SLA; lateByMs when missed. */
  sla: SlaOutcome; lateByMs: number | null;
  /** Against CA/B BR §4.9.1.1 (24 hours for key compromise, 5 days otherwise), as posture's M16 judges it. */
  benchmark: (DeadlineJudgement & { window: 'keyCompromise' | 'otherTriggers' }) | null;
};
/** A credential as the inventory names it when the pack is made: not an audit entry, so verify checks only that the list is the credentials the entries cite. */
export type EvidenceCredential = { id: string; name: string; kind: string; classId: string | null; serial: string | null };
/** What is not done yet at the time the log signed the pack's checkpoint. */
export type PendingWork = {
  changes: { changeId: string; action: string; status: string; waitingFor: string }[];
  revocations: { changeId: string; state: Publication['state']; note: string }[];
  reviews: { reviewId: string; changeId: string; accountable: string; dueAt: string }[];
};

export type EvidencePack = {
  format: string;
  generatedAt: string;
  period: { from: string; to: string };
  classId: string | null;
  log: { origin: string; verifierKey: string; checkpoint: string };
  summary: {
    changes: number; separationOfDutiesMet: number; revocations: number; slaMet: number; slaMissed: number; slaOpen: number;
    /** Emergency playbook invocations: one per class a playbook run touched, whatever its action and trigger. */
    emergencies: number; reviewsOpen: number; denied: number;
    /** The revocations of the pack by trigger against the CA/B windows and by class SLA: what posture's M16 counts, for this period. */
    revocationDeadlines: RevocationDeadlineCounts;
    published: number; notPublishedByTrustplane: number;
    pendingChanges: number; pendingPublications: number;
  };
  credentials: EvidenceCredential[];
  changes: (ChangeRecord & { approvedAt: string | null; separationOfDuties: SeparationOfDuties; entries: number[] })[];
  revocations: (RevocationEvidence & { entries: number[] })[];
  emergencies: { changeId: string; playbookId: string; action: string; trigger: string | null; invokedBy: string; at: string; review: ReviewRecord | null; entries: number[] }[];
  denied: DenialRecord[];
  pending: PendingWork;
  /** The rules each change is judged by (separation-of-duties.ts), as Cedar enforces them, in words. */
  separationRules: { id: string; rule: string }[];
  frameworks: { framework: string; id: string; title: string; shownBy: string }[];
  entries: EvidenceEntry[];
};

/**
 * Separation of duties as Trustplane enforces it, by the rules of separation-of-duties.ts that Cedar's
 * built-in policies and posture's M15 are made from: the people behind the principals (a service account
 * or agent counts as its owner, as recorded in each step's audit entry) never hold two duties the rules
 * keep apart. A requester may execute. An emergency's approval is its playbook's pre-authorisation,
 * reviewed afterwards by the accountable person.
 */
/** What the pack states it judged each change by: the same rules Cedar's built-in policies are made from. */
export const separationRulesInWords: EvidencePack['separationRules'] = [
  ...separationRules.map((rule) => ({ id: `sod.${rule.id}`, rule: rule.because })),
  { id: 'people', rule: 'principals are compared by the people behind them: a service account or agent counts as its owner when it took its step' },
  { id: 'requester-executes', rule: 'the requester of a change may execute it' },
];

export const separationOfDuties = (change: ChangeRecord): SeparationOfDuties => {
  const behind = change.behind;
  const participant = (ref: string, person: string | null | undefined): Participant => ({ ref, person: person ?? ref });
  const participants = {
    requester: participant(change.requester, behind?.requester),
    approvers: change.approvals.map((ref, index) => participant(ref, behind?.approvers[index])),
    executor: change.executor === null ? null : participant(change.executor, behind?.executor),
    verifier: change.verifier === null ? null : participant(change.verifier, behind?.verifier),
  };
  const violations = separationViolations(participants);
  if (violations.length > 0) return { met: false, detail: violations.map((violation) => violation.detail).join('; ') };
  const named = ({ ref, person }: Participant): string => (person === ref ? ref : `${ref} (${person}'s)`);
  const approval = participants.approvers.length === 0 ? 'not approved yet' : `approved by ${participants.approvers.map(named).join(', ')}`;
  return {
    met: true,
    detail: `requested by ${named(participants.requester)}; ${approval}; ${participants.executor === null ? 'not executed yet' : `executed by ${named(participants.executor)}`}; ${participants.verifier === null ? 'not verified yet' : `verified by ${named(participants.verifier)}`}`,
  };
};

type AuditEntryView = { index: number; action: string; actor: string; target: string; at: string; details: Record<string, unknown> };
const readEntry = (entry: EvidenceEntry): AuditEntryView => ({ ...(JSON.parse(entry.entry) as Omit<AuditEntryView, 'index'>), index: entry.index });

/** An entry about a change: one of its steps, or the playbook invocation that requested, approved and executed it in one go. */
const isAbout = (entry: AuditEntryView, changeId: string): boolean =>
  entry.target === `change:${changeId}` || (entry.action === 'playbook.invoke' && entry.details.change === changeId);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The certificates an execution revoked at Trustplane's CAs, as the built-in CA connector's evidence lists them. */
const revokedCertificates = (evidence: unknown): RevokedCertificate[] => {
  const revoked = (evidence as { revoked?: unknown } | null | undefined)?.revoked;
  if (!Array.isArray(revoked)) return [];
  return revoked.flatMap((entry: { ca?: unknown; serial?: unknown } | null) => (typeof entry?.ca === 'string' && typeof entry.serial === 'string' ? [{ ca: entry.ca, serial: entry.serial }] : []));
};

/** What each CRL named first, from its crl.publish entry. */
const crlListingOf = (entry: AuditEntryView): CrlListing => ({
  ca: entry.target.replace(/^ca:/, ''), crlNumber: Number(entry.details.crlNumber), at: entry.at, entry: entry.index,
  serials: Array.isArray(entry.details.firstListed) ? entry.details.firstListed.filter((serial): serial is string => typeof serial === 'string') : [],
});

/**
 * Who did each step of a change and when, read from its audit entries alone: what the pack states, and
 * what a verifier recomputes. The log's entry for each step is the record; the change's row is not.
 */
/** The person behind a step's actor, as its entry recorded it: itself unless it stood for someone else. */
const personOfEntry = (entry: AuditEntryView): string => text(entry.details.person) ?? entry.actor;

export const stepsFromEntries = (changeId: string, entries: readonly AuditEntryView[]) => {
  const own = entries.filter((entry) => isAbout(entry, changeId)).sort((a, b) => a.index - b.index);
  const first = (action: string) => own.find((entry) => entry.action === action);
  const invoked = first('playbook.invoke');
  const requested = first('change.request') ?? invoked;
  const approvals = own.filter((entry) => entry.action === 'change.approve');
  const executing = first('change.execute') ?? invoked;
  const executed = own.find((entry) => entry.action === 'change.executed');
  const verified = own.find((entry) => entry.action === 'change.verify');
  const last = own.filter((entry) => typeof entry.details.status === 'string').at(-1);
  const credentials = requested?.details.credentials;
  return {
    classId: text(requested?.details.classId),
    action: text(requested?.details.action),
    credentialIds: Array.isArray(credentials) ? credentials.map(String) : null,
    requester: requested?.actor ?? null,
    requestedAt: requested?.at ?? null,
    trigger: text(requested?.details.trigger),
    dueAt: text(requested?.details.dueAt),
    approvals: invoked === undefined ? approvals.map((entry) => entry.actor) : [invoked.target],
    approvedAt: (invoked === undefined ? approvals.at(-1)?.at : invoked.at) ?? null,
    executor: executing?.actor ?? null,
    executedAt: executed?.at ?? null,
    verifier: verified?.actor ?? null,
    verifiedAt: verified?.at ?? null,
    status: text(last?.details.status),
    playbookId: invoked === undefined ? null : invoked.target.replace(/^playbook:/, ''),
    behind: {
      requester: requested === undefined ? null : personOfEntry(requested),
      approvers: invoked === undefined ? approvals.map(personOfEntry) : [invoked.target],
      executor: executing === undefined ? null : personOfEntry(executing),
      verifier: verified === undefined ? null : personOfEntry(verified),
    } satisfies PeopleBehindDuties,
    connector: text(first('change.execute')?.details.connector) ?? text(invoked?.details.connector),
    revoked: revokedCertificates(executed?.details.evidence),
    entries: own.map((entry) => entry.index),
  };
};

/**
 * What the pack proves, by framework identifier (../shared/reference/frameworks.md §8): which section of
 * the pack is the evidence for each.
 */
export const frameworkMapping: EvidencePack['frameworks'] = [
  { framework: 'OWASP NHI Top 10 (2025)', id: 'NHI5:2025', title: 'Overprivileged NHI', shownBy: 'Changes: request, approval, execution and verification by different principals, decided by policy' },
  { framework: 'OWASP NHI Top 10 (2025)', id: 'NHI10:2025', title: 'Human Use of NHI', shownBy: 'Changes and denied attempts: every use of authority over a credential is attributed to a named principal' },
  { framework: 'OWASP NHI Top 10 (2025)', id: 'NHI2:2025', title: 'Secret Leakage', shownBy: 'Revocations: compromised credentials revoked, with trigger, times and SLA' },
  { framework: 'OWASP NHI Top 10 (2025)', id: 'NHI3:2025', title: 'Vulnerable Third-Party NHI', shownBy: 'Changes executed by partners inside delegations; emergency revocations that need no partner' },
  { framework: 'OWASP NHI Top 10 (2025)', id: 'NHI1:2025', title: 'Improper Offboarding', shownBy: 'Revocations with triggers owner_departed, partner_offboarded, workload_decommissioned' },
  { framework: 'NIST CSF 2.0', id: 'PR.AA-05', title: 'Permissions enforced with least privilege and separation of duties', shownBy: 'Changes: the separation-of-duties outcome of each' },
  { framework: 'NIST CSF 2.0', id: 'GV.RR-02', title: 'Roles, responsibilities and authorities are set and enforced', shownBy: 'Changes and denied attempts' },
  { framework: 'NIST CSF 2.0', id: 'PR.PS-04', title: 'Log records are generated and made available', shownBy: 'Every cited audit entry, with its inclusion proof' },
  { framework: 'NIST CSF 2.0', id: 'RS.AN-06', title: 'Investigation actions recorded with integrity and provenance', shownBy: 'The signed checkpoint and the inclusion proofs' },
  { framework: 'NIST CSF 2.0', id: 'RS.AN-07', title: 'Incident data collected with integrity and provenance', shownBy: 'This pack, verifiable offline' },
  { framework: 'NIST CSF 2.0', id: 'RS.MI-01', title: 'Incidents are contained', shownBy: 'Revocations and emergency invocations, against their SLA' },
  { framework: 'NIST CSF 2.0', id: 'GV.SC-08', title: 'Suppliers take part in incident response', shownBy: 'Emergency invocations and their reviews' },
  { framework: 'NIST AI RMF 1.0', id: 'GOVERN 3.2', title: 'Roles for human-AI configurations and oversight are differentiated', shownBy: 'Changes: approval by people apart from execution' },
  { framework: 'NIST AI RMF 1.0', id: 'MAP 3.5', title: 'Human-oversight processes are defined and documented', shownBy: 'Changes: approvals; emergencies: reviews by the accountable person' },
  { framework: 'NIST AI RMF 1.0', id: 'GOVERN 6.2', title: 'Contingency processes for third-party incidents', shownBy: 'Emergency invocations and revocations' },
  { framework: 'NIST AI RMF 1.0', id: 'MANAGE 2.4', title: 'Mechanisms to supersede, disengage or deactivate', shownBy: 'Revocations' },
  { framework: 'NIST AI RMF 1.0', id: 'MEASURE 2.8', title: 'Transparency and accountability examined and documented', shownBy: 'The audit entries behind every claim' },
];

export type EvidenceInput = {
  generatedAt: Date;
  period: { from: Date; to: Date };
  classId: string | null;
  log: { origin: string; verifierKey: string; checkpoint: string };
  /** The changes requested in the period: which ones the pack covers, their class, action, reason and credentials. */
  changes: readonly ChangeRecord[];
  /** The credentials those changes name, as the inventory names them. */
  credentials: readonly EvidenceCredential[];
  /** Every audit entry about those changes and their reviews, the CRL publications and the denials of the period, with proofs. */
  entries: readonly EvidenceEntry[];
};

/** What a change still waits for, in words; null once it has ended. */
const waitingFor = (status: string): string | null => {
  switch (status) {
    case 'requested': return 'approval';
    case 'approved': return 'execution';
    case 'executing': return 'the end of its execution';
    case 'executed': return 'verification';
    default: return null;
  }
};

/** The pack's sections from the change list and the cited entries; build and verify both call it, so they agree by construction. */
const derive = (input: { generatedAt: Date; period: { from: Date; to: Date }; classId: string | null; changes: readonly ChangeRecord[]; views: readonly AuditEntryView[] }) => {
  const { views } = input;
  const listings = indexCrlListings(views.filter((entry) => entry.action === 'crl.publish').map(crlListingOf));
  const changeIds = new Set(input.changes.map((change) => change.id));
  const changes = input.changes.map((change) => {
    const steps = stepsFromEntries(change.id, views);
    const record: ChangeRecord = {
      id: change.id, classId: steps.classId ?? change.classId, action: steps.action ?? change.action, status: steps.status ?? change.status, reason: change.reason, trigger: steps.trigger,
      requester: steps.requester ?? change.requester, requestedAt: steps.requestedAt ?? change.requestedAt, approvals: steps.approvals, preApprovedBy: change.preApprovedBy,
      executor: steps.executor, executedAt: steps.executedAt, verifier: steps.verifier, verifiedAt: steps.verifiedAt,
      dueAt: steps.dueAt, playbookId: steps.playbookId, credentialIds: steps.credentialIds ?? [...change.credentialIds], behind: steps.behind,
    };
    return { ...record, approvedAt: steps.approvedAt, separationOfDuties: separationOfDuties(record), entries: steps.entries, revoked: steps.revoked, connector: steps.connector };
  });
  const revocations = changes.filter((change) => change.action === 'revoke').map((change) => {
    const clock = revocationClock(change, input.generatedAt);
    const publication = revocationPublication({ revokedAt: change.executedAt, revoked: change.revoked, connector: change.connector }, listings);
    const crlEntries = publication.state === 'published' ? publication.crls.map((crl) => crl.entry) : [];
    return {
      changeId: change.id, classId: change.classId, credentials: change.credentialIds, trigger: change.trigger,
      triggeredAt: clock.triggeredAt, revokedAt: clock.revokedAt, publishedAt: publication.state === 'published' ? publication.at : null, publication,
      verifiedAt: clock.verifiedAt, dueAt: change.dueAt, sla: clock.sla.outcome, lateByMs: clock.sla.lateByMs, benchmark: clock.benchmark,
      entries: [...change.entries, ...crlEntries], clock,
    };
  });
  const emergencies = changes.filter((change) => change.playbookId !== null).map((change) => {
    const invoked = views.find((entry) => entry.action === 'playbook.invoke' && entry.details.change === change.id);
    const reviewId = text(invoked?.details.review);
    const completed = reviewId === null ? undefined : views.find((entry) => entry.action === 'review.complete' && entry.target === `review:${reviewId}`);
    const review: ReviewRecord | null = reviewId === null ? null : {
      id: reviewId, changeId: change.id, playbookId: change.playbookId as string, accountable: text(invoked?.details.accountable) ?? '', openedAt: invoked?.at ?? '',
      dueAt: text(invoked?.details.reviewDueAt) ?? '', status: completed === undefined ? 'open' : text(completed.details.outcome) ?? 'completed',
      completedBy: completed?.actor ?? null, completedAt: completed?.at ?? null, note: text(completed?.details.note),
    };
    return {
      changeId: change.id, playbookId: change.playbookId as string, action: change.action, trigger: change.trigger, invokedBy: change.requester, at: change.requestedAt, review,
      entries: [...change.entries, ...(completed === undefined ? [] : [completed.index])],
    };
  });
  const [from, to] = [input.period.from.toISOString(), input.period.to.toISOString()];
  const deniedEntries = views.filter((entry) => entry.action === 'authz.denied' && entry.at >= from && entry.at < to
    && (input.classId === null || entry.details.classId === input.classId || changeIds.has(entry.target.replace(/^change:/, ''))));
  const denied = deniedEntries.map((entry) => ({ at: entry.at, principal: entry.actor, action: text(entry.details.action) ?? '', resource: entry.target, code: text(entry.details.code) ?? '', reason: text(entry.details.reason) ?? '', entry: entry.index }));
  const pending: PendingWork = {
    changes: changes.flatMap((change) => {
      const waiting = waitingFor(change.status);
      return waiting === null ? [] : [{ changeId: change.id, action: change.action, status: change.status, waitingFor: waiting }];
    }),
    revocations: revocations.filter((revocation) => revocation.sla !== 'withdrawn' && (revocation.publication.state === 'pending' || revocation.publication.state === 'not_revoked'))
      .map((revocation) => ({ changeId: revocation.changeId, state: revocation.publication.state, note: revocation.publication.note })),
    reviews: emergencies.flatMap((emergency) => (emergency.review?.status === 'open'
      ? [{ reviewId: emergency.review.id, changeId: emergency.changeId, accountable: emergency.review.accountable, dueAt: emergency.review.dueAt }] : [])),
  };
  return {
    changes: changes.map(({ revoked: _revoked, connector: _connector, ...change }) => change),
    revocations: revocations.map(({ clock: _clock, ...revocation }) => revocation),
    emergencies,
    denied,
    pending,
    summary: {
      changes: changes.length,
      separationOfDutiesMet: changes.filter((change) => change.separationOfDuties.met).length,
      revocations: revocations.length,
      slaMet: revocations.filter((entry) => entry.sla === 'met').length,
      slaMissed: revocations.filter((entry) => entry.sla === 'missed').length,
      slaOpen: revocations.filter((entry) => entry.sla === 'open').length,
      emergencies: emergencies.length,
      reviewsOpen: pending.reviews.length,
      denied: denied.length,
      revocationDeadlines: countRevocationDeadlines(revocations.map((entry) => entry.clock)),
      published: revocations.filter((entry) => entry.publication.state === 'published').length,
      notPublishedByTrustplane: revocations.filter((entry) => entry.publication.state === 'not_published_by_trustplane').length,
      pendingChanges: pending.changes.length,
      pendingPublications: pending.revocations.length,
    },
  };
};

/** The credentials the changes cite, named as the inventory names them, in id order; one the inventory lacks is named by its id. */
const citedCredentials = (credentials: readonly EvidenceCredential[], changes: readonly { credentialIds: readonly string[] }[]): EvidenceCredential[] => {
  const known = new Map(credentials.map((credential) => [credential.id, credential]));
  return [...new Set(changes.flatMap((change) => change.credentialIds))].sort()
    .map((id) => known.get(id) ?? { id, name: id, kind: 'unknown', classId: null, serial: null });
};

export const buildEvidencePack = (input: EvidenceInput): EvidencePack => {
  const views = input.entries.map(readEntry);
  const derived = derive({ ...input, views });
  const cited = new Set([...derived.changes, ...derived.revocations, ...derived.emergencies].flatMap((item) => item.entries).concat(derived.denied.map((entry) => entry.entry)));
  return {
    format: evidenceFormat,
    generatedAt: input.generatedAt.toISOString(),
    period: { from: input.period.from.toISOString(), to: input.period.to.toISOString() },
    classId: input.classId,
    log: input.log,
    summary: derived.summary,
    credentials: citedCredentials(input.credentials, derived.changes),
    changes: derived.changes,
    revocations: derived.revocations,
    emergencies: derived.emergencies,
    denied: derived.denied,
    pending: derived.pending,
    separationRules: separationRulesInWords,
    frameworks: frameworkMapping,
    entries: input.entries.filter((entry) => cited.has(entry.index)),
  };
};

export type EvidenceReport = { ok: boolean; checkpointSize: number | null; entriesVerified: number; problems: string[] };

/** Why a parsed document is not an evidence pack's shape; null when it is. */
export const evidenceShapeProblem = (pack: unknown): string | null => {
  const candidate = pack as Partial<EvidencePack> | null;
  if (candidate === null || typeof candidate !== 'object') return 'it carries no evidence pack';
  if (candidate.format !== evidenceFormat) return `it is not an evidence pack (format ${String(candidate.format).slice(0, 40)})`;
  if (typeof candidate.log?.checkpoint !== 'string' || !Array.isArray(candidate.entries) || !Array.isArray(candidate.changes)) return 'the pack lacks its checkpoint, entries or changes';
  if (candidate.entries.some((entry) => !Number.isSafeInteger(entry?.index) || typeof entry.entry !== 'string' || !Array.isArray(entry.proof))) return 'an entry of the pack is not { index, entry, proof }';
  if (candidate.changes.some((change) => typeof change?.id !== 'string')) return 'a change of the pack has no id';
  return null;
};

/**
 * Checks a pack offline: the checkpoint carries the log key's signature and names the log; every cited
 * entry is in the log it signed (its inclusion proof leads to the root); and every section (who did each
 * step and when, separation of duties, revocations and their SLA, emergencies and reviews, denials, the
 * summary) is exactly what those entries say, recomputed here.
 */
export const verifyEvidencePack = (pack: EvidencePack, key: NoteVerifierKey): EvidenceReport => {
  const shape = evidenceShapeProblem(pack);
  if (shape !== null) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [shape] };
  const opened = openNote(pack.log.checkpoint, key);
  if (!opened.ok) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [`the pack's checkpoint: ${opened.problem}`] };
  const checkpoint = parseCheckpoint(opened.text);
  if ('problem' in checkpoint) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [`the pack's checkpoint: ${checkpoint.problem}`] };
  const problems: string[] = [];
  if (checkpoint.origin !== key.name) problems.push(`the pack's checkpoint names the log ${checkpoint.origin}, not ${key.name}`);
  const views: AuditEntryView[] = [];
  for (const entry of pack.entries) {
    const proof = entry.proof.map((hash) => Uint8Array.from(Buffer.from(String(hash), 'base64')));
    if (!verifyInclusion(entry.index, checkpoint.size, entryLeafHash(entry.entry), proof, checkpoint.root)) {
      problems.push(`audit entry ${entry.index} is not in the log the checkpoint signed: its content or proof was altered`);
      continue;
    }
    const view = readEntry(entry);
    if ((JSON.parse(entry.entry) as { index?: unknown }).index !== entry.index) problems.push(`audit entry ${entry.index} says it is another entry`);
    views.push(view);
  }
  // The SLA of a revocation still open is judged at the time the log signed the checkpoint.
  const recomputed = derive({
    generatedAt: checkpoint.time ?? new Date(pack.generatedAt), period: { from: new Date(pack.period.from), to: new Date(pack.period.to) }, classId: pack.classId,
    changes: pack.changes, views,
  });
  const same = (what: string, claimed: unknown, derived: unknown) => {
    if (JSON.stringify(claimed) !== JSON.stringify(derived)) problems.push(`${what}: the pack says ${JSON.stringify(claimed).slice(0, 200)}, its audit entries say ${JSON.stringify(derived).slice(0, 200)}`);
  };
  recomputed.changes.forEach((change, at) => {
    const claimed = pack.changes[at]!;
    for (const field of ['classId', 'action', 'credentialIds', 'requester', 'requestedAt', 'approvals', 'approvedAt', 'executor', 'executedAt', 'verifier', 'verifiedAt', 'trigger', 'dueAt', 'status', 'playbookId', 'behind', 'separationOfDuties', 'entries'] as const) {
      same(`change ${change.id}, ${field}`, claimed[field], change[field]);
    }
    if (change.requestedAt < pack.period.from || change.requestedAt >= pack.period.to) problems.push(`change ${change.id} was requested ${change.requestedAt}, outside the pack's period`);
  });
  same('the revocations', pack.revocations, recomputed.revocations);
  same('the emergencies and their reviews', pack.emergencies, recomputed.emergencies);
  same('the denied attempts', pack.denied, recomputed.denied);
  same('what is pending', pack.pending, recomputed.pending);
  same('the credentials named', (pack.credentials ?? []).map((credential) => credential.id), [...new Set(recomputed.changes.flatMap((change) => change.credentialIds))].sort());
  same('the summary', pack.summary, recomputed.summary);
  same('the rules of separation of duties', pack.separationRules, separationRulesInWords);
  same('the framework mapping', pack.frameworks, frameworkMapping);
  return { ok: problems.length === 0, checkpointSize: checkpoint.size, entriesVerified: views.length, problems };
};
