// Alerts end to end through the API on both databases: a sweep opens one alert per finding and routes it
// by the decision rights, a second sweep opens nothing new, a finding that moves into a more severe window
// notifies again, an alert nobody acknowledged escalates to the business owner, an acknowledged one does
// not, one whose condition cleared resolves by itself, and denials raise an alert for the class owners.
// Notifications are outbox messages written in the sweep's transaction (delivery has tests of its own).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';

const day = 86_400_000;
const at = instants.wednesdayNoon;
const inDays = (days: number): string => new Date(at.getTime() + days * day).toISOString();

type AlertView = { id: string; type: string; target: string; severity: string; stage: string; state: string; recipients: string[]; escalateTo: string[]; escalatedAt: string | null; acknowledgedBy: string | null; resolvedBy: string | null; summary: string };
type Message = { topic: string; payload: Record<string, unknown> };

for (const target of databaseTargets) {
  describe(`alerts on ${target.name}`, () => {
    let tp: DecisionRightsFixture;
    const ids = new Map<string, string>();

    const importCertificates = async (certificates: { id: string; notAfter: string }[]): Promise<void> => {
      const document = { credentials: certificates.map((entry) => ({ kind: 'x509_certificate', id: entry.id, name: `${entry.id}.svc.acme.internal`, source: 'internal-ca', class: 'internal-mtls', notAfter: entry.notAfter, managedStorage: true })) };
      await tp.services.inventory.importFiles([{ name: 'soon.json', bytes: Buffer.from(JSON.stringify(document)) }], {}, 'system:bootstrap');
    };
    const sweep = async () => {
      const response = await tp.as('carol', 'POST', '/api/v1/alerts/sweep', {});
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { opened: number; raised: number; resolved: number; escalated: number; notifications: number };
    };
    const alertOn = async (name: string, state = 'open,acknowledged'): Promise<AlertView[]> => {
      const response = await tp.as('carol', 'GET', `/api/v1/alerts?state=${state}&target=${encodeURIComponent(`credential:${ids.get(name)}`)}`);
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { items: AlertView[] }).items;
    };
    const messages = async (): Promise<Message[]> => tp.services.unitOfWork((tx) => tx.outbox.list({ pendingOnly: false, limit: 10_000 }));
    const messagesAbout = async (alertId: string): Promise<Message[]> =>
      (await messages()).filter((message) => JSON.stringify(message.payload).includes(alertId));

    before(async () => {
      tp = await startDecisionRightsFixture(target, {
        credentials: 2, at,
        services: { notifications: { smtp: { url: 'smtp://127.0.0.1:9', from: 'trustplane@acme.example' }, webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` }] } },
      });
      await importCertificates([{ id: 'soon', notAfter: inDays(20) }, { id: 'sooner', notAfter: inDays(6) }, { id: 'later', notAfter: inDays(200) }]);
      const listed = await tp.services.inventory.list({ classId: 'internal-mtls', page: 1, pageSize: 100, sort: 'name', descending: false });
      for (const credential of listed.items) ids.set(credential.name.replace('.svc.acme.internal', ''), credential.id);
    });
    after(() => tp.close());

    test('a sweep opens one alert per finding, routed to the technical owner, with an email and a webhook each', async () => {
      const report = await sweep();
      assert.ok(report.opened >= 2, `opened ${report.opened}`);
      const [soon] = await alertOn('soon');
      const [sooner] = await alertOn('sooner');
      assert.equal((await alertOn('later')).length, 0, 'a certificate 200 days from expiry raises nothing');
      assert.deepEqual([soon?.type, soon?.severity, soon?.stage, soon?.recipients, soon?.escalateTo], ['expiring', 'warning', '30d', ['dave'], ['carol']]);
      assert.deepEqual([sooner?.type, sooner?.severity, sooner?.stage], ['expiring', 'high', '7d']);
      assert.match(sooner?.summary ?? '', /sooner\.svc\.acme\.internal expires in 6 days/);
      const sent = await messagesAbout(sooner!.id);
      assert.deepEqual(sent.map((message) => message.topic).sort(), ['notify.email', 'notify.webhook']);
      const email = sent.find((message) => message.topic === 'notify.email')!.payload as { to: { email: string }[]; subject: string };
      assert.deepEqual(email.to.map((recipient) => recipient.email), ['dave.kim@acme.example']);
      assert.match(email.subject, /^\[Trustplane\] high: certificate sooner/);
      assert.equal((sent.find((message) => message.topic === 'notify.webhook')!.payload as { event: string }).event, 'alert.opened');
    });

    test('a second sweep opens nothing new: an alert is unique per type and target', async () => {
      const before_ = await alertOn('soon');
      const report = await sweep();
      assert.deepEqual([report.opened, report.raised, report.resolved], [0, 0, 0]);
      assert.deepEqual((await alertOn('soon')).map((alert) => alert.id), before_.map((alert) => alert.id));
    });

    test('only the people it was routed to (and administrators) may acknowledge an alert', async () => {
      const [soon] = await alertOn('soon');
      const denied = await tp.as('ivan', 'POST', `/api/v1/alerts/${soon!.id}/ack`, { note: 'on it' });
      assert.equal(denied.statusCode, 403, denied.body);
      const acknowledged = await tp.as('dave', 'POST', `/api/v1/alerts/${soon!.id}/ack`, { note: 'renewing tonight' });
      assert.equal(acknowledged.statusCode, 200, acknowledged.body);
      assert.deepEqual([acknowledged.json().state, acknowledged.json().acknowledgedBy], ['acknowledged', 'person:dave']);
      const again = await tp.as('dave', 'POST', `/api/v1/alerts/${soon!.id}/ack`, {});
      assert.equal(again.json().code, 'INVALID_TRANSITION');
    });

    test('moving into a more severe window notifies again; unacknowledged alerts escalate to the business owner, acknowledged ones do not', async () => {
      const [sooner] = await alertOn('sooner');
      const sentBefore = (await messagesAbout(sooner!.id)).length;
      tp.clock.set(new Date(at.getTime() + 5 * day + 1));
      const report = await sweep();
      assert.ok(report.raised >= 1 && report.escalated >= 1, JSON.stringify(report));
      const [raised] = await alertOn('sooner');
      assert.equal(raised?.id, sooner?.id, 'the same alert, not a new one');
      assert.deepEqual([raised?.severity, raised?.stage], ['critical', '1d']);
      assert.notEqual(raised?.escalatedAt, null);
      const sent = (await messagesAbout(sooner!.id)).slice(sentBefore);
      const escalation = sent.find((message) => message.topic === 'notify.email' && message.payload.kind === 'escalation')?.payload as { to: { person: string }[] } | undefined;
      assert.deepEqual(escalation?.to.map((recipient) => recipient.person), ['carol']);
      assert.ok(sent.some((message) => message.topic === 'notify.webhook' && message.payload.event === 'alert.raised'));
      const [soon] = await alertOn('soon');
      assert.deepEqual([soon?.state, soon?.escalatedAt], ['acknowledged', null], 'an acknowledged alert does not escalate');
      const entries = await tp.services.audit.list({ limit: 200 });
      assert.ok(entries.some((entry) => entry.action === 'alert.escalate' && entry.target === `alert:${sooner!.id}`));
      assert.ok(entries.some((entry) => entry.action === 'alert.acknowledge' && entry.actor === 'person:dave'));
    });

    test('an alert resolves by itself when its condition clears', async () => {
      const [sooner] = await alertOn('sooner');
      await importCertificates([{ id: 'sooner', notAfter: inDays(400) }]);
      const report = await sweep();
      assert.ok(report.resolved >= 1);
      assert.equal((await alertOn('sooner')).length, 0);
      const [resolved] = await alertOn('sooner', 'resolved');
      assert.deepEqual([resolved?.id, resolved?.state, resolved?.resolvedBy], [sooner?.id, 'resolved', 'system:monitor']);
    });

    test('denied attempts raise one alert per principal and class for the class owners', async () => {
      const credential = tp.freshCredential('internal-mtls');
      for (let attempt = 0; attempt < 2; attempt += 1) {
        // Gina's window is closed at noon on a weekday: Cedar denies her.
        const response = await tp.as('gina', 'POST', '/api/v1/changes', { action: 'renew', credentials: [credential], reason: 'renewal' });
        assert.equal(response.statusCode, 403, response.body);
      }
      await sweep();
      const response = await tp.as('carol', 'GET', '/api/v1/alerts?type=denied_attempt');
      const alert = (response.json() as { items: (AlertView & { details: { count: number } })[] }).items.find((entry) => entry.target === 'denied:person:gina@internal-mtls');
      assert.ok(alert !== undefined, response.body);
      assert.equal(alert.details.count, 2);
      assert.deepEqual(alert.recipients, ['carol', 'dave']);
    });

    test('the daily digest: one email per person, listing the open alerts routed to them', async () => {
      const written = await tp.services.alerts.digest('2026-11-30');
      const digests = (await messages()).filter((message) => message.topic === 'notify.email' && message.payload.kind === 'digest');
      assert.equal(digests.length, written);
      const toDave = digests.find((message) => (message.payload.to as { person: string }[])[0]?.person === 'dave')?.payload as { subject: string; text: string; alerts: { id: string }[] } | undefined;
      assert.ok(toDave !== undefined, 'dave has open alerts, so a digest');
      assert.match(toDave.subject, /digest for 2026-11-30/);
      const [soon] = await alertOn('soon');
      assert.ok(toDave.alerts.some((alert) => alert.id === soon?.id), 'his acknowledged alert is still open, so in his digest');
      assert.ok(digests.every((message) => (message.payload.to as unknown[]).length === 1), 'each digest goes to one person');
    });

    test('bad input is refused with what was wrong', async () => {
      const response = await tp.as('carol', 'GET', '/api/v1/alerts?state=opened');
      assert.equal(response.statusCode, 400);
      assert.match(response.json().detail, /"opened" is not an alert state/);
      assert.equal((await tp.as('carol', 'POST', '/api/v1/alerts/alr_nope/ack', {})).statusCode, 404);
    });
  });
}
