// The webhook channel against real HTTP receivers (node:http, on free ports; test/support/notification-sinks.ts).
// Signatures are checked both with the `standardwebhooks` package's Webhook.verify and by an HMAC computed here
// from the spec's words.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { headersOf, startWebhookSink } from '../../../test/support/notification-sinks.ts';
import type { WebhookSink, WebhookSinkOptions } from '../../../test/support/notification-sinks.ts';
import { fixedClock } from '../platform.ts';
import { createNotificationChannels, deliveryTimeoutFor } from './notification-channels.ts';
import type { AlertNotice } from './notification-message.ts';
import { webhookMessage } from './notification-message.ts';
import type { WebhookEndpoint } from './notification-settings.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const expiring: AlertNotice = {
  id: 'alt_1', type: 'expiring', severity: 'high', state: 'open', target: 'credential:crt_api', classId: 'tls-public',
  summary: 'certificate api.example expires in 6 days', stage: '7d', openedAt: '2026-05-01T08:00:00.000Z',
  details: { daysLeft: 6 }, recipients: ['alice'],
};
const payload = () => JSON.parse(JSON.stringify(webhookMessage('alert.opened', expiring, new Date('2026-05-01T08:00:05.000Z'), 1))) as Record<string, unknown>;

/** A receiver whose path stands for the secret part of a webhook URL: no error may repeat it. */
const startReceiver = (answer: Omit<WebhookSinkOptions, 'path'> = {}) => startWebhookSink(secret, { ...answer, path: '/hooks/trustplane-XXsecretpathXX' });

const webhookHandlerFor = (endpoints: WebhookEndpoint[], deps: Parameters<typeof createNotificationChannels>[1] = {}) => {
  const { handlers, channels } = createNotificationChannels({ webhooks: endpoints }, deps);
  // Change notifications go to the same webhooks (change-notifications.test.ts).
  assert.deepEqual(channels, ['webhook', 'change-notifications', 'change-webhook']);
  return handlers.get('notify.webhook')!;
};

describe('the webhook channel', () => {
  let receiver: WebhookSink;
  before(async () => { receiver = await startReceiver(); });
  after(() => receiver.close());

  test('POSTs the message as JSON, signed as Standard Webhooks specifies', async () => {
    const before = Math.floor(Date.now() / 1000);
    await webhookHandlerFor([{ url: receiver.url, secret }])(payload());
    const delivery = receiver.deliveries.at(-1)!;
    assert.equal(delivery.method, 'POST');
    assert.equal(delivery.headers['content-type'], 'application/json');
    assert.equal(delivery.headers['webhook-id'], 'msg_alt_1_1');
    const timestamp = Number(delivery.headers['webhook-timestamp']);
    assert.ok(Number.isInteger(timestamp) && timestamp >= before && timestamp <= Math.floor(Date.now() / 1000) + 1);

    assert.deepEqual(new Webhook(secret).verify(delivery.body, headersOf(delivery)), payload());
    const signed = `${delivery.headers['webhook-id']}.${delivery.headers['webhook-timestamp']}.${delivery.body}`;
    const hmac = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(signed).digest('base64');
    assert.equal(delivery.headers['webhook-signature'], `v1,${hmac}`);

    const body = JSON.parse(delivery.body) as Record<string, unknown>;
    assert.equal(body.text, '*high* alert opened: certificate api.example expires in 6 days (expiring, credential:crt_api, alt_1)');
    assert.equal(body.event, 'alert.opened');
    assert.deepEqual(body.alert, expiring);
  });

  test('a body changed on the way, or another secret, fails verification', async () => {
    await webhookHandlerFor([{ url: receiver.url, secret }])(payload());
    const delivery = receiver.deliveries.at(-1)!;
    const tampered = delivery.body.replace('"severity":"high"', '"severity":"info"');
    assert.notEqual(tampered, delivery.body);
    assert.throws(() => new Webhook(secret).verify(tampered, headersOf(delivery)), WebhookVerificationError);
    assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivery.body, headersOf(delivery)), WebhookVerificationError);
    assert.throws(() => new Webhook(secret).verify(delivery.body, { ...headersOf(delivery), 'webhook-id': 'msg_alt_1_2' }), WebhookVerificationError);
  });

  test('stamps each attempt with the clock\'s time, so a replayed old message is refused by the receiver', async () => {
    const clock = fixedClock(new Date('2026-05-01T08:00:07.000Z'));
    await webhookHandlerFor([{ url: receiver.url, secret }], { clock })(payload());
    const delivery = receiver.deliveries.at(-1)!;
    assert.equal(delivery.headers['webhook-timestamp'], String(Date.parse('2026-05-01T08:00:07.000Z') / 1000));
    assert.throws(() => new Webhook(secret).verify(delivery.body, headersOf(delivery)), /timestamp too (old|new)/);
  });

  test('refuses a message that is not a notify.webhook message', async () => {
    await assert.rejects(webhookHandlerFor([{ url: receiver.url, secret }])({ ...payload(), id: 'msg.1' }), /the notify\.webhook message is not valid: id: /);
  });
});

describe('the webhook channel with several endpoints', () => {
  test('posts the same signed message to each', async () => {
    const [first, second] = [await startReceiver({ status: 200 }), await startReceiver({ status: 202 })];
    const otherSecret = `whsec_${randomBytes(24).toString('base64')}`;
    try {
      await webhookHandlerFor([{ url: first.url, secret }, { url: second.url, secret: otherSecret }])(payload());
      assert.equal(first.deliveries.length, 1);
      assert.equal(second.deliveries.length, 1);
      assert.equal(first.deliveries[0]!.body, second.deliveries[0]!.body);
      assert.equal(first.deliveries[0]!.headers['webhook-id'], second.deliveries[0]!.headers['webhook-id']);
      assert.deepEqual(new Webhook(secret).verify(first.deliveries[0]!.body, headersOf(first.deliveries[0]!)), payload());
      assert.deepEqual(new Webhook(otherSecret).verify(second.deliveries[0]!.body, headersOf(second.deliveries[0]!)), payload());
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('throws when any endpoint fails, naming it by origin, never by its path or the secret', async () => {
    const [working, failing, redirecting] = [await startReceiver(), await startReceiver({ status: 500 }), await startReceiver({ status: 302, headers: { location: 'http://127.0.0.1:9/' } })];
    try {
      const handler = webhookHandlerFor([{ url: working.url, secret }, { url: failing.url, secret }, { url: redirecting.url, secret }]);
      await assert.rejects(handler(payload()), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message, `2 of 3 webhook endpoints did not take message msg_alt_1_1: webhook 2 (${failing.origin}) answered 500; webhook 3 (${redirecting.origin}) answered 302`);
        assert.ok(!error.message.includes('XXsecretpathXX') && !error.message.includes(secret.slice(6, 20)));
        return true;
      });
      // The working endpoint got it; the outbox's retry posts to all three again, and receivers dedupe by webhook-id.
      assert.equal(working.deliveries.length, 1);
      assert.equal(failing.deliveries.length, 1);
    } finally {
      await Promise.all([working.close(), failing.close(), redirecting.close()]);
    }
  });

  test('throws when an endpoint cannot be reached', async () => {
    const gone = await startReceiver();
    await gone.close();
    await assert.rejects(webhookHandlerFor([{ url: gone.url, secret }])(payload()),
      new RegExp(`^Error: 1 of 1 webhook endpoints did not take message msg_alt_1_1: webhook 1 \\(${gone.origin.replace(/\./g, '\\.')}\\) could not be reached \\(ECONNREFUSED\\)$`));
  });
});

describe('the notification channel registry', () => {
  test('gives each configured channel a handler for its topic, and none to a channel not configured', () => {
    assert.deepEqual(createNotificationChannels({}), { handlers: new Map(), channels: [] });
    const both = createNotificationChannels({ smtp: { url: 'smtp://127.0.0.1:2525', from: 'trustplane@localhost' }, webhooks: [{ url: 'https://hooks.example/a', secret }] });
    // Change notifications need governance to find people's addresses; without it, they go by webhook only.
    assert.deepEqual(both.channels, ['email', 'webhook', 'change-notifications', 'change-webhook']);
    assert.deepEqual([...both.handlers.keys()], ['notify.email', 'notify.webhook', 'notification', 'notification.webhook']);
  });
});

describe('a delivery within its lease', () => {
  test('gives up within the delivery budget (three quarters of the outbox lease), so a slow receiver is never posted twice', async () => {
    const slow = await startReceiver({ answerAfterMs: 1500 });
    try {
      const started = performance.now();
      await assert.rejects(webhookHandlerFor([{ url: slow.url, secret }], { deliveryTimeoutMs: deliveryTimeoutFor(400) })(payload()), /gave no answer within 0\.3 s/);
      assert.ok(performance.now() - started < 1200, 'it did not wait for the slow answer');
      assert.equal(deliveryTimeoutFor(60_000), 40_000, 'never more than the default budget');
    } finally {
      await slow.close();
    }
  });
});
