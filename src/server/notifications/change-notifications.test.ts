// Change notifications by email, against a real SMTP server: principal references become the people
// governance names at delivery (persons, team members, a partner's people), and each event says what it
// asks of its reader.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { governanceSchema } from '../../core/governance/governance-schema.ts';
import { startSmtpSink } from '../../../test/support/notification-sinks.ts';
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
    assert.deepEqual(channels, ['email', 'change-email']);
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
