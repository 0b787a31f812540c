// Change notifications by email, against a real SMTP server: principal references become the people
// governance names at delivery (persons, team members, a partner's people), and each event says what it
// asks of its reader. By webhook too, against a real receiver that checks the Standard Webhooks signature;
// a notification fans out to one outbox message per channel, and through the outbox each is delivered once.
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { governanceSchema } from '../../core/governance/governance-schema.ts';
import { startSmtpSink, startWebhookSink } from '../../../test/support/notification-sinks.ts';
import type { SmtpSink } from '../../../test/support/notification-sinks.ts';
import { createNotificationChannels } from './notification-channels.ts';
import { changeNotificationStaleAfterMs, recipientsOf } from './change-notifications.ts';
import { databaseTargets } from '../../../test/support/databases.ts';
import { createUnitOfWork } from '../db/unit-of-work.ts';
import { createOutboxDispatcher } from '../jobs/outbox-dispatcher.ts';
import { systemClock } from '../platform.ts';

const governance = governanceSchema.parse({
  organization: { id: 'acme', name: 'Acme' },
  partners: [{ id: 'globex', name: 'Globex', kind: 'managed_service' }],
  teams: [{ id: 'security' }, { id: 'platform' }],
  people: [
    { id: 'carol', name: 'Carol Diaz', email: 'carol@acme.example', org: 'acme', teams: ['security'] },
    { id: 'erin', name: 'Erin Walsh', email: 'erin@acme.example', org: 'acme', teams: ['security'] },
    { id: 'dave', name: 'Dave Kim', email: 'dave@acme.example', org: 'acme', teams: ['platform'] },
    { id: 'gina', name: 'Gina Ortiz', email: 'gina@globex.example', org: 'globex' },
  ],
});

describe('change notifications by email', () => {
  let sink: SmtpSink;
  before(async () => { sink = await startSmtpSink(); });
  after(() => sink.close());

  const handler = () => {
    const { handlers, channels } = createNotificationChannels({ smtp: { url: sink.url, from: 'trustplane@acme.example' } }, { governance: async () => governance });
    assert.deepEqual(channels, ['email', 'change-notifications', 'change-email']);
    return handlers.get('notification.email')!;
  };

  test('an approval needed reaches the accountable person and the approvers\' team, with the command to run', async () => {
    await handler()({ event: 'approval_needed', changeId: 'ch_1', classId: 'internal-mtls', action: 'revoke', status: 'requested', recipients: ['person:dave', 'team:security', 'person:dave'] });
    const mail = sink.received.at(-1)!;
    assert.deepEqual(mail.rcptTo.sort(), ['carol@acme.example', 'dave@acme.example', 'erin@acme.example']);
    assert.equal(mail.mail.subject, '[Trustplane] change ch_1 (revoke on internal-mtls) waits for your approval');
    assert.match(mail.mail.text ?? '', /Next: trustplane changes show ch_1, then trustplane changes approve ch_1/);
  });

  test('a partner hears of its own revoked delegation; references to nobody send nothing', async () => {
    await handler()({ event: 'delegation_revoked', delegationId: 'globex-night', recipients: ['person:carol', 'org:globex'] });
    assert.deepEqual(sink.received.at(-1)!.rcptTo.sort(), ['carol@acme.example', 'gina@globex.example']);
    const before_ = sink.received.length;
    await handler()({ event: 'approved', changeId: 'ch_2', classId: 'x', action: 'renew', status: 'approved', recipients: ['service-account:bot', 'person:gone'] });
    assert.equal(sink.received.length, before_);
    assert.deepEqual(recipientsOf(governance, ['team:platform', 'org:acme']).map((recipient) => recipient.person), ['carol', 'dave', 'erin']);
  });

  test('a message that is not a change notification is refused, and without governance the channel is not offered', async () => {
    await assert.rejects(handler()({ event: 'Not An Event', recipients: [] }), /the notification\.email message is not valid: event/);
    assert.deepEqual(createNotificationChannels({ smtp: { url: sink.url, from: 'trustplane@acme.example' } }).channels, ['email']);
  });
});

describe('change notifications fan out, one message per channel', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const approvalNeeded = { event: 'approval_needed', changeId: 'ch_1', classId: 'internal-mtls', action: 'revoke', status: 'requested', recipients: ['person:dave', 'team:security'] };
  const written = (seq: number, agoMs = 1000) => ({ seq, createdAt: new Date(Date.now() - agoMs).toISOString() });

  test('without SMTP, webhooks alone carry them: signed, with the change\'s facts, when it was written, and a Slack text', async () => {
    const receiver = await startWebhookSink(secret);
    try {
      const { handlers, channels } = createNotificationChannels({ webhooks: [{ url: receiver.url, secret }] }, { governance: async () => governance });
      assert.deepEqual(channels, ['webhook', 'change-notifications', 'change-webhook']);
      const message = written(41);
      const followUps = await handlers.get('notification')!(approvalNeeded, message);
      assert.deepEqual(followUps?.map((followUp) => followUp.topic), ['notification.webhook']);
      await handlers.get('notification.webhook')!(followUps![0]!.payload);
      const review = await handlers.get('notification')!({ event: 'review_opened', reviewId: 'rv_1', changeId: 'ch_9', recipients: ['person:carol'] }, written(42));
      await handlers.get('notification.webhook')!(review![0]!.payload);
      const [first, second] = receiver.deliveries;
      assert.equal(receiver.deliveries.length, 2);
      assert.ok(first!.verified, first!.problem ?? '');
      assert.equal(first!.message!.event, 'change.approval_needed');
      assert.deepEqual(first!.message!.notification, approvalNeeded);
      assert.equal(first!.message!.timestamp, message.createdAt, 'the time the change wrote it, on every attempt');
      assert.equal(first!.message!.text, 'Trustplane: change ch_1 (revoke on internal-mtls) waits for your approval. Next: `trustplane changes show ch_1, then trustplane changes approve ch_1 (or reject it with a note)`');
      assert.match(first!.headers['webhook-id'] as string, /^ntf_[0-9a-z]+_41$/);
      assert.equal(second!.message!.event, 'review.opened');
    } finally {
      await receiver.close();
    }
  });

  test('each channel is delivered on its own: a failing webhook does not hold up the email, and its retry posts under the same webhook-id', async () => {
    const smtp = await startSmtpSink();
    const refusing = await startWebhookSink(secret, { status: 503 });
    const taking = await startWebhookSink(secret);
    try {
      const channelsWith = (url: string) => createNotificationChannels({ smtp: { url: smtp.url, from: 'trustplane@acme.example' }, webhooks: [{ url, secret }] }, { governance: async () => governance });
      const followUps = await channelsWith(refusing.url).handlers.get('notification')!(approvalNeeded, written(7));
      const byTopic = new Map(followUps!.map((followUp) => [followUp.topic, followUp.payload]));
      assert.deepEqual([...byTopic.keys()], ['notification.email', 'notification.webhook']);
      await assert.rejects(channelsWith(refusing.url).handlers.get('notification.webhook')!(byTopic.get('notification.webhook')!),
        /1 of 1 webhook endpoints did not take message ntf_\w+: webhook 1 \(http:\/\/127\.0\.0\.1:\d+\) answered 503/);
      await channelsWith(refusing.url).handlers.get('notification.email')!(byTopic.get('notification.email')!);
      assert.deepEqual(smtp.received.map((mail) => mail.rcptTo.sort()), [['carol@acme.example', 'dave@acme.example', 'erin@acme.example']]);
      await channelsWith(taking.url).handlers.get('notification.webhook')!(byTopic.get('notification.webhook')!);
      assert.equal(taking.deliveries[0]!.headers['webhook-id'], refusing.deliveries[0]!.headers['webhook-id']);
      assert.equal(smtp.received.length, 1, 'the webhook\'s retry sent no second email');
    } finally {
      await Promise.all([smtp.close(), refusing.close(), taking.close()]);
    }
  });

  test('a notification that waited more than a day for a channel is not sent; with no channel, none takes them and they wait', async () => {
    const { handlers } = createNotificationChannels({ webhooks: [{ url: 'https://hooks.example/a', secret }] }, { governance: async () => governance });
    assert.deepEqual(await handlers.get('notification')!(approvalNeeded, written(3, changeNotificationStaleAfterMs + 60_000)), []);
    await assert.rejects(handlers.get('notification')!(approvalNeeded), /fans out from the outbox/);
    assert.equal(createNotificationChannels({}, { governance: async () => governance }).handlers.has('notification'), false);
  });

  for (const target of databaseTargets) {
    test(`through the outbox on ${target.name}: one notification becomes an email and a webhook, both delivered, each once`, async () => {
      const database = await target.create();
      const smtp = await startSmtpSink();
      const receiver = await startWebhookSink(secret);
      try {
        const { handlers } = createNotificationChannels({ smtp: { url: smtp.url, from: 'trustplane@acme.example' }, webhooks: [{ url: receiver.url, secret }] }, { governance: async () => governance });
        await createUnitOfWork(database.database)((tx) => tx.outbox.add({ topic: 'notification', payload: approvalNeeded }));
        const outbox = createOutboxDispatcher({ database: database.database, clock: systemClock, handlers });
        assert.deepEqual(await outbox.deliverDue(), { delivered: 1, failed: 0 }, 'the notification fanned out');
        assert.deepEqual(await outbox.deliverDue(), { delivered: 2, failed: 0 }, 'its email and its webhook');
        assert.deepEqual(await outbox.deliverDue(), { delivered: 0, failed: 0 });
        assert.equal(smtp.received.length, 1);
        assert.equal(receiver.deliveries.length, 1);
        assert.ok(receiver.deliveries[0]!.verified);
        const rows = await database.database.db.selectFrom('outbox').select(['topic', 'delivered_at']).orderBy('seq').execute();
        assert.deepEqual(rows.map((row) => [row.topic, row.delivered_at !== null]), [['notification', true], ['notification.email', true], ['notification.webhook', true]]);
      } finally {
        await Promise.all([smtp.close(), receiver.close()]);
        await database.destroy();
      }
    });
  }
});
