// What changes tell people (change-journal.ts `notify`, playbooks, delegation revocations): outbox messages
// of topic `notification` naming principal references (person:, team:, org:). Delivered by email when SMTP
// is configured: references are expanded to people with governance as it stands at delivery, and each
// message becomes one email to all of them. Partners are told about their own changes (a revoked
// delegation, a change of theirs approved); nobody who is not declared is.
//
// When webhooks are configured, each message is also posted to them (Standard Webhooks, with a Slack text).
// A message fans out to one per channel (`notification.email`, `notification.webhook`), each retried on
// its own.
import { z } from 'zod';
import type { Governance } from '../../core/governance/index.ts';
import type { OutboxHandler, OutboxMessage } from '../jobs/outbox-dispatcher.ts';
import { emailHandler } from './email-channel.ts';
import type { ChannelDeps, NotificationChannel } from './notification-channels.ts';
import { parseMessage, slackEscape } from './notification-message.ts';
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

/** The webhook id of a message: from its outbox row, the same on every attempt and unique. */
const webhookIdOf = (message: OutboxMessage): string => `ntf_${Date.parse(message.createdAt).toString(36)}_${message.seq}`;

const changeWebhookSchema = z.object({
  event: z.string().regex(/^(change|review|delegation)\.[a-z_]+$/),
  // Standard Webhooks signs "id.timestamp.body": an id with a "." could blur where one part ends.
  id: z.string().min(1).max(256).regex(/^[A-Za-z0-9_-]+$/),
  timestamp: z.iso.datetime(),
  notification: changeNotificationSchema.extend({ event: z.string() }),
  text: z.string().min(1).max(4000),
});

/** The JSON a webhook receives: the notification's facts as of when it was written, and a `text` a Slack incoming webhook shows. */
export const changeWebhook = (message: ChangeNotification, id: string, writtenAt: string): z.infer<typeof changeWebhookSchema> => {
  const { subject, next } = describe(message);
  return {
    event: webhookEventOf(message.event), id, timestamp: new Date(writtenAt).toISOString(), notification: message,
    text: `Trustplane: ${slackEscape(subject)}.${next === null ? '' : ` Next: \`${slackEscape(next)}\``}`,
  };
};

/** The topics a change notification fans out to, one per channel, each delivered and retried on its own. */
export const changeNotificationTopics = { email: 'notification.email', webhook: 'notification.webhook' } as const;

/**
 * A change notification that waited longer than this for a channel (one configured since) is not sent:
 * it would announce as news what was decided long ago.
 */
export const changeNotificationStaleAfterMs = 24 * 3_600_000;

type ChangeChannelDeps = Pick<ChannelDeps, 'warn' | 'deliveryTimeoutMs' | 'clock'> & { governance?: () => Promise<Governance | null> };

const emailConfigured = (settings: NotificationSettings, deps: ChangeChannelDeps): boolean => settings.smtp !== undefined && deps.governance !== undefined;
const webhooksConfigured = (settings: NotificationSettings): boolean => settings.webhooks !== undefined && settings.webhooks.length > 0;

/**
 * `notification` messages fan out: one message per configured channel, written with this one's delivery
 * in one transaction (outbox-dispatcher.ts), so that a failing webhook never holds up the email, nor a
 * failing mail server repeat the webhook. Undefined when no channel is configured: they wait.
 */
export const changeNotificationFanOut = (settings: NotificationSettings, deps: ChangeChannelDeps): OutboxHandler | undefined => {
  const [email, webhooks] = [emailConfigured(settings, deps), webhooksConfigured(settings)];
  if (!email && !webhooks) return undefined;
  return async (payload, message) => {
    const notification = parseMessage(changeNotificationSchema, changeNotificationTopic, payload);
    if (message === undefined) throw new Error(`a ${changeNotificationTopic} message fans out from the outbox, which says which message it is`);
    if (deps.clock.now().getTime() - Date.parse(message.createdAt) > changeNotificationStaleAfterMs) return [];
    return [
      ...(email ? [{ topic: changeNotificationTopics.email, payload: notification }] : []),
      ...(webhooks ? [{ topic: changeNotificationTopics.webhook, payload: changeWebhook(notification, webhookIdOf(message), message.createdAt) }] : []),
    ];
  };
};

export const changeNotificationChannel: NotificationChannel = {
  name: 'change-notifications',
  topic: changeNotificationTopic,
  handler: (settings, deps) => changeNotificationFanOut(settings, deps),
};

export const changeEmailChannel: NotificationChannel = {
  name: 'change-email',
  topic: changeNotificationTopics.email,
  handler: (settings, deps) => {
    const governance = deps.governance;
    if (settings.smtp === undefined || governance === undefined) return undefined;
    const send = emailHandler(settings.smtp, deps);
    return async (payload) => {
      const notification = parseMessage(changeNotificationSchema, changeNotificationTopics.email, payload);
      const to = recipientsOf(await governance(), notification.recipients);
      // Nobody with an address (a service account, someone no longer declared): nothing to send, and nothing to retry.
      if (to.length > 0) await send(changeEmail(notification, to) as unknown as Record<string, unknown>);
    };
  },
};

export const changeWebhookChannel: NotificationChannel = {
  name: 'change-webhook',
  topic: changeNotificationTopics.webhook,
  handler: (settings, deps) => {
    if (settings.webhooks === undefined || settings.webhooks.length === 0) return undefined;
    const postToAll = webhookPoster(settings.webhooks, deps);
    return async (payload) => {
      const body = parseMessage(changeWebhookSchema, changeNotificationTopics.webhook, payload);
      await postToAll(body.id, JSON.stringify(body));
    };
  },
};
