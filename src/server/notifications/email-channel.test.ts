// The email channel against a real SMTP server (smtp-server, in this process, on a free port); what arrives
// is read back with mailparser (test/support/notification-sinks.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSmtpSink } from '../../../test/support/notification-sinks.ts';
import type { SmtpSink } from '../../../test/support/notification-sinks.ts';
import { createNotificationChannels } from './notification-channels.ts';
import type { AlertNotice, Recipient } from './notification-message.ts';
import { alertEmail, digestEmail } from './notification-message.ts';

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

/** What the outbox hands a handler: the payload after a round trip through its JSON column. */
const stored = (payload: object): Record<string, unknown> => JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;

const options = { publicUrl: 'https://trustplane.example' };
const alice: Recipient = { person: 'alice', name: 'Alice Example', email: 'alice@example.com' };
const bob: Recipient = { person: 'bob', name: 'Bob O\'Neil, Ops', email: 'bob@example.com' };
const expiring: AlertNotice = {
  id: 'alt_1', type: 'expiring', severity: 'high', state: 'open', target: 'credential:crt_api', classId: 'tls-public',
  summary: 'certificate api.example expires in 6 days', stage: '7d', openedAt: '2026-05-01T08:00:00.000Z',
  details: { daysLeft: 6 }, recipients: ['alice', 'bob'],
};

const emailHandlerFor = (url: string, warn: (message: string) => void = () => undefined) => {
  const { handlers, channels } = createNotificationChannels({ smtp: { url, from: 'Trustplane <trustplane@example.com>' } }, { warn });
  assert.deepEqual(channels, ['email']);
  assert.deepEqual([...handlers.keys()], ['notify.email']);
  return handlers.get('notify.email')!;
};

describe('the email channel', () => {
  let smtp: SmtpSink;
  before(async () => { smtp = await startSmtpSink(); });
  after(() => smtp.close());

  test('sends an alert email to all its recipients, from the configured sender', async () => {
    await emailHandlerFor(smtp.url)(stored(alertEmail('alert', expiring, [alice, bob], options)));
    const message = smtp.received.at(-1)!;
    assert.equal(message.mailFrom, 'trustplane@example.com');
    assert.deepEqual(message.rcptTo, ['alice@example.com', 'bob@example.com']);
    assert.deepEqual(message.mail.from?.value, [{ name: 'Trustplane', address: 'trustplane@example.com' }]);
    const to = Array.isArray(message.mail.to) ? message.mail.to.flatMap((entry) => entry.value) : message.mail.to?.value;
    assert.deepEqual(to, [{ name: 'Alice Example', address: 'alice@example.com' }, { name: 'Bob O\'Neil, Ops', address: 'bob@example.com' }]);
    assert.equal(message.mail.subject, '[Trustplane] high: certificate api.example expires in 6 days');
    for (const line of ['Trustplane raised an alert.', 'days left: 6', 'Routed to: Alice Example, Bob O\'Neil, Ops.',
      'To acknowledge it, run: trustplane alerts ack alt_1', 'The alert: https://trustplane.example/api/v1/alerts/alt_1']) {
      assert.ok(message.mail.text?.includes(line), `the body says "${line}":\n${message.mail.text}`);
    }
  });

  test('sends a person their digest', async () => {
    const critical = { ...expiring, id: 'alt_2', severity: 'critical' as const, summary: 'certificate pay.example has expired' };
    await emailHandlerFor(smtp.url)(stored(digestEmail(alice, [expiring, critical], '2026-05-02', options)));
    const message = smtp.received.at(-1)!;
    assert.deepEqual(message.rcptTo, ['alice@example.com']);
    assert.equal(message.mail.subject, '[Trustplane] digest for 2026-05-02: 2 open alerts, most severe critical');
    const text = message.mail.text ?? '';
    assert.ok(text.startsWith('Open alerts routed to Alice Example on 2026-05-02: 2.'), text);
    assert.ok(text.indexOf('critical (1)') < text.indexOf('certificate pay.example has expired'), text);
    assert.ok(text.indexOf('certificate pay.example has expired') < text.indexOf('high (1)'), text);
    assert.ok(text.indexOf('high (1)') < text.indexOf('certificate api.example expires in 6 days'), text);
  });

  test('refuses a message that is not a notify.email message, saying what is wrong', async () => {
    await assert.rejects(emailHandlerFor(smtp.url)({ kind: 'alert', to: [], subject: 'x', text: 'y' }), /the notify\.email message is not valid: to: /);
  });
});

describe('the email channel when delivery fails', () => {
  test('throws when the server refuses every recipient, naming the server and its answer', async () => {
    const smtp = await startSmtpSink({ onRcptTo: (_address, _session, callback) => callback(smtpError('Mailbox unavailable', 550)) });
    try {
      await assert.rejects(emailHandlerFor(smtp.url)(stored(alertEmail('alert', expiring, [alice, bob], options))), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, new RegExp(`^the alert email to 2 recipients was not sent through smtp://127\\.0\\.0\\.1:${smtp.port}: .*550 Mailbox unavailable`));
        return true;
      });
      assert.equal(smtp.received.length, 0);
    } finally {
      await smtp.close();
    }
  });

  test('counts a message as delivered when some recipients took it, and warns of those refused', async () => {
    const smtp = await startSmtpSink({
      onRcptTo: (address, _session, callback) => callback(address.address === 'bob@example.com' ? smtpError('No such user', 550) : null),
    });
    const warnings: string[] = [];
    try {
      await emailHandlerFor(smtp.url, (message) => warnings.push(message))(stored(alertEmail('alert', expiring, [alice, bob], options)));
      assert.deepEqual(smtp.received.map((message) => message.rcptTo), [['alice@example.com']]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /was refused by smtp:\/\/127\.0\.0\.1:\d+ for bob@example\.com; the others received it/);
    } finally {
      await smtp.close();
    }
  });

  test('never repeats the password of the SMTP URL, even when the server echoes it', async () => {
    const password = 'hunter2/S3cret@pw';
    const smtp = await startSmtpSink({
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => callback(smtpError(`Invalid login for ${auth.username} with ${auth.password}`, 535)),
    });
    try {
      const url = `smtp://ops:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`;
      await assert.rejects(emailHandlerFor(url)(stored(alertEmail('alert', expiring, [alice], options))), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, new RegExp(`^the alert email to 1 recipient was not sent through smtp://127\\.0\\.0\\.1:${smtp.port}: .*535 Invalid login for ops with \\[redacted\\]`));
        for (const form of [password, encodeURIComponent(password), Buffer.from(password).toString('base64')]) assert.ok(!error.message.includes(form), error.message);
        return true;
      });
    } finally {
      await smtp.close();
    }
  });

  test('gives up within the delivery budget when the server answers every command in time but the whole takes longer', async () => {
    // Each answer comes after 300 ms, inside the per-command timeouts (an 800 ms budget allows 400 ms of
    // silence), but the sender and two recipients take 900 ms in all.
    const slowly = (callback: () => void) => setTimeout(callback, 300);
    const smtp = await startSmtpSink({
      disableReverseLookup: true,
      onMailFrom: (_address, _session, callback) => slowly(() => callback()),
      onRcptTo: (_address, _session, callback) => slowly(() => callback()),
    });
    try {
      const { handlers } = createNotificationChannels({ smtp: { url: smtp.url, from: 'trustplane@example.com' } }, { deliveryTimeoutMs: 800 });
      const started = performance.now();
      await assert.rejects(handlers.get('notify.email')!(stored(alertEmail('alert', expiring, [alice, bob], options))),
        new RegExp(`^Error: the alert email to 2 recipients was not sent through smtp://127\\.0\\.0\\.1:${smtp.port}: it did not finish within 0\\.8 s$`));
      assert.ok(performance.now() - started < 1000, 'it did not wait for the slow server to finish');
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(smtp.received.length, 0, 'the message was never completed');
    } finally {
      await smtp.close();
    }
  });

  test('throws when nothing listens at the server\'s address', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await assert.rejects(emailHandlerFor(`smtp://127.0.0.1:${port}`)(stored(alertEmail('alert', expiring, [alice], options))),
      new RegExp(`^Error: the alert email to 1 recipient was not sent through smtp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });
});
