// The monitoring issue's "done when", tried as a new user tries it after the README: `trustplane demo`, then
// `trustplane serve` with a mail server and a webhook receiver, and every step through the real command
// line, as the demo's personas, on SQLite and PostgreSQL.
// - Certificates that expire soon raise alerts that reach their owners: an email to Dave (a real SMTP
//   server) and a Standard Webhooks POST whose signature verifies; Dave lists and acknowledges his alerts,
//   Ivan may not acknowledge one that was not routed to him.
// - Pre-approved renewals happen by themselves and are verified: a certificate Gina issued inside the demo's
//   maintenance window, nine days long, is inside internal-mtls's renew-before (10d); the next sweep renews
//   it by system:renewal, approved by system:automation, verified by system:probes.
// - Offboarding a partner revokes its delegations and its people's tokens and drives its credentials to
//   verified revocation, on time, as `offboard show` and the evidence pack report.
// The demo is set up with the port it is then served on: the demo CA's certificates carry its URLs, and the
// renewal probes fetch the chain from them, as a relying party would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { databaseEnvFor, freePort, personaCommands, runCli } from '../support/cli-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { digestFarFromNow, startSmtpSink, startWebhookSink } from '../support/notification-sinks.ts';
import type { SmtpSink, WebhookSink } from '../support/notification-sinks.ts';
import { trackedProcesses, waitFor } from '../support/processes.ts';
import type { Served } from '../support/processes.ts';

type Persona = 'carol' | 'dave' | 'ivan' | 'erin' | 'gina' | 'frank';

/** Every process this file starts, so that `after` can end those a failing test left running. */
const { serve, killAll } = trackedProcesses();

/** Dave's address, as a new user finds it: in the governance the demo applies. */
const emailOf = (person: string): string => {
  const governance = parseYaml(readFileSync(new URL('../../examples/governance.yaml', import.meta.url), 'utf8')) as { people: { id: string; email: string }[] };
  const found = governance.people.find((entry) => entry.id === person);
  assert.ok(found, `examples/governance.yaml declares ${person}`);
  return found.email;
};

type AlertView = { id: string; type: string; target: string; classId: string | null; severity: string; state: string; summary: string; recipients: string[]; escalateTo: string[]; acknowledgedBy: string | null; note: string | null };
type SweepView = {
  credentials: number; findings: number; opened: number; open: number;
  renewals: { renewed: number; failed: number; outcomes: { credential: string; name: string; change: string | null; status: string; problem: string | null }[] };
};
type ChangeEvent = { actor: string; step: string; details: Record<string, unknown> };
type ChangeDetail = { id: string; action: string; classId: string; status: string; requester: string; approvals: string[]; executor: string | null; verifier: string | null; trigger: string | null; credentialIds: string[]; events: ChangeEvent[] };
type CredentialShown = { credential: { id: string; status: string }; lineage: { supersedes: { id: string } | null; supersededBy: { id: string } | null } };
type DelegationView = { id: string; to: string; state: string; revocation: { revokedBy: string; reason: string } | null };
type PlanView = {
  subject: string; delegations: { id: string }[]; tokens: { principal: string }[];
  revocations: { classId: string; trigger: string; credentials: { id: string; name: string }[] }[];
};
type OffboardingView = {
  id: string; subject: string; plan: PlanView;
  changes: { id: string; classId: string; status: string; trigger: string | null; dueAt: string | null; verifiedAt: string | null; credentials: string[]; onTime: boolean | null }[];
  progress: { verified: number; total: number; complete: boolean; overdue: number };
};
type EvidencePackView = {
  summary: { revocations: number; slaMet: number };
  changes: { id: string; trigger: string | null; approvals: string[]; executor: string | null; verifier: string | null; separationOfDuties: { met: boolean; detail: string } }[];
  revocations: { changeId: string; classId: string; trigger: string | null; credentials: string[]; revokedAt: string | null; verifiedAt: string | null; dueAt: string | null; sla: string }[];
};

const expiringSubject = /\[Trustplane\] (high|critical): certificate .* expires in/;

for (const target of databaseTargets) {
  describe(`the demo, monitored: alerts reach owners, renewals happen, a partner is offboarded, on ${target.name}`, { timeout: 300_000 }, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let databaseEnv: NodeJS.ProcessEnv;
    let smtp: SmtpSink;
    let receiver: WebhookSink;
    let server: Served;
    let startedAt: number;
    const tokens = new Map<Persona, string>();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { as, json } = personaCommands<Persona>(() => ({ ...databaseEnv, TRUSTPLANE_URL: server.url }), tokens);
    /** The renewal the sweep did: the certificate Gina issued, its renewal change, and what that produced. */
    const renewal = { issued: '', change: '', renewed: '' };
    let revocation = '';
    /**
     * `alerts sweep` as Carol. Right after `serve` starts, its scheduler sweeps the demo's inventory; a sweep
     * asked for meanwhile may collide with it (on PostgreSQL: 409 CONFLICT, "try it again"), and is tried
     * again as the message says. Each collision is printed, so that it shows in the run.
     */
    const sweep = async (): Promise<SweepView> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const result = await as('carol', ['alerts', 'sweep', '--json']);
        if (result.code === 0) return JSON.parse(result.stdout) as SweepView;
        const conflict = /"code": "CONFLICT"|\[CONFLICT\]/.test(result.stdout + result.stderr);
        if (!conflict || Date.now() > deadline) throw new Error(`alerts sweep exited with ${result.code}: ${result.stderr}${result.stdout}`);
        process.stdout.write(`# ${target.name}: alerts sweep collided with the scheduler's sweep (CONFLICT); trying again\n`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    before(async () => {
      startedAt = Date.now();
      empty = await target.createEmpty();
      databaseEnv = databaseEnvFor(empty.location);
      [smtp, receiver] = await Promise.all([startSmtpSink(), startWebhookSink(secret)]);
      const dataDir = join(empty.dataDir, 'demo');
      const port = await freePort();
      const setup = await runCli(['demo', '--no-serve', '--data-dir', dataDir, '--port', String(port), '--json'], databaseEnv);
      assert.equal(setup.code, 0, setup.stderr + setup.stdout);
      for (const persona of (JSON.parse(setup.stdout) as { tokens: { principal: string; token: string }[] }).tokens) {
        tokens.set(persona.principal.replace(/^person:/, '') as Persona, persona.token);
      }
      assert.deepEqual([...tokens.keys()], ['carol', 'dave', 'ivan', 'erin', 'gina', 'frank']);
      server = await serve(dataDir, {
        ...databaseEnv,
        TRUSTPLANE_SMTP_URL: smtp.url,
        TRUSTPLANE_WEBHOOK_URLS: receiver.url,
        TRUSTPLANE_WEBHOOK_SECRET: secret,
        TRUSTPLANE_SCHEDULER_TICK: '300ms',
        TRUSTPLANE_DIGEST_AT: digestFarFromNow(),
        TRUSTPLANE_MONITOR_EVERY: '1h',
      }, port);
      process.stdout.write(`# ${target.name}: demo set up and served in ${Date.now() - startedAt} ms\n`);
    });
    after(async () => {
      await killAll();
      await Promise.all([smtp?.close(), receiver?.close()]);
      await empty?.drop();
      process.stdout.write(`# ${target.name}: ${Date.now() - startedAt} ms in all\n`);
    });

    test('certificates that expire soon raise alerts that reach their owners by email and signed webhook', async () => {
      const report = await sweep();
      assert.ok(report.credentials >= 450, `the sweep looked at the demo's inventory: ${JSON.stringify(report)}`);
      assert.ok(report.open > 0 && report.findings > 0, `the demo's inventory has findings: ${JSON.stringify(report)}`);

      const daveEmail = emailOf('dave');
      const toDave = await waitFor(`an email to ${daveEmail} about a certificate that expires soon`, () => {
        const found = smtp.received.filter((entry) => entry.rcptTo.includes(daveEmail) && expiringSubject.test(entry.mail.subject ?? ''));
        return found.length > 0 ? found : undefined;
      }, 30_000, () => `${smtp.received.length} emails: ${smtp.received.slice(0, 5).map((entry) => `${entry.rcptTo.join(',')}: ${entry.mail.subject}`).join(' | ')}`);
      assert.ok((toDave[0]!.mail.text ?? '').includes('trustplane alerts ack alr_'), `the email says how to acknowledge:\n${toDave[0]!.mail.text}`);

      const opened = await waitFor('a signed alert.opened webhook about an expiring certificate', () => {
        const found = receiver.deliveries.filter((delivery) => delivery.message?.event === 'alert.opened'
          && (delivery.message.alert as { type?: unknown } | undefined)?.type === 'expiring');
        return found.length > 0 ? found : undefined;
      }, 30_000, () => `${receiver.deliveries.length} webhooks; problems: ${receiver.deliveries.filter((delivery) => !delivery.verified).slice(0, 3).map((delivery) => delivery.problem).join('; ')}`);
      assert.ok(opened[0]!.verified);
      assert.equal(opened[0]!.headers['webhook-id'], opened[0]!.message!.id);
      assert.deepEqual(receiver.deliveries.filter((delivery) => !delivery.verified).map((delivery) => delivery.problem), [], 'every webhook signature verifies');
    });

    test('Dave lists his expiring alerts and acknowledges one; Ivan may not acknowledge one not routed to him', async () => {
      const mine = (await json('dave', ['alerts', 'list', '--mine', '--type', 'expiring', '--limit', '1000']) as { items: AlertView[] }).items;
      assert.ok(mine.length >= 2, `Dave has expiring alerts: ${mine.length}`);
      assert.ok(mine.every((alert) => alert.type === 'expiring' && alert.recipients.includes('dave')), JSON.stringify(mine.slice(0, 3)));
      const high = (await json('dave', ['alerts', 'list', '--mine', '--severity', 'high']) as { items: AlertView[] }).items;
      assert.ok(high.some((alert) => alert.type === 'expiring'), 'the README\'s `alerts list --mine --severity high` shows expiring certificates');

      const [first, second] = mine.filter((alert) => alert.state === 'open' && !alert.recipients.includes('ivan') && !alert.escalateTo.includes('ivan'));
      assert.ok(first && second, 'two open alerts routed to Dave and not to Ivan');
      const acknowledged = await json('dave', ['alerts', 'ack', first.id, '--note', 'renewing tonight']) as AlertView;
      assert.deepEqual([acknowledged.id, acknowledged.state, acknowledged.acknowledgedBy, acknowledged.note], [first.id, 'acknowledged', 'person:dave', 'renewing tonight']);

      const refused = await as('ivan', ['alerts', 'ack', second.id, '--note', 'mine now']);
      assert.notEqual(refused.code, 0, `Ivan's ack must fail: ${refused.stdout}`);
      assert.match(refused.stderr, /denied|forbidden/i);
      const shown = await json('carol', ['alerts', 'show', second.id]) as AlertView;
      assert.equal(shown.state, 'open', 'the refused ack changed nothing');
    });

    test('a pre-approved renewal happens by itself in the next sweep and is verified', async () => {
      const help = await runCli(['changes', 'request', '--help']);
      assert.match(help.stdout, /--lifetime <duration>/);
      assert.match(help.stdout, /--dns <name>/);
      const requested = await json('gina', ['changes', 'request', 'issue', '--class', 'internal-mtls', '--dns', 'renew-me.svc.acme.internal', '--lifetime', '9d', '--reason', 'a new service, inside the maintenance window']) as ChangeDetail;
      assert.equal(requested.status, 'requested');
      // Dave, accountable for issuing, is told by email that it waits for him. The email queues behind the
      // hundreds of alert emails the first sweep sent, so on a loaded machine it can take a while: what is
      // asserted is that it comes, not how fast.
      await waitFor(`an email to ${emailOf('dave')} that ${requested.id} waits for approval`, () =>
        smtp.received.find((entry) => entry.rcptTo.includes(emailOf('dave')) && entry.mail.subject === `[Trustplane] change ${requested.id} (issue on internal-mtls) waits for your approval`), 120_000);
      const approved = await json('dave', ['changes', 'approve', requested.id]) as ChangeDetail;
      assert.equal(approved.status, 'approved');
      const executed = await json('gina', ['changes', 'execute', requested.id]) as ChangeDetail;
      assert.equal(executed.status, 'executed', JSON.stringify(executed.events.at(-1)));
      const produced = executed.events.find((event) => event.step === 'executed')?.details.produced;
      assert.ok(Array.isArray(produced) && produced.length === 1, `the issue produced one credential: ${JSON.stringify(produced)}`);
      renewal.issued = String(produced[0]);

      const report = await sweep();
      const outcome = report.renewals.outcomes.find((entry) => entry.credential === renewal.issued);
      assert.ok(outcome, `the sweep renewed the certificate Gina issued: ${JSON.stringify(report.renewals)}`);
      assert.equal(outcome.status, 'verified', `renewal outcome: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.problem, null);
      assert.ok(outcome.change);
      renewal.change = outcome.change;

      const change = await json('carol', ['changes', 'show', renewal.change]) as ChangeDetail;
      assert.deepEqual([change.action, change.classId, change.status, change.credentialIds], ['renew', 'internal-mtls', 'verified', [renewal.issued]]);
      const actorOf = (step: string) => change.events.filter((event) => event.step === step).map((event) => event.actor);
      assert.deepEqual(actorOf('request'), ['system:renewal']);
      assert.deepEqual(actorOf('approve'), ['system:automation']);
      assert.deepEqual(actorOf('execute'), ['system:renewal']);
      assert.deepEqual(actorOf('verify'), ['system:probes']);
      const renewed = change.events.find((event) => event.step === 'executed')?.details.produced;
      assert.ok(Array.isArray(renewed) && renewed.length === 1, `the renewal produced one credential: ${JSON.stringify(renewed)}`);
      renewal.renewed = String(renewed[0]);
      const successor = await json('carol', ['credentials', 'show', renewal.renewed]) as CredentialShown;
      assert.deepEqual([successor.credential.status, successor.lineage.supersedes?.id], ['active', renewal.issued]);
      const predecessor = await json('carol', ['credentials', 'show', renewal.issued]) as CredentialShown;
      assert.deepEqual([predecessor.credential.status, predecessor.lineage.supersededBy?.id], ['superseded', renewal.renewed]);

      const again = await sweep();
      assert.ok(!again.renewals.outcomes.some((entry) => entry.credential === renewal.issued || entry.credential === renewal.renewed), `renewed once, not again: ${JSON.stringify(again.renewals)}`);
    });

    test('a dry run shows the offboarding plan and changes nothing', async () => {
      const dryRun = await json('carol', ['offboard', 'partner', 'globex', '--reason', 'contract ended', '--dry-run']) as { dryRun: boolean; plan: PlanView; offboarding: OffboardingView | null };
      assert.equal(dryRun.dryRun, true);
      assert.equal(dryRun.offboarding, null);
      assert.deepEqual(dryRun.plan.delegations.map((delegation) => delegation.id).sort(), ['globex-cutover', 'globex-maintenance', 'globex-night-renewals']);
      assert.ok(dryRun.plan.tokens.some((token) => token.principal === 'person:gina'), `Gina's token is in the plan: ${JSON.stringify(dryRun.plan.tokens)}`);
      const mtls = dryRun.plan.revocations.find((entry) => entry.classId === 'internal-mtls');
      assert.ok(mtls, `the plan revokes internal-mtls credentials: ${JSON.stringify(dryRun.plan.revocations)}`);
      assert.equal(mtls.trigger, 'partner_offboarded');
      assert.ok(mtls.credentials.some((credential) => credential.id === renewal.renewed), `the certificate Gina made (now renewed) is to be revoked: ${JSON.stringify(mtls.credentials)}`);

      const stillWorks = await as('gina', ['classes', 'list']);
      assert.equal(stillWorks.code, 0, `after a dry run Gina's token still works: ${stillWorks.stderr}`);
      const delegations = (await json('carol', ['delegations', 'list']) as { items: DelegationView[] }).items;
      assert.ok(delegations.filter((delegation) => delegation.to === 'org:globex').every((delegation) => delegation.state !== 'revoked'), JSON.stringify(delegations));
      const none = await as('carol', ['offboard', 'show', 'partner:globex']);
      assert.notEqual(none.code, 0, `no offboarding is on record after a dry run: ${none.stdout}`);
    });

    test('offboarding Globex revokes its delegations and tokens at once and files revocations', async () => {
      // Erin (an administrator) orders it; Carol, accountable for revoking, then approves what it files.
      const applied = await json('erin', ['offboard', 'partner', 'globex', '--reason', 'contract ended']) as { dryRun: boolean; offboarding: OffboardingView };
      assert.equal(applied.dryRun, false);
      assert.equal(applied.offboarding.subject, 'partner:globex');

      const refused = await as('gina', ['classes', 'list']);
      assert.notEqual(refused.code, 0, `Gina's token is revoked: ${refused.stdout}`);
      assert.match(refused.stderr, /TOKEN_REVOKED/);

      const delegations = (await json('carol', ['delegations', 'list']) as { items: DelegationView[] }).items;
      const globex = delegations.filter((delegation) => delegation.to === 'org:globex');
      assert.deepEqual(globex.map((delegation) => delegation.id).sort(), ['globex-cutover', 'globex-maintenance', 'globex-night-renewals']);
      for (const delegation of globex) {
        assert.equal(delegation.state, 'revoked', JSON.stringify(delegation));
        assert.equal(delegation.revocation?.revokedBy, 'person:erin');
      }
      assert.ok(delegations.filter((delegation) => delegation.to !== 'org:globex').every((delegation) => delegation.state !== 'revoked'), 'other partners keep theirs');

      const shown = await json('carol', ['offboard', 'show', 'partner:globex']) as OffboardingView;
      assert.equal(shown.id, applied.offboarding.id);
      assert.ok(shown.changes.length > 0 && shown.changes.every((change) => change.trigger === 'partner_offboarded' && change.dueAt !== null), JSON.stringify(shown.changes));
      assert.deepEqual([shown.progress.verified, shown.progress.total], [0, shown.changes.length]);
      const mtls = shown.changes.filter((change) => change.classId === 'internal-mtls');
      assert.equal(mtls.length, 1, `one revocation per class: ${JSON.stringify(shown.changes)}`);
      assert.ok(mtls[0]!.credentials.includes(renewal.renewed));
      revocation = mtls[0]!.id;

      const again = await as('carol', ['offboard', 'partner', 'globex', '--reason', 'contract ended']);
      assert.notEqual(again.code, 0, `an offboarding cannot be applied twice: ${again.stdout}`);

      const listed = await as('carol', ['offboard', 'list']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${applied.offboarding.id} +partner:globex .* 0/${shown.changes.length} verified`));
      assert.match((await as('carol', ['offboard', 'list', '--offset', '1'])).stdout, /No offboardings after the newest 1\./);
      const badPage = await as('carol', ['offboard', 'list', '--limit', '0']);
      assert.notEqual(badPage.code, 0);
      assert.match(badPage.stderr, /--limit "0" is not a whole number from 1 to 1000/);
    });

    test('Carol approves, Ivan executes, Erin verifies: the revocation is verified on time, in offboard show and the evidence pack', async () => {
      assert.ok(revocation, 'the offboarding filed an internal-mtls revocation');
      const requested = await json('carol', ['changes', 'show', revocation]) as ChangeDetail;
      assert.deepEqual([requested.action, requested.requester, requested.trigger, requested.status], ['revoke', 'system:automation', 'partner_offboarded', 'requested']);
      assert.equal((await json('carol', ['changes', 'approve', revocation]) as ChangeDetail).status, 'approved');
      const executed = await json('ivan', ['changes', 'execute', revocation]) as ChangeDetail;
      assert.equal(executed.status, 'executed', JSON.stringify(executed.events.at(-1)));
      const verified = await json('erin', ['changes', 'verify', revocation]) as ChangeDetail;
      assert.equal(verified.status, 'verified', JSON.stringify(verified.events.at(-1)));

      const shown = await json('carol', ['offboard', 'show', 'partner:globex']) as OffboardingView;
      const change = shown.changes.find((entry) => entry.id === revocation);
      assert.ok(change, JSON.stringify(shown.changes));
      assert.deepEqual([change.status, change.onTime], ['verified', true]);
      assert.equal(shown.progress.verified, 1);
      assert.equal(shown.progress.overdue, 0);
      const shownCredential = await json('carol', ['credentials', 'show', renewal.renewed]) as CredentialShown;
      assert.equal(shownCredential.credential.status, 'revoked');

      const from = new Date(startedAt - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const to = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const pack = await json('frank', ['report', 'evidence', '--from', from, '--to', to]) as EvidencePackView;
      const revoked = pack.revocations.find((entry) => entry.changeId === revocation);
      assert.ok(revoked, `the evidence pack has the revocation: ${JSON.stringify(pack.revocations.map((entry) => entry.changeId))}`);
      assert.deepEqual([revoked.classId, revoked.trigger, revoked.sla], ['internal-mtls', 'partner_offboarded', 'met']);
      assert.ok(revoked.revokedAt !== null && revoked.verifiedAt !== null && revoked.dueAt !== null && revoked.verifiedAt <= revoked.dueAt, JSON.stringify(revoked));
      const record = pack.changes.find((entry) => entry.id === revocation);
      assert.ok(record, 'the evidence pack lists the change');
      assert.deepEqual([record.approvals, record.executor, record.verifier, record.separationOfDuties.met], [['person:carol'], 'person:ivan', 'person:erin', true]);
      assert.ok(pack.summary.slaMet >= 1);
    });

    test('Globex engaged again: Erin reinstates it, and its offboarding stays on record, reinstated', async () => {
      const reinstated = await as('erin', ['offboard', 'reinstate', 'partner:globex', '--reason', 'new contract signed']);
      assert.equal(reinstated.code, 0, reinstated.stderr);
      assert.match(reinstated.stdout, /partner:globex is no longer offboarded/);
      assert.match(reinstated.stdout, /revoked tokens and delegations stay revoked/);
      const shown = await as('carol', ['offboard', 'show', 'partner:globex']);
      assert.match(shown.stdout, /Reinstated by person:erin at .*: new contract signed/);
      const twice = await as('erin', ['offboard', 'reinstate', 'partner:globex', '--reason', 'again']);
      assert.notEqual(twice.code, 0);
      assert.match(twice.stderr, /was already reinstated at .* by person:erin; partner:globex is not offboarded/);
      const bare = await as('erin', ['offboard', 'reinstate', 'partner:globex']);
      assert.notEqual(bare.code, 0);
      assert.match(bare.stderr, /--reason/);
    });
  });
}
