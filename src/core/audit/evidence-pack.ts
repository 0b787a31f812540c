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

export const evidenceFormat = 'trustplane-evidence/v1';

export type EvidenceEntry = { index: number; entry: string; proof: string[] };

export type ChangeRecord = {
  id: string; classId: string; action: string; status: string; reason: string; trigger: string | null;
  requester: string; requestedAt: string; approvals: readonly string[]; preApprovedBy: string | null;
  executor: string | null; executedAt: string | null; verifier: string | null; verifiedAt: string | null;
  dueAt: string | null; playbookId: string | null; credentialIds: readonly string[];
};
export type ReviewRecord = { id: string; changeId: string; playbookId: string; accountable: string; openedAt: string; dueAt: string; status: string; completedBy: string | null; completedAt: string | null; note: string | null };
export type DenialRecord = { at: string; principal: string; action: string; resource: string; code: string; reason: string };

export type SeparationOfDuties = { met: boolean; detail: string };
export type RevocationEvidence = {
  changeId: string; classId: string; credentials: readonly string[]; trigger: string | null;
  triggeredAt: string; revokedAt: string | null; publishedAt: string | null; verifiedAt: string | null; dueAt: string | null;
  sla: 'met' | 'missed' | 'open';
};

export type EvidencePack = {
  format: string;
  generatedAt: string;
  period: { from: string; to: string };
  classId: string | null;
  log: { origin: string; verifierKey: string; checkpoint: string };
  summary: { changes: number; separationOfDutiesMet: number; revocations: number; slaMet: number; slaMissed: number; slaOpen: number; emergencies: number; reviewsOpen: number; denied: number };
  changes: (ChangeRecord & { approvedAt: string | null; separationOfDuties: SeparationOfDuties; entries: number[] })[];
  revocations: (RevocationEvidence & { entries: number[] })[];
  emergencies: { changeId: string; playbookId: string; invokedBy: string; at: string; review: ReviewRecord | null; entries: number[] }[];
  denied: DenialRecord[];
  frameworks: { framework: string; id: string; title: string; shownBy: string }[];
  entries: EvidenceEntry[];
};

/** Who did each step: requester, approvers, executor and verifier must be different people (a pre-approval or playbook stands in for approvers). */
export const separationOfDuties = (change: ChangeRecord): SeparationOfDuties => {
  const people: [string, string][] = [['requester', change.requester], ...change.approvals.map((who): [string, string] => ['approver', who])];
  if (change.executor !== null) people.push(['executor', change.executor]);
  if (change.verifier !== null) people.push(['verifier', change.verifier]);
  const seen = new Map<string, string>();
  for (const [role, who] of people) {
    const earlier = seen.get(who);
    // The system principal approving a pre-approved standard change is not a person doing two steps.
    if (earlier !== undefined && !who.startsWith('system:')) return { met: false, detail: `${who} was both ${earlier} and ${role}` };
    seen.set(who, role);
  }
  if (change.executor === null) return { met: true, detail: 'not executed yet: no step was done twice so far' };
  return { met: true, detail: `${people.length} steps by ${seen.size} different principals${change.preApprovedBy === null ? '' : ` (pre-approved by ${change.preApprovedBy})`}` };
};

type AuditEntryView = { index: number; action: string; actor: string; target: string; at: string; details: Record<string, unknown> };
const readEntry = (entry: EvidenceEntry): AuditEntryView => ({ ...(JSON.parse(entry.entry) as Omit<AuditEntryView, 'index'>), index: entry.index });

/** An entry about a change: one of its steps, or the playbook invocation that requested, approved and executed it in one go. */
const isAbout = (entry: AuditEntryView, changeId: string): boolean =>
  entry.target === `change:${changeId}` || (entry.action === 'playbook.invoke' && entry.details.change === changeId);

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

/** When the SLA is judged: the revocation is verified (or, unverified, executed) by its due time; `at` is now. */
const slaOf = (change: ChangeRecord, at: Date): RevocationEvidence['sla'] => {
  if (change.dueAt === null) return change.executedAt === null ? 'open' : 'met';
  const done = change.verifiedAt ?? change.executedAt;
  if (done === null) return Date.parse(change.dueAt) < at.getTime() ? 'missed' : 'open';
  return Date.parse(done) <= Date.parse(change.dueAt) ? 'met' : 'missed';
};

export type EvidenceInput = {
  generatedAt: Date;
  period: { from: Date; to: Date };
  classId: string | null;
  log: { origin: string; verifierKey: string; checkpoint: string };
  changes: readonly ChangeRecord[];
  reviews: readonly ReviewRecord[];
  denied: readonly DenialRecord[];
  /** Every audit entry about the changes (target change:ID) and the CRL publications, with proofs. */
  entries: readonly EvidenceEntry[];
};

/** Only what the pack states about a change (a change's specification, with its CSRs, stays out). */
const recordOf = (change: ChangeRecord): ChangeRecord => ({
  id: change.id, classId: change.classId, action: change.action, status: change.status, reason: change.reason, trigger: change.trigger,
  requester: change.requester, requestedAt: change.requestedAt, approvals: [...change.approvals], preApprovedBy: change.preApprovedBy,
  executor: change.executor, executedAt: change.executedAt, verifier: change.verifier, verifiedAt: change.verifiedAt,
  dueAt: change.dueAt, playbookId: change.playbookId, credentialIds: [...change.credentialIds],
});

export const buildEvidencePack = (input: EvidenceInput): EvidencePack => {
  const views = input.entries.map(readEntry);
  const about = (changeId: string) => views.filter((entry) => isAbout(entry, changeId));
  const approvedAt = (changeId: string) => about(changeId).filter((entry) => entry.action === 'change.approve').map((entry) => entry.at).sort().at(-1) ?? null;
  // A revocation is published by the first CRL signed, after it was executed, by a CA whose certificates it revoked.
  const publications = views.filter((entry) => entry.action === 'crl.publish');
  const publishedAfter = (executedAt: string | null, changeEntries: readonly AuditEntryView[]): AuditEntryView | null => {
    if (executedAt === null) return null;
    const revoked = changeEntries.find((entry) => entry.action === 'change.executed')?.details.evidence as { revoked?: { ca: string }[] } | undefined;
    const cas = new Set((revoked?.revoked ?? []).map((entry) => entry.ca));
    return publications.filter((entry) => entry.at >= executedAt && (cas.size === 0 || cas.has(String(entry.target).replace(/^ca:/, '')))).sort((a, b) => a.at.localeCompare(b.at))[0] ?? null;
  };

  const changes = input.changes.map(recordOf).map((change) => ({ ...change, approvedAt: approvedAt(change.id), separationOfDuties: separationOfDuties(change), entries: about(change.id).map((entry) => entry.index) }));
  const revocations = input.changes.filter((change) => change.action === 'revoke').map((change) => {
    const published = publishedAfter(change.executedAt, about(change.id));
    return {
      changeId: change.id, classId: change.classId, credentials: change.credentialIds, trigger: change.trigger,
      triggeredAt: change.requestedAt, revokedAt: change.executedAt, publishedAt: published?.at ?? null, verifiedAt: change.verifiedAt, dueAt: change.dueAt,
      sla: slaOf(change, input.generatedAt), entries: [...about(change.id).map((entry) => entry.index), ...(published === null ? [] : [published.index])],
    };
  });
  const emergencies = input.changes.filter((change) => change.playbookId !== null).map((change) => ({
    changeId: change.id, playbookId: change.playbookId as string, invokedBy: change.requester, at: change.requestedAt,
    review: input.reviews.find((review) => review.changeId === change.id) ?? null, entries: about(change.id).map((entry) => entry.index),
  }));
  const cited = new Set([...changes, ...revocations, ...emergencies].flatMap((item) => item.entries));
  return {
    format: evidenceFormat,
    generatedAt: input.generatedAt.toISOString(),
    period: { from: input.period.from.toISOString(), to: input.period.to.toISOString() },
    classId: input.classId,
    log: input.log,
    summary: {
      changes: changes.length,
      separationOfDutiesMet: changes.filter((change) => change.separationOfDuties.met).length,
      revocations: revocations.length,
      slaMet: revocations.filter((entry) => entry.sla === 'met').length,
      slaMissed: revocations.filter((entry) => entry.sla === 'missed').length,
      slaOpen: revocations.filter((entry) => entry.sla === 'open').length,
      emergencies: emergencies.length,
      reviewsOpen: emergencies.filter((entry) => entry.review?.status === 'open').length,
      denied: input.denied.length,
    },
    changes,
    revocations,
    emergencies,
    denied: [...input.denied],
    frameworks: frameworkMapping,
    entries: input.entries.filter((entry) => cited.has(entry.index)),
  };
};

export type EvidenceReport = { ok: boolean; checkpointSize: number | null; entriesVerified: number; problems: string[] };

/**
 * Checks a pack offline: the checkpoint carries the log key's signature; every cited entry is in the log
 * it signed (its inclusion proof leads to the root); and every change's requester, approvers, executor
 * and verifier are the actors of the cited entries for those steps.
 */
export const verifyEvidencePack = (pack: EvidencePack, key: NoteVerifierKey): EvidenceReport => {
  const problems: string[] = [];
  if (pack.format !== evidenceFormat) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [`not an evidence pack (format ${String(pack.format).slice(0, 40)})`] };
  const opened = openNote(pack.log.checkpoint, key);
  if (!opened.ok) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [`the pack's checkpoint: ${opened.problem}`] };
  const checkpoint = parseCheckpoint(opened.text);
  if ('problem' in checkpoint) return { ok: false, checkpointSize: null, entriesVerified: 0, problems: [`the pack's checkpoint: ${checkpoint.problem}`] };
  let verified = 0;
  const cited = new Map<number, AuditEntryView>();
  for (const entry of pack.entries) {
    const proof = entry.proof.map((hash) => Uint8Array.from(Buffer.from(hash, 'base64')));
    if (!verifyInclusion(entry.index, checkpoint.size, entryLeafHash(entry.entry), proof, checkpoint.root)) {
      problems.push(`audit entry ${entry.index} is not in the log the checkpoint signed: its content or proof was altered`);
      continue;
    }
    const view = readEntry(entry);
    if (view.index !== entry.index) problems.push(`audit entry ${entry.index} says it is entry ${view.index}`);
    cited.set(entry.index, view);
    verified += 1;
  }
  for (const change of pack.changes) {
    const steps = change.entries.map((index) => cited.get(index)).filter((entry): entry is AuditEntryView => entry !== undefined && isAbout(entry, change.id));
    const by = (action: string) => steps.filter((entry) => entry.action === action).map((entry) => entry.actor);
    // A playbook's invocation is its change's request and execution by the invoker, approved by the playbook.
    const invoked = steps.filter((entry) => entry.action === 'playbook.invoke');
    const claims: [string, string | null, string[]][] = [
      ['requester', change.requester, [...by('change.request'), ...invoked.map((entry) => entry.actor)]],
      ...change.approvals.map((who): [string, string, string[]] => ['approver', who, [...by('change.approve'), ...invoked.map((entry) => entry.target)]]),
      ['executor', change.executor, [...by('change.execute'), ...by('change.executed'), ...invoked.map((entry) => entry.actor)]],
      ['verifier', change.verifier, by('change.verify')],
    ];
    for (const [role, who, actors] of claims) {
      if (who !== null && !actors.includes(who)) problems.push(`change ${change.id}: the pack names ${who} as ${role}, but no cited audit entry shows ${who} doing it`);
    }
    const sod = separationOfDuties(change);
    if (sod.met !== change.separationOfDuties.met) problems.push(`change ${change.id}: the pack says separation of duties was ${change.separationOfDuties.met ? 'met' : 'broken'}; its people say otherwise`);
  }
  return { ok: problems.length === 0, checkpointSize: checkpoint.size, entriesVerified: verified, problems };
};
