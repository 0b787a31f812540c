import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertNotice, Recipient } from './notification-message.ts';
import { alertEmail, digestEmail, emailMessageSchema, webhookMessage, webhookMessageSchema } from './notification-message.ts';

const options = { publicUrl: 'https://trustplane.example' };
const alice: Recipient = { person: 'alice', name: 'Alice Example', email: 'alice@example.com' };
const expiring: AlertNotice = {
  id: 'alt_1', type: 'expiring', severity: 'high', state: 'open', target: 'credential:crt_api', classId: 'tls-public',
  summary: 'certificate api.example expires in 6 days', stage: '7d', openedAt: '2026-05-01T08:00:00.000Z',
  details: { daysLeft: 6, notAfter: '2026-05-07T08:00:00.000Z', dnsNames: ['api.example', 'www.api.example'] },
  recipients: ['alice', 'bob'],
};
const alertOf = (id: string, severity: AlertNotice['severity'], openedAt: string, summary: string): AlertNotice =>
  ({ ...expiring, id, severity, openedAt, summary });

describe('alert emails', () => {
  test('say the severity and summary in the subject, the facts, who was told and how to acknowledge in the text', () => {
    const email = alertEmail('alert', expiring, [alice], options);
    assert.equal(email.kind, 'alert');
    assert.equal(email.subject, '[Trustplane] high: certificate api.example expires in 6 days');
    assert.deepEqual(email.to, [alice]);
    assert.equal(email.alert, expiring);
    for (const line of [
      'Trustplane raised an alert.', 'certificate api.example expires in 6 days', 'type:', 'expiring', 'credential:crt_api',
      'tls-public', 'days left: 6', 'not after:', '2026-05-07T08:00:00.000Z', 'dns names: api.example, www.api.example',
      // bob is routed the alert but has no address among this email's recipients: he is named by id.
      'Routed to: Alice Example, bob.',
      'To acknowledge it, run: trustplane alerts ack alt_1', 'The alert: https://trustplane.example/api/v1/alerts/alt_1',
    ]) assert.ok(email.text.includes(line), `the text says "${line}":\n${email.text}`);
    assert.ok(emailMessageSchema.safeParse(email).success);
  });

  test('an escalation says so in its subject and opening', () => {
    const email = alertEmail('escalation', { ...expiring, severity: 'critical' }, [alice], options);
    assert.equal(email.kind, 'escalation');
    assert.equal(email.subject, '[Trustplane] escalated, critical: certificate api.example expires in 6 days');
    assert.match(email.text, /^An alert was not acknowledged in time, so it is escalated to you\./);
  });

  test('a summary with line breaks or of great length still makes a one-line subject of bounded length', () => {
    const email = alertEmail('alert', { ...expiring, summary: `certificate api.example\r\nBcc: victim@example.com ${'x'.repeat(600)}` }, [alice], options);
    assert.doesNotMatch(email.subject, /[\r\n]/);
    assert.ok(email.subject.startsWith('[Trustplane] high: certificate api.example Bcc: victim@example.com x'));
    assert.ok(email.subject.length <= 220 && email.subject.endsWith('…'));
    assert.ok(emailMessageSchema.safeParse(email).success);
  });
});

describe('the daily digest', () => {
  const alerts = [
    alertOf('alt_w', 'warning', '2026-04-20T00:00:00.000Z', 'secret db-password is 10 days past its rotation'),
    alertOf('alt_h2', 'high', '2026-04-30T00:00:00.000Z', 'certificate b.example expires in 5 days'),
    alertOf('alt_c', 'critical', '2026-05-01T00:00:00.000Z', 'certificate pay.example has expired'),
    alertOf('alt_h1', 'high', '2026-04-29T00:00:00.000Z', 'certificate a.example expires in 4 days'),
    { ...alertOf('alt_i', 'info', '2026-04-01T00:00:00.000Z', 'key k1 has no owner'), state: 'acknowledged' as const },
  ];

  test('lists a person\'s alerts grouped by severity, most severe first, oldest first within a severity', () => {
    const email = digestEmail(alice, alerts, '2026-05-02', options);
    assert.equal(email.kind, 'digest');
    assert.deepEqual(email.to, [alice]);
    assert.equal(email.subject, '[Trustplane] digest for 2026-05-02: 5 open alerts, most severe critical');
    assert.deepEqual(email.alerts?.map((alert) => alert.id), ['alt_c', 'alt_h1', 'alt_h2', 'alt_w', 'alt_i']);
    const positions = ['critical (1)', 'certificate pay.example has expired', 'high (2)', 'certificate a.example expires in 4 days',
      'certificate b.example expires in 5 days', 'warning (1)', 'info (1)', 'key k1 has no owner'].map((line) => email.text.indexOf(line));
    assert.ok(positions.every((position) => position >= 0), email.text);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `in order:\n${email.text}`);
    assert.match(email.text, /^Open alerts routed to Alice Example on 2026-05-02: 5\./);
    assert.ok(email.text.includes('alt_i, expiring, credential:crt_api, opened 2026-04-01T00:00:00.000Z, acknowledged'));
    assert.ok(email.text.includes('https://trustplane.example/api/v1/alerts/alt_h1'));
    assert.ok(email.text.includes('trustplane alerts ack <id>'));
    assert.ok(emailMessageSchema.safeParse(email).success);
  });

  test('counts one alert in the singular, and says when nothing is waiting', () => {
    assert.equal(digestEmail(alice, [expiring], '2026-05-02', options).subject, '[Trustplane] digest for 2026-05-02: 1 open alert, most severe high');
    const empty = digestEmail(alice, [], '2026-05-02', options);
    assert.equal(empty.subject, '[Trustplane] digest for 2026-05-02: 0 open alerts');
    assert.ok(empty.text.includes('Nothing is waiting for you.'));
  });
});

describe('webhook messages', () => {
  const at = new Date('2026-05-01T08:00:05.000Z');

  test('carry a unique id, the time, the alert and a one-line Slack text', () => {
    const message = webhookMessage('alert.opened', expiring, at, 1);
    assert.deepEqual(message, {
      event: 'alert.opened', id: 'msg_alt_1_1', timestamp: '2026-05-01T08:00:05.000Z', alert: expiring,
      text: '*high* alert opened: certificate api.example expires in 6 days (expiring, credential:crt_api, alt_1)',
    });
    assert.ok(webhookMessageSchema.safeParse(message).success);
    assert.equal(webhookMessage('alert.resolved', expiring, at, 2).id, 'msg_alt_1_2');
  });

  test('say the new stage of a raised alert, and escape what Slack would read as markup', () => {
    assert.match(webhookMessage('alert.raised', { ...expiring, stage: '1d' }, at, 3).text, /^\*high\* alert raised to stage 1d: /);
    const text = webhookMessage('alert.escalated', { ...expiring, summary: 'token <!channel> & co\nexpired' }, at, 4).text;
    assert.equal(text, '*high* alert escalated: token &lt;!channel&gt; &amp; co expired (expiring, credential:crt_api, alt_1)');
  });

  test('an id with a "." is refused, since the signature joins id, timestamp and body with dots', () => {
    const message = webhookMessage('alert.opened', { ...expiring, id: 'alt.1' }, at, 1);
    assert.equal(webhookMessageSchema.safeParse(message).success, false);
  });
});
