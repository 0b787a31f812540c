// Change notifications by email, against a real SMTP server: principal references become the people
// governance names at delivery (persons, team members, a partner's people), and each event says what it
// asks of its reader. By webhook too, against a real receiver that checks the Standard Webhooks signature.
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { governanceSchema } from '../../core/governance/governance-schema.ts';
import { startSmtpSink, startWebhookSink } from '../../../test/support/notification-sinks.ts';
import type { SmtpSink } from '../../../test/support/notification-sinks.ts';
import { createNotificationChannels } from './notification-channels.ts';
import { recipientsOf } from './change-notifications.ts';

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
    assert.deepEqual(channels, ['email', 'change-notifications']);
    return handlers.get('notification')!;
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
    await assert.rejects(handler()({ event: 'Not An Event', recipients: [] }), /the notification message is not valid: event/);
    assert.deepEqual(createNotificationChannels({ smtp: { url: sink.url, from: 'trustplane@acme.example' } }).channels, ['email']);
  });
});

describe('change notifications by webhook', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const approvalNeeded = { event: 'approval_needed', changeId: 'ch_1', classId: 'internal-mtls', action: 'revoke', status: 'requested', recipients: ['person:dave', 'team:security'] };

  test('without SMTP, webhooks alone carry them: signed, with the change\'s facts and a Slack text', async () => {
    const receiver = await startWebhookSink(secret);
    try {
      const { handlers, channels } = createNotificationChannels({ webhooks: [{ url: receiver.url, secret }] }, { governance: async () => governance });
      assert.deepEqual(channels, ['webhook', 'change-notifications']);
      await handlers.get('notification')!(approvalNeeded, { seq: 41, createdAt: '2026-11-22T10:00:00.000Z' });
      await handlers.get('notification')!({ event: 'review_opened', reviewId: 'rv_1', changeId: 'ch_9', recipients: ['person:carol'] }, { seq: 42, createdAt: '2026-11-22T10:00:01.000Z' });
      const [first, second] = receiver.deliveries;
      assert.equal(receiver.deliveries.length, 2);
      assert.ok(first!.verified, first!.problem ?? '');
      assert.equal(first!.message!.event, 'change.approval_needed');
      assert.deepEqual(first!.message!.notification, approvalNeeded);
      assert.equal(first!.message!.text, 'Trustplane: change ch_1 (revoke on internal-mtls) waits for your approval. Next: `trustplane changes show ch_1, then trustplane changes approve ch_1 (or reject it with a note)`');
      assert.equal(first!.headers['webhook-id'], first!.message!.id);
      assert.equal(second!.message!.event, 'review.opened');
      assert.notEqual(second!.message!.id, first!.message!.id);
    } finally {
      await receiver.close();
    }
  });

  test('the webhook goes first: while it fails no email is sent, and the retry posts under the same webhook-id', async () => {
    const smtp = await startSmtpSink();
    const refusing = await startWebhookSink(secret, { status: 503 });
    const taking = await startWebhookSink(secret);
    const message = { seq: 7, createdAt: '2026-11-22T10:00:00.000Z' };
    try {
      const channelsWith = (url: string) => createNotificationChannels({ smtp: { url: smtp.url, from: 'trustplane@acme.example' }, webhooks: [{ url, secret }] }, { governance: async () => governance });
      await assert.rejects(channelsWith(refusing.url).handlers.get('notification')!(approvalNeeded, message), /1 of 1 webhook endpoints did not take message ntf_\w+: webhook 1 \(http:\/\/127\.0\.0\.1:\d+\) answered 503/);
      assert.equal(smtp.received.length, 0, 'no email while the webhook fails');
      const retry = channelsWith(taking.url).handlers.get('notification')!;
      await retry(approvalNeeded, message);
      assert.equal(taking.deliveries[0]!.headers['webhook-id'], refusing.deliveries[0]!.headers['webhook-id']);
      assert.equal(smtp.received.length, 1);
      assert.deepEqual(smtp.received[0]!.rcptTo.sort(), ['carol@acme.example', 'dave@acme.example', 'erin@acme.example']);
    } finally {
      await Promise.all([smtp.close(), refusing.close(), taking.close()]);
    }
  });

  test('with neither SMTP nor webhooks, no channel takes them and they wait in the outbox', () => {
    assert.deepEqual(createNotificationChannels({}, { governance: async () => governance }).handlers.has('notification'), false);
  });
});
