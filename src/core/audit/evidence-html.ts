// The evidence pack as a page an auditor reads in a browser: a table per section, in plain words, no raw
// JSON on the page. The pack itself rides along inside the page (a script element of type
// application/json that browsers do not run or show), so `trustplane audit verify --evidence PAGE.html`
// checks the very page the auditor read.
import type { EvidencePack } from './evidence-pack.ts';

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** A time as an auditor reads it: 2026-11-22 18:30 UTC; a dash when there is none. */
const when = (iso: string | null): string => (iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
const who = (ref: string | null): string => (ref === null ? '—' : ref);

const table = (header: readonly string[], rows: readonly (readonly string[])[], empty: string): string => (rows.length === 0
  ? `<p class="empty">${escapeHtml(empty)}</p>`
  : `<table><thead><tr>${header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);

const slaWords: Record<string, string> = { met: 'met', missed: 'MISSED', open: 'still open', withdrawn: 'withdrawn (rejected or cancelled)', no_sla: 'no SLA set' };

/** Where a revocation stands on publication, in words: a time and the CRLs only when Trustplane published them. */
const publishedWords = (publication: EvidencePack['revocations'][number]['publication']): string =>
  (publication.state === 'published' ? `${when(publication.at)} (${publication.note})` : publication.note);

export const evidenceMarker = 'trustplane-evidence';

export const renderEvidenceHtml = (pack: EvidencePack): string => {
  const { summary, pending } = pack;
  const deadlines = summary.revocationDeadlines;
  const names = new Map(pack.credentials.map((credential) => [credential.id, credential]));
  /** Credentials by name and serial, not only ids. */
  const named = (ids: readonly string[]): string => ids.map((id) => {
    const credential = names.get(id);
    return credential === undefined ? id : `${credential.name}${credential.serial === null ? '' : ` (serial ${credential.serial})`}`;
  }).join('; ');
  const period = `${when(pack.period.from)} to ${when(pack.period.to)}`;
  // The pack for verify, with "<" escaped so no string inside it can close the script element.
  const embedded = JSON.stringify(pack).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trustplane evidence pack, ${escapeHtml(period)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d2330;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #d5d9e2;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0}th,td{border:1px solid #d5d9e2;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f8}td.bad,strong.bad{color:#a4161a}.empty{color:#5b6475;font-style:italic}code,pre{font-family:ui-monospace,monospace;font-size:.82rem}
pre{background:#f6f7fa;padding:.7rem;overflow-x:auto}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
</style></head><body>
<h1>Evidence pack: trust-state changes, ${escapeHtml(period)}</h1>
<p>Generated ${escapeHtml(when(pack.generatedAt))}${pack.classId === null ? ' for every class of credential' : ` for the class <strong>${escapeHtml(pack.classId)}</strong>`}.
Every statement below rests on entries of Trustplane's tamper-evident audit log; each entry carries a proof that it is in the log as signed at size ${escapeHtml(pack.log.checkpoint.split('\n')[1] ?? '?')}.</p>
<h2>Summary</h2>
<dl>
<dt>Changes</dt><dd>${Number(summary.changes)}, of which ${Number(summary.separationOfDutiesMet)} kept separation of duties (the requester did not approve; approval, execution and verification by different people)${summary.changes - summary.separationOfDutiesMet > 0 ? ` — <strong class="bad">${Number(summary.changes) - Number(summary.separationOfDutiesMet)} did not</strong>` : ''}</dd>
<dt>Revocations</dt><dd>${Number(summary.revocations)}: ${Number(summary.slaMet)} verified within their class SLA, ${summary.slaMissed > 0 ? `<strong class="bad">${Number(summary.slaMissed)} missed it</strong>` : 'none missed it'}, ${Number(summary.slaOpen)} still open;
${Number(summary.published)} published in a CRL Trustplane published, ${Number(summary.notPublishedByTrustplane)} revoked outside Trustplane's CAs (not published by Trustplane)</dd>
<dt>Key-compromise revocations verified within 24 hours</dt><dd>${Number(deadlines.keyCompromise.met)} of ${Number(deadlines.keyCompromise.settled)}, ${Number(deadlines.keyCompromise.open)} still open (counted by trigger, as posture's M16 counts them)</dd>
<dt>Emergency playbook invocations</dt><dd>${Number(summary.emergencies)} (one per class a playbook run touched, of any action and trigger), ${Number(summary.reviewsOpen)} with their review still open</dd>
<dt>Denied attempts</dt><dd>${Number(summary.denied)}</dd>
<dt>Still pending</dt><dd>${Number(summary.pendingChanges)} changes not yet verified, ${Number(summary.pendingPublications)} revocations not yet published, ${Number(summary.reviewsOpen)} reviews open</dd>
</dl>
<h2>Still pending</h2>
${table(['What', 'Which', 'Waiting for'], [
    ...pending.changes.map((change) => ['change not yet verified', `${change.changeId} (${change.action}, ${change.status})`, change.waitingFor]),
    ...pending.revocations.map((revocation) => ['revocation not yet published', revocation.changeId, revocation.note]),
    ...pending.reviews.map((review) => ['review open', `${review.reviewId} of change ${review.changeId}`, `${review.accountable}, due ${when(review.dueAt)}`]),
  ], 'Nothing is pending: every change is verified, every revocation published, every review completed.')}
<h2>Credentials</h2>
${table(['Name', 'Serial', 'Class', 'Kind', 'Id'], pack.credentials.map((credential) => [credential.name, credential.serial ?? '—', credential.classId ?? '—', credential.kind, credential.id]), 'No credential is named by a change in this period.')}
<h2>Changes and who made them</h2>
${table(['Change', 'Class', 'Action', 'Credentials', 'Requested', 'Approved', 'Executed', 'Verified', 'Separation of duties'], pack.changes.map((change) => [
    change.id, change.classId, change.action, named(change.credentialIds),
    `${who(change.requester)}, ${when(change.requestedAt)}`,
    change.approvals.length === 0 ? (change.preApprovedBy === null ? '—' : `pre-approved by ${change.preApprovedBy}`) : `${change.approvals.join(', ')}, ${when(change.approvedAt)}`,
    `${who(change.executor)}, ${when(change.executedAt)}`,
    `${who(change.verifier)}, ${when(change.verifiedAt)}`,
    `${change.separationOfDuties.met ? 'kept' : 'BROKEN'}: ${change.separationOfDuties.detail}`,
  ]), 'No change was requested in this period.')}
<p>Each change is judged by the rules of separation of duties Trustplane enforces: ${pack.separationRules.map((entry) => escapeHtml(entry.rule)).join('; ')}.</p>
<h2>Revocations against their SLA</h2>
${table(['Change', 'Credentials', 'Trigger', 'Triggered', 'Revoked', 'Published (CRL)', 'Verified', 'Due', 'SLA'], pack.revocations.map((revocation) => [
    revocation.changeId, named(revocation.credentials), revocation.trigger ?? '—', when(revocation.triggeredAt), when(revocation.revokedAt), publishedWords(revocation.publication),
    when(revocation.verifiedAt), when(revocation.dueAt), slaWords[revocation.sla] ?? revocation.sla,
  ]), 'No revocation in this period.')}
<h2>Emergency invocations and their reviews</h2>
${table(['Change', 'Playbook', 'Action', 'Invoked by', 'At', 'Review', 'Accountable', 'Reviewed', 'Note'], pack.emergencies.map((emergency) => [
    emergency.changeId, emergency.playbookId, `${emergency.action}${emergency.trigger === null ? '' : ` (${emergency.trigger})`}`, emergency.invokedBy, when(emergency.at),
    emergency.review === null ? '—' : `${emergency.review.status} (due ${when(emergency.review.dueAt)})`,
    emergency.review?.accountable ?? '—', emergency.review === null ? '—' : `${who(emergency.review.completedBy)}, ${when(emergency.review.completedAt)}`, emergency.review?.note ?? '',
  ]), 'No emergency playbook was invoked in this period.')}
<h2>Denied attempts</h2>
${table(['At', 'Who', 'Tried to', 'On', 'Why it was refused'], pack.denied.map((denial) => [when(denial.at), denial.principal, denial.action, denial.resource, denial.reason]), 'Nothing was denied in this period.')}
<h2>What this pack shows, by framework</h2>
${table(['Framework', 'Identifier', 'Control', 'Shown by'], pack.frameworks.map((entry) => [entry.framework, entry.id, entry.title, entry.shownBy]), '')}
<h2>How to check this pack yourself</h2>
<p>The pack cites ${pack.entries.length} audit entries. Each comes with an inclusion proof (RFC 9162) against this checkpoint, signed by the log's key
<code>${escapeHtml(pack.log.verifierKey)}</code>:</p>
<pre>${escapeHtml(pack.log.checkpoint)}</pre>
<p>Take the key from the log's owner, not from this page, and run <code>trustplane audit verify --evidence THIS-FILE.html --key 'KEY'</code>: it checks the signature,
every proof, and that the people named above are the ones the log recorded.</p>
<script type="application/json" id="${evidenceMarker}">${embedded}</script>
</body></html>
`;
};

/** The pack a page carries (see renderEvidenceHtml); null unless the page carries exactly one. */
export const evidenceFromHtml = (html: string): unknown => {
  const matches = [...html.matchAll(new RegExp(`<script type="application/json" id="${evidenceMarker}">([\\s\\S]*?)</script>`, 'g'))];
  return matches.length === 1 ? JSON.parse(matches[0]![1] as string) : null;
};
