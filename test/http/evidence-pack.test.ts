// The evidence pack of a period, on SQLite and PostgreSQL: changes carried out by different people
// through the API, a revocation by playbook and its review, a certificate of another CA revoked by hand,
// a rotation still waiting, an attempt Cedar denied; the pack names who did each step, the credentials by
// name and serial, whether each revocation met its SLA and was published in a CRL Trustplane published,
// and what is still pending; every entry it cites verifies against its signed checkpoint offline; a pack
// edited afterwards (another approver, a proof, a publication it cannot back) is refused; the HTML page
// shows the same in tables, renders in Chromium, and carries the pack for verification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { evidenceFromHtml, renderEvidenceHtml } from '../../src/core/audit/evidence-html.ts';
import { separationOfDuties, verifyEvidencePack } from '../../src/core/audit/evidence-pack.ts';
import type { EvidencePack } from '../../src/core/audit/evidence-pack.ts';
import { parseVerifierKey } from '../../src/core/audit/checkpoint.ts';
import { databaseTargets } from '../support/databases.ts';
import { startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture, Person } from '../support/decision-rights-fixture.ts';

for (const target of databaseTargets) {
  describe(`the evidence pack on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    let pack: EvidencePack;
    const ids = { issue: '', revoke: '', manual: '', manualCredential: '', waiting: '', waitingCredential: '' };

    const step = async (person: Person, path: string, body: Record<string, unknown>, status = 200) => {
      const answer = await tp.as(person, 'POST', path, body);
      assert.equal(answer.statusCode, status, answer.body);
      return answer.json();
    };

    before(async () => {
      tp = await startDecisionRightsFixture(target, { credentials: 2 });
      await tp.services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
      const issued = await step('ivan', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'gateway', spec: { names: ['gw.svc.acme.internal'] } }, 201);
      ids.issue = issued.id;
      await step('dave', `/api/v1/changes/${issued.id}/approve`, {});
      // Ivan requested: Cedar refuses him as the approver too, and the refusal is recorded.
      await step('ivan', `/api/v1/changes/${issued.id}/approve`, {}, 403);
      const executed = await step('ivan', `/api/v1/changes/${issued.id}/execute`, {});
      await step('erin', `/api/v1/changes/${issued.id}/verify`, {});
      const credential = (executed.events.find((event: { step: string }) => event.step === 'executed').details.produced as string[])[0];
      const invoked = await step('erin', '/api/v1/playbooks/key-compromise/invoke', { credentials: [credential], trigger: 'key_compromise', reason: 'key seen in a public repository' });
      ids.revoke = invoked.changes[0].id;
      await step('lena', `/api/v1/changes/${ids.revoke}/verify`, {});
      // A certificate of another CA (imported, not issued here), revoked by hand: Trustplane publishes nothing for it.
      ids.manualCredential = tp.freshCredential('internal-mtls');
      const manual = await step('ivan', '/api/v1/changes', { action: 'revoke', trigger: 'superseded', reason: 'replaced elsewhere', credentials: [ids.manualCredential] }, 201);
      ids.manual = manual.id;
      await step('carol', `/api/v1/changes/${manual.id}/approve`, {});
      await step('ivan', `/api/v1/changes/${manual.id}/execute`, { connector: 'manual', reference: 'ticket EXT-9', note: 'revoked at the other CA' });
      // A CRL published after the hand revocation names none of its serials.
      await tp.services.revocation.publishAll((await tp.services.ca.list()).map((authority) => authority.id));
      await step('erin', `/api/v1/changes/${manual.id}/verify`, { outcome: 'passed', checks: ['the other CA lists it'] });
      ids.waitingCredential = tp.freshCredential('internal-mtls');
      ids.waiting = (await step('ivan', '/api/v1/changes', { action: 'rotate', reason: 'due', credentials: [ids.waitingCredential] }, 201)).id;
      const now = tp.clock.now().getTime();
      const answer = await tp.as('lena', 'GET', `/api/v1/reports/evidence?from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`);
      assert.equal(answer.statusCode, 200, answer.body);
      pack = answer.json();
    });
    after(() => tp.close());

    test('names who requested, approved, executed and verified each change, and whether they were different people', () => {
      const issue = pack.changes.find((change) => change.id === ids.issue);
      assert.ok(issue !== undefined);
      assert.deepEqual([issue.requester, issue.approvals, issue.executor, issue.verifier], ['person:ivan', ['person:dave'], 'person:ivan', 'person:erin']);
      assert.equal(issue.separationOfDuties.met, true, 'a requester may execute; approver, executor and verifier were three people');
      assert.equal(issue.separationOfDuties.detail, 'requested by person:ivan; approved by person:dave; executed by person:ivan; verified by person:erin');
      assert.deepEqual(separationOfDuties({ ...issue, executor: 'person:dave', behind: undefined }), { met: false, detail: 'person:dave and person:dave: an approver of a change never executes it' });
      assert.deepEqual(separationOfDuties({ ...issue, verifier: 'person:ivan', behind: undefined }), {
        met: false, detail: 'person:ivan and person:ivan: the requester of a change never verifies it; person:ivan and person:ivan: the executor of a change never verifies it',
      });
      assert.deepEqual(separationOfDuties({ ...issue, executor: 'service-account:renewal-bot', behind: { requester: 'person:ivan', approvers: ['person:dave'], executor: 'person:dave', verifier: 'person:erin' } }), {
        met: false, detail: "person:dave and service-account:renewal-bot (person:dave's): an approver of a change never executes it",
      }, 'a service account counts as its owner');
      assert.ok(issue.approvedAt !== null && issue.entries.length >= 4);
      assert.ok(pack.denied.some((denial) => denial.principal === 'person:ivan'), 'the refused approval is in the pack');
    });

    test('gives each revocation its trigger, times and SLA, and each emergency its review', () => {
      const revocation = pack.revocations.find((entry) => entry.changeId === ids.revoke);
      assert.ok(revocation !== undefined);
      assert.equal(revocation.trigger, 'key_compromise');
      assert.ok(revocation.revokedAt !== null && revocation.publishedAt !== null && revocation.verifiedAt !== null && revocation.dueAt !== null);
      assert.ok(revocation.publishedAt >= revocation.revokedAt, 'the CRL was published after the revocation');
      assert.equal(revocation.publication.state, 'published');
      assert.match(revocation.publication.note, /^CRL \d+ of /);
      assert.equal(revocation.sla, 'met');
      assert.deepEqual(revocation.benchmark, { window: 'keyCompromise', dueAt: new Date(Date.parse(revocation.triggeredAt) + 86_400_000).toISOString(), outcome: 'met', lateByMs: null });
      const emergency = pack.emergencies.find((entry) => entry.changeId === ids.revoke);
      assert.equal(emergency?.playbookId, 'key-compromise');
      assert.equal(emergency?.review?.status, 'open');
      assert.deepEqual(pack.summary, { ...pack.summary, revocations: 2, slaMet: 2, slaMissed: 0, emergencies: 1, published: 1, notPublishedByTrustplane: 1 });
      // The same count posture's M16 states: key-compromise revocations by trigger, not emergencies by playbook.
      assert.deepEqual(pack.summary.revocationDeadlines.keyCompromise, { settled: 1, met: 1, open: 0 });
      assert.deepEqual(pack.summary.revocationDeadlines.otherTriggers, { settled: 1, met: 1, open: 0 });
    });

    test('a certificate of another CA revoked by hand is recorded by hand, not published by Trustplane, though a CRL followed it', () => {
      const manual = pack.revocations.find((entry) => entry.changeId === ids.manual);
      assert.ok(manual !== undefined && manual.revokedAt !== null);
      assert.equal(manual.publishedAt, null);
      assert.deepEqual(manual.publication, { state: 'not_published_by_trustplane', note: 'recorded by hand, not published by Trustplane' });
    });

    test('names credentials by name, serial and class, and says what is pending', () => {
      const named = pack.credentials.find((credential) => credential.id === ids.manualCredential);
      assert.deepEqual(named && { name: named.name, classId: named.classId, kind: named.kind }, { name: named?.name, classId: 'internal-mtls', kind: 'x509_certificate' });
      assert.match(named?.name ?? '', /^service-\d+\.svc\.acme\.internal$/);
      const issued = pack.credentials.find((credential) => credential.id === pack.revocations.find((entry) => entry.changeId === ids.revoke)?.credentials[0]);
      assert.match(issued?.serial ?? '', /^[0-9a-f]+$/i, 'a certificate the CA issued is named with its serial');
      assert.deepEqual(pack.pending.changes, [{ changeId: ids.waiting, action: 'rotate', status: 'requested', waitingFor: 'approval' }]);
      assert.deepEqual(pack.pending.revocations, []);
      assert.deepEqual(pack.pending.reviews.map((review) => review.changeId), [ids.revoke]);
      assert.deepEqual([pack.summary.pendingChanges, pack.summary.pendingPublications, pack.summary.reviewsOpen], [1, 0, 1]);
      assert.ok(pack.frameworks.some((entry) => entry.id === 'PR.AA-05') && pack.frameworks.some((entry) => entry.id === 'NHI5:2025') && pack.frameworks.some((entry) => entry.id === 'GOVERN 3.2'));
    });

    test('audit entries about a change or a credential include the attempts refused on it, however they were recorded', async () => {
      // Refused on the change (ivan requested it, so he may not approve it), and a request naming the credential refused on its class.
      await step('ivan', `/api/v1/changes/${ids.waiting}/approve`, {}, 403);
      await step('gina', '/api/v1/changes', { action: 'revoke', trigger: 'superseded', reason: 'tidy', credentials: [ids.waitingCredential] }, 403);
      // Another refusal of a step, as the log records one: on the change, in the words of the decision.
      await tp.services.unitOfWork((tx) => tx.audit.append({
        at: tp.clock.now(), actor: 'person:kofi', action: 'authz.denied', target: `change ${ids.waiting} (rotate on internal-mtls)`,
        details: { action: 'execute-rotate', classId: 'internal-mtls', code: 'FORBIDDEN', reason: 'denied: not responsible' },
      }));
      const refusals = async (target: string) => {
        const answer = await tp.as('lena', 'GET', `/api/v1/audit/entries?target=${encodeURIComponent(target)}&limit=1000`);
        assert.equal(answer.statusCode, 200, answer.body);
        return (answer.json().items as { action: string; actor: string }[]).filter((entry) => entry.action === 'authz.denied').map((entry) => entry.actor).sort();
      };
      assert.deepEqual(await refusals(`change:${ids.waiting}`), ['person:ivan', 'person:kofi']);
      assert.deepEqual(await refusals(`credential:${ids.waitingCredential}`), ['person:gina', 'person:ivan', 'person:kofi']);
      assert.deepEqual(await refusals(`credential:${ids.manualCredential}`), [], 'nothing was refused on another credential');
      assert.deepEqual(await refusals(`change:${ids.issue}`), ['person:ivan'], 'the refused approval of the issue, and only it');
    });

    test('verifies offline with the log key, and refuses a pack edited afterwards', async () => {
      const key = parseVerifierKey((await tp.services.audit.publicKey()).verifierKey);
      assert.ok(!('problem' in key));
      const report = verifyEvidencePack(pack, key);
      assert.deepEqual(report.problems, []);
      assert.equal(report.entriesVerified, pack.entries.length);

      // Each edit an auditee might make to a pack after it was generated is refused, naming what changed.
      const edits: [string, (edited: EvidencePack) => void, RegExp][] = [
        ['another approver', (edited) => { edited.changes.find((change) => change.id === ids.issue)!.approvals = ['person:carol']; }, /approvals: the pack says \["person:carol"\], its audit entries say \["person:dave"\]/],
        ['the executor removed', (edited) => { edited.changes.find((change) => change.id === ids.issue)!.executor = null; }, /executor/],
        ['separation of duties whitewashed', (edited) => { edited.changes.find((change) => change.id === ids.issue)!.separationOfDuties = { met: true, detail: 'fine' }; }, /separationOfDuties/],
        ['an SLA turned to met', (edited) => { edited.revocations[0]!.sla = 'missed'; }, /the revocations/],
        ['a revocation time moved', (edited) => { edited.revocations[0]!.revokedAt = '2020-01-01T00:00:00.000Z'; }, /the revocations/],
        ['the summary edited', (edited) => { edited.summary.slaMissed = 3; }, /the summary/],
        ['a denial dropped', (edited) => { edited.denied = []; }, /the denied attempts/],
        ['a rule of separation of duties left out', (edited) => { edited.separationRules = edited.separationRules.filter((rule) => rule.id !== 'sod.requester-verifies'); }, /the rules of separation of duties/],
        ["who stood behind a step edited", (edited) => { edited.changes.find((change) => change.id === ids.issue)!.behind = { requester: 'person:carol', approvers: ['person:dave'], executor: 'person:ivan', verifier: 'person:erin' }; }, /behind/],
        ['a review marked done', (edited) => { edited.emergencies[0]!.review!.status = 'accepted'; }, /the emergencies/],
        ['a hand revocation claimed published', (edited) => {
          const manual = edited.revocations.find((entry) => entry.changeId === ids.manual)!;
          manual.publishedAt = manual.revokedAt;
          manual.publication = { state: 'published', at: manual.revokedAt!, crls: [], note: 'CRL 1' };
        }, /the revocations/],
        ['a pending change left out', (edited) => { edited.pending.changes = []; }, /what is pending/],
        ['a credential added', (edited) => { edited.credentials.push({ id: 'cr_made_up', name: 'x', kind: 'x509_certificate', classId: null, serial: null }); }, /the credentials named/],
      ];
      for (const [what, edit, expected] of edits) {
        const edited = structuredClone(pack);
        edit(edited);
        const refused = verifyEvidencePack(edited, key);
        assert.equal(refused.ok, false, what);
        assert.match(refused.problems.join('\n'), expected, what);
      }
      const alteredEntry = structuredClone(pack);
      alteredEntry.entries[0]!.entry = alteredEntry.entries[0]!.entry.replace('person:', 'person:x');
      assert.match(verifyEvidencePack(alteredEntry, key).problems.join('\n'), /is not in the log the checkpoint signed/);
      const otherKey = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
      assert.ok(!('problem' in otherKey));
      assert.equal(verifyEvidencePack(pack, otherKey).ok, false);
    });

    test('reads as a page of tables, and the page carries the pack it shows', () => {
      const html = renderEvidenceHtml(pack);
      assert.match(html, /<h2>Changes and who made them<\/h2>\s*<table>/);
      assert.match(html, /<h2>Revocations against their SLA<\/h2>\s*<table>/);
      assert.match(html, new RegExp(`<td>${ids.revoke}</td><td>[^<]+ \\(serial [0-9a-fA-F]+\\)</td><td>key_compromise</td>`));
      assert.match(html, new RegExp(`<td>${ids.manual}</td><td>service-\\d+\\.svc\\.acme\\.internal</td><td>superseded</td><td>[^<]+</td><td>[^<]+</td><td>recorded by hand, not published by Trustplane</td>`));
      assert.match(html, /<h2>Still pending<\/h2>\s*<table>/);
      assert.match(html, /<p>Each change is judged by the rules of separation of duties Trustplane enforces: [^<]*the requester of a change never verifies it; [^<]*a service account or agent counts as its owner/);
      assert.match(html, new RegExp(`<td>change not yet verified</td><td>${ids.waiting} \\(rotate, requested\\)</td><td>approval</td>`));
      assert.match(html, /<dt>Key-compromise revocations verified within 24 hours<\/dt><dd>1 of 1, 0 still open \(counted by trigger, as posture's M16 counts them\)/);
      assert.match(html, /kept: requested by person:ivan; approved by person:dave; executed by person:ivan; verified by person:erin/);
      assert.doesNotMatch(html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, ''), /\{"/, 'no raw JSON on the page');
      assert.deepEqual(evidenceFromHtml(html), JSON.parse(JSON.stringify(pack)));
    });

    test('opens in Chromium: the page loads, its seven tables render, and Chromium draws it', () => {
      const directory = mkdtempSync(join(tmpdir(), 'trustplane-evidence-'));
      try {
        const page = join(directory, 'evidence.html');
        writeFileSync(page, renderEvidenceHtml(pack));
        // --dump-dom prints the DOM after the page has loaded and run; innerText below is what a reader sees.
        const shown = execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=2000', '--dump-dom', pathToFileURL(page).href], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
        assert.match(shown, /<h1>Evidence pack: trust-state changes,/);
        assert.equal([...shown.matchAll(/<table>/g)].length, 7, 'pending work, credentials, changes, revocations, emergencies, denials and the framework mapping are tables');
        assert.match(shown, new RegExp(`<td>${ids.issue}</td><td>internal-mtls</td><td>issue</td><td>[^<]*</td><td>person:ivan, `));
        execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${join(directory, 'evidence.png')}`, '--window-size=1280,1600', pathToFileURL(page).href], { stdio: 'ignore', timeout: 60_000 });
        assert.ok(statSync(join(directory, 'evidence.png')).size > 10_000, 'Chromium drew the page');
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    test('states the same key-compromise count as posture M16, beside the emergencies it does not count', async () => {
      // A second key-compromise invocation, not yet verified: two emergencies, one settled revocation and one open.
      const issued = await step('ivan', '/api/v1/changes', { action: 'issue', class: 'internal-mtls', reason: 'second gateway', spec: { names: ['gw2.svc.acme.internal'] } }, 201);
      await step('dave', `/api/v1/changes/${issued.id}/approve`, {});
      const executed = await step('ivan', `/api/v1/changes/${issued.id}/execute`, {});
      const credential = (executed.events.find((event: { step: string }) => event.step === 'executed').details.produced as string[])[0];
      const invoked = await step('erin', '/api/v1/playbooks/key-compromise/invoke', { credentials: [credential], trigger: 'key_compromise', reason: 'key seen in a log' });
      const now = tp.clock.now().getTime();
      const answer = await tp.as('lena', 'GET', `/api/v1/reports/evidence?from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`);
      assert.equal(answer.statusCode, 200, answer.body);
      const again: EvidencePack = answer.json();
      const m16 = (await tp.services.posture.report()).posture.metrics.find((metric) => metric.id === 'M16');
      assert.ok(m16 !== undefined);
      assert.equal(again.summary.emergencies, 2);
      assert.deepEqual(again.summary.revocationDeadlines.keyCompromise, { settled: 1, met: 1, open: 1 });
      assert.deepEqual([m16.numerator, m16.denominator, m16.detail.keyCompromiseOpen], [1, 1, 1], 'posture says 1 of 1 and one open, as the pack does');
      assert.match(renderEvidenceHtml(again), /<dd>1 of 1, 1 still open \(counted by trigger, as posture's M16 counts them\)<\/dd>\s*<dt>Emergency playbook invocations<\/dt><dd>2 /);
      assert.deepEqual(again.pending.revocations, [], 'the new revocation is on a CRL already');
      assert.deepEqual(again.pending.changes.filter((change) => change.waitingFor === 'verification').map((change) => change.changeId).sort(), [issued.id, invoked.changes[0].id].sort());
    });
  });
}
