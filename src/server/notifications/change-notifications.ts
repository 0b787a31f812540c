// What changes tell people (change-journal.ts `notify`, playbooks, delegation revocations): outbox messages
// of topic `notification` naming principal references (person:, team:, org:). Delivered by email when SMTP
// is configured: references are expanded to people with governance as it stands at delivery, and each
// message becomes one email to all of them. Partners are told about their own changes (a revoked
// delegation, a change of theirs approved); nobody who is not declared is.
//
// When webhooks are configured, each message is also posted to them (Standard Webhooks, with a Slack text),
// before the email: if the email then fails, the retry posts again under the same webhook-id, which
// receivers drop as a repeat, and the email is sent once, when it succeeds.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Governance } from '../../core/governance/index.ts';
import type { OutboxHandler, OutboxMessage } from '../jobs/outbox-dispatcher.ts';
import { emailHandler } from './email-channel.ts';
import type { ChannelDeps, NotificationChannel } from './notification-channels.ts';
import { slackEscape } from './notification-message.ts';
import type { EmailMessage, Recipient } from './notification-message.ts';
import type { NotificationSettings } from './notification-settings.ts';
import { webhookPoster } from './webhook-channel.ts';

export const changeNotificationTopic = 'notification';

const id = z.string().min(1).max(200);
const changeNotificationSchema = z.object({
  event: z.string().min(1).max(100).regex(/^[a-z_]+$/),
  changeId: id.optional(), classId: id.optional(), action: id.optional(), status: id.optional(),
  reviewId: id.optional(), delegationId: id.optional(),
  recipients: z.array(z.string().min(1).max(200)).max(1000),
});
export type ChangeNotification = z.infer<typeof changeNotificationSchema>;

/** What each event asks of its reader, in plain words, and the command that does it. */
const wording: Record<string, (message: ChangeNotification) => { subject: string; next: string | null }> = {
  approval_needed: (m) => ({ subject: `change ${m.changeId} (${m.action} on ${m.classId}) waits for your approval`, next: `trustplane changes show ${m.changeId}, then trustplane changes approve ${m.changeId} (or reject it with a note)` }),
  requested: (m) => ({ subject: `change ${m.changeId} (${m.action} on ${m.classId}) was requested`, next: `trustplane changes show ${m.changeId}` }),
  approved: (m) => ({ subject: `change ${m.changeId} (${m.action} on ${m.classId}) is approved and can be executed`, next: `trustplane changes execute ${m.changeId}` }),
  approval_recorded: (m) => ({ subject: `an approval of change ${m.changeId} (${m.action} on ${m.classId}) was recorded`, next: `trustplane changes show ${m.changeId}` }),
  review_opened: (m) => ({ subject: `an emergency change${m.changeId === undefined ? '' : ` (${m.changeId})`} waits for your review`, next: `trustplane reviews complete ${m.reviewId} --accept (or --flag with a note)` }),
  delegation_revoked: (m) => ({ subject: `delegation ${m.delegationId} was revoked`, next: 'trustplane delegations list' }),
};

const describe = (message: ChangeNotification): { subject: string; next: string | null } =>
  wording[message.event]?.(message) ?? {
    subject: message.changeId === undefined ? message.event.replaceAll('_', ' ') : `change ${message.changeId} (${message.action} on ${message.classId}): ${message.event.replaceAll('_', ' ')}`,
    next: message.changeId === undefined ? null : `trustplane changes show ${message.changeId}`,
  };

/** The people the references name, with an address: person:ID, every member of team:ID, everyone of org:ID. */
export const recipientsOf = (governance: Governance | null, refs: readonly string[]): Recipient[] => {
  const people = governance?.people ?? [];
  const found = new Map<string, Recipient>();
  for (const ref of refs) {
    const colon = ref.indexOf(':');
    const [kind, value] = [ref.slice(0, colon), ref.slice(colon + 1)];
    const matching = kind === 'person' ? people.filter((person) => person.id === value)
      : kind === 'team' ? people.filter((person) => person.teams.includes(value))
        : kind === 'org' ? people.filter((person) => person.org === value) : [];
    for (const person of matching) found.set(person.id, { person: person.id, name: person.name, email: person.email });
  }
  return [...found.values()].sort((a, b) => a.person.localeCompare(b.person));
};

export const changeEmail = (message: ChangeNotification, to: Recipient[]): EmailMessage => {
  const { subject, next } = describe(message);
  const facts = [
    ['change', message.changeId], ['class', message.classId], ['action', message.action], ['status', message.status], ['review', message.reviewId], ['delegation', message.delegationId],
  ].filter((fact): fact is [string, string] => fact[1] !== undefined);
  const text = [
    `Trustplane: ${subject}.`, '',
    ...facts.map(([label, value]) => `  ${`${label}:`.padEnd(12)} ${value}`), '',
    ...(next === null ? [] : [`Next: ${next}`, '']),
  ].join('\n');
  return { kind: 'change', to, subject: `[Trustplane] ${subject}`, text };
};

/** The webhook event of a change notification: review.opened, delegation.revoked, otherwise change.<event>. */
const webhookEventOf = (event: string): string => {
  const [subject, ...rest] = event.split('_');
  return subject === 'review' || subject === 'delegation' ? `${subject}.${rest.join('_')}` : `change.${event}`;
};

/**
 * The webhook id of a message: from the outbox row (the same on every attempt, and unique), or, for a
 * payload delivered outside the outbox, from its content.
 */
const webhookIdOf = (payload: ChangeNotification, message: OutboxMessage | undefined): string =>
  message === undefined
    ? `ntf_${createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32)}`
    : `ntf_${Date.parse(message.createdAt).toString(36)}_${message.seq}`;

/** The JSON a webhook receives: the notification's facts, and a `text` a Slack incoming webhook shows. */
export const changeWebhook = (message: ChangeNotification, id: string, at: Date) => {
  const { subject, next } = describe(message);
  const { recipients, event, ...facts } = message;
  return {
    event: webhookEventOf(event), id, timestamp: at.toISOString(), notification: { event, ...facts, recipients },
    text: `Trustplane: ${slackEscape(subject)}.${next === null ? '' : ` Next: \`${slackEscape(next)}\``}`,
  };
};

type ChangeChannelDeps = Pick<ChannelDeps, 'warn' | 'deliveryTimeoutMs' | 'clock'> & { governance?: () => Promise<Governance | null> };

/** The handler of `notification` messages: webhooks when configured, then email when SMTP and governance are; undefined when neither. */
export const changeNotificationHandler = (settings: NotificationSettings, deps: ChangeChannelDeps): OutboxHandler | undefined => {
  const governance = deps.governance;
  const email = settings.smtp === undefined || governance === undefined ? undefined : emailHandler(settings.smtp, deps);
  const webhooks = settings.webhooks === undefined || settings.webhooks.length === 0 ? undefined : webhookPoster(settings.webhooks, deps);
  if (email === undefined && webhooks === undefined) return undefined;
  return async (payload, message) => {
    const parsed = changeNotificationSchema.safeParse(payload);
    if (!parsed.success) throw new Error(`the ${changeNotificationTopic} message is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    if (webhooks !== undefined) {
      const id = webhookIdOf(parsed.data, message);
      await webhooks(id, JSON.stringify(changeWebhook(parsed.data, id, deps.clock.now())));
    }
    if (email === undefined || governance === undefined) return;
    const to = recipientsOf(await governance(), parsed.data.recipients);
    // Nobody with an address (a service account, someone no longer declared): no email, and nothing to retry.
    if (to.length === 0) return;
    await email(changeEmail(parsed.data, to) as unknown as Record<string, unknown>);
  };
};

export const changeNotificationChannel: NotificationChannel = {
  name: 'change-notifications',
  topic: changeNotificationTopic,
  handler: (settings, deps) => changeNotificationHandler(settings, deps),
};
