// The outbox messages notification channels deliver, and the pure renderers the alert service builds them
// with. The alert service writes a message in the same transaction as its alert; a channel reads it back
// after commit (DESIGN.md, Architecture), so these schemas are the contract between the two and are
// checked again on delivery.
import { z } from 'zod';

export const notificationTopics = { email: 'notify.email', webhook: 'notify.webhook' } as const;

const severities = ['critical', 'high', 'warning', 'info'] as const;
const webhookEvents = ['alert.opened', 'alert.raised', 'alert.escalated', 'alert.acknowledged', 'alert.resolved'] as const;
const instant = z.iso.datetime({ error: 'is not an ISO-8601 date-time' });

export const alertNoticeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  severity: z.enum(severities),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  target: z.string().min(1).max(1000),
  classId: z.string().max(200).nullable(),
  summary: z.string().min(1).max(2000),
  stage: z.string().min(1).max(100),
  openedAt: instant,
  details: z.record(z.string().max(200), z.unknown()).refine((details) => Object.keys(details).length <= 100, 'has more than 100 entries'),
  /** Person ids the alert is routed to. */
  recipients: z.array(z.string().min(1).max(200)).max(200),
});

export const recipientSchema = z.object({
  person: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  email: z.email().max(254),
});

export const emailMessageSchema = z.object({
  kind: z.enum(['alert', 'escalation', 'digest', 'change']),
  to: z.array(recipientSchema).min(1).max(200),
  // A line break in a subject would let it write headers of its own.
  subject: z.string().min(1).max(998).regex(/^[^\r\n]*$/, 'is more than one line'),
  text: z.string().min(1).max(200_000),
  alert: alertNoticeSchema.optional(),
  alerts: z.array(alertNoticeSchema).max(2000).optional(),
});

export const webhookMessageSchema = z.object({
  event: z.enum(webhookEvents),
  // Standard Webhooks signs "id.timestamp.body": an id with a "." could blur where one part ends.
  id: z.string().min(1).max(256).regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "_" and "-"'),
  timestamp: instant,
  alert: alertNoticeSchema,
  text: z.string().min(1).max(4000),
});

/** An outbox message's payload as `schema` has it, or an error naming the topic and each field that is wrong. */
export const parseMessage = <T>(schema: z.ZodType<T>, topic: string, payload: unknown): T => {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new Error(`the ${topic} message is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
};

export type Severity = (typeof severities)[number];
export type WebhookEvent = (typeof webhookEvents)[number];
export type AlertNotice = z.infer<typeof alertNoticeSchema>;
export type Recipient = z.infer<typeof recipientSchema>;
export type EmailMessage = z.infer<typeof emailMessageSchema>;
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;
export type RenderOptions = { publicUrl: string };

const oneLine = (value: string): string => value.replace(/\s+/g, ' ').trim();
const clip = (value: string, max: number): string => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const alertUrl = (alert: AlertNotice, options: RenderOptions): string => `${options.publicUrl}/api/v1/alerts/${encodeURIComponent(alert.id)}`;
const ackCommand = (alert: AlertNotice): string => `trustplane alerts ack ${alert.id}`;

/** "daysLeft" → "days left": detail keys read as words in a plain-text email. */
const detailLabel = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();

const detailValue = (value: unknown): string => {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return clip(oneLine(value), 500);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((entry) => typeof entry !== 'object' || entry === null)) return clip(value.map(String).join(', '), 500);
  return clip(JSON.stringify(value), 500);
};

const factLines = (alert: AlertNotice): string[] => {
  const facts: [string, string][] = [
    ['severity', alert.severity], ['type', alert.type], ['target', alert.target], ['class', alert.classId ?? 'none'],
    ['stage', alert.stage], ['state', alert.state], ['opened', alert.openedAt],
    ...Object.entries(alert.details).map(([key, value]): [string, string] => [detailLabel(key), detailValue(value)]),
  ];
  const width = Math.max(...facts.map(([label]) => label.length)) + 1;
  return facts.map(([label, value]) => `  ${`${label}:`.padEnd(width)} ${value}`);
};

/** Who the alert is routed to, by name where the recipients of this email say it. */
const routedTo = (alert: AlertNotice, to: readonly Recipient[]): string =>
  alert.recipients.length === 0 ? 'nobody' : alert.recipients.map((person) => to.find((recipient) => recipient.person === person)?.name ?? person).join(', ');

const alertEmailLead = {
  alert: { subject: (alert: AlertNotice) => alert.severity, opening: 'Trustplane raised an alert.' },
  escalation: {
    subject: (alert: AlertNotice) => `escalated, ${alert.severity}`,
    opening: 'An alert was not acknowledged in time, so it is escalated to you.',
  },
} as const;

/** The email for one alert, when it opens or is escalated. */
export const alertEmail = (kind: 'alert' | 'escalation', alert: AlertNotice, to: Recipient[], options: RenderOptions): EmailMessage => {
  const lead = alertEmailLead[kind];
  const text = [
    lead.opening, '', oneLine(alert.summary), '', ...factLines(alert), '',
    `Routed to: ${routedTo(alert, to)}.`, '',
    `To acknowledge it, run: ${ackCommand(alert)}`,
    `The alert: ${alertUrl(alert, options)}`, '',
  ].join('\n');
  return { kind, to, subject: `[Trustplane] ${lead.subject(alert)}: ${clip(oneLine(alert.summary), 200)}`, text, alert };
};

const severityRank = (severity: Severity): number => severities.indexOf(severity);

/** The day's email to one person: their open alerts grouped by severity, most severe first, oldest first within. */
export const digestEmail = (person: Recipient, alerts: AlertNotice[], day: string, options: RenderOptions): EmailMessage => {
  const ordered = [...alerts].sort((a, b) => severityRank(a.severity) - severityRank(b.severity)
    || a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
  const groups = severities.map((severity) => ({ severity, alerts: ordered.filter((alert) => alert.severity === severity) }))
    .filter((group) => group.alerts.length > 0);
  const sections = groups.flatMap((group) => [
    `${group.severity} (${group.alerts.length})`,
    ...group.alerts.flatMap((alert) => [
      `  - ${clip(oneLine(alert.summary), 300)}`,
      `    ${alert.id}, ${alert.type}, ${alert.target}, opened ${alert.openedAt}${alert.state === 'open' ? '' : `, ${alert.state}`}`,
      `    ${alertUrl(alert, options)}`,
    ]),
    '',
  ]);
  const mostSevere = groups[0]?.severity;
  const count = plural(ordered.length, 'open alert');
  const text = [
    `Open alerts routed to ${person.name} on ${day}: ${ordered.length}.`, '',
    ...(ordered.length === 0 ? ['Nothing is waiting for you.', ''] : sections),
    'To acknowledge one, run: trustplane alerts ack <id>', '',
  ].join('\n');
  const subject = `[Trustplane] digest for ${day}: ${count}${mostSevere === undefined ? '' : `, most severe ${mostSevere}`}`;
  return { kind: 'digest', to: [person], subject, text, alerts: ordered };
};

// Slack reads "&", "<" and ">" as markup in mrkdwn text; everything else it shows as written.
export const slackEscape = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const webhookVerb: Record<WebhookEvent, (alert: AlertNotice) => string> = {
  'alert.opened': () => 'opened',
  'alert.raised': (alert) => `raised to stage ${alert.stage}`,
  'alert.escalated': () => 'escalated',
  'alert.acknowledged': () => 'acknowledged',
  'alert.resolved': () => 'resolved',
};

/**
 * The webhook message for one event of an alert. `sequence` numbers the alert's messages so that each has
 * its own id: receivers dedupe retries by that id (Standard Webhooks, "webhook-id").
 */
export const webhookMessage = (event: WebhookEvent, alert: AlertNotice, at: Date, sequence: number): WebhookMessage => {
  const about = slackEscape(`${alert.type}, ${alert.target}, ${alert.id}`);
  const text = `*${alert.severity}* alert ${slackEscape(webhookVerb[event](alert))}: ${slackEscape(clip(oneLine(alert.summary), 500))} (${about})`;
  return { event, id: `msg_${alert.id}_${sequence}`, timestamp: at.toISOString(), alert, text: clip(text, 4000) };
};
