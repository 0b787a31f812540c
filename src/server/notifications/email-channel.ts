// Email over SMTP, through nodemailer: one message per outbox message, to all of its recipients. A failure
// is thrown so the outbox retries it; its message names the server by scheme, host and port only, and has
// the password of the SMTP URL taken out, since some servers repeat what they were sent.
import { createTransport } from 'nodemailer';
import type { OutboxHandler } from '../jobs/outbox-dispatcher.ts';
import type { ChannelDeps, NotificationChannel } from './notification-channels.ts';
import { emailMessageSchema, notificationTopics, parseMessage } from './notification-message.ts';
import type { SmtpSettings } from './notification-settings.ts';

/** The forms the password could come back in: as written in the URL, decoded, and base64 as AUTH sends it. */
const passwordForms = (url: URL): string[] => {
  if (url.password === '') return [];
  const password = decodeURIComponent(url.password);
  const user = decodeURIComponent(url.username);
  const forms = [url.password, password, Buffer.from(password).toString('base64'), Buffer.from(`\0${user}\0${password}`).toString('base64')];
  // Longest first, so a form that contains another is taken out whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
};

export const emailHandler = (settings: SmtpSettings, deps: Pick<ChannelDeps, 'warn'> & Partial<Pick<ChannelDeps, 'deliveryTimeoutMs'>>): OutboxHandler => {
  const url = new URL(settings.url);
  const server = `${url.protocol}//${url.host}`;
  const secrets = passwordForms(url);
  const redact = (text: string): string => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
  // Within the delivery's budget (under the outbox lease), so a hung server fails this attempt rather than
  // overlapping the next: a quarter each to connect and to be greeted, the rest for any silence after; and
  // the whole send is aborted when the budget is spent, so a server that answers slowly but steadily (each
  // command inside the timeouts) cannot hold it past the lease either.
  const budget = deps.deliveryTimeoutMs ?? 40_000;
  const transport = createTransport({
    url: settings.url, connectionTimeout: Math.min(10_000, budget / 4), greetingTimeout: Math.min(10_000, budget / 4), socketTimeout: Math.min(30_000, budget / 2),
  });

  return async (payload) => {
    const message = parseMessage(emailMessageSchema, notificationTopics.email, payload);
    const what = `the ${message.kind} email to ${message.to.length === 1 ? '1 recipient' : `${message.to.length} recipients`}`;
    let info;
    try {
      info = await transport.sendMail({
        from: settings.from,
        to: message.to.map((recipient) => ({ name: recipient.name, address: recipient.email })),
        subject: message.subject,
        text: message.text,
        signal: AbortSignal.timeout(budget),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw new Error(`${what} was not sent through ${server}: it did not finish within ${budget / 1000} s`, { cause: error });
      // eslint-disable-next-line preserve-caught-error -- the cause could carry the password and would be logged whole; its message, redacted, is kept
      throw new Error(redact(`${what} was not sent through ${server}: ${error instanceof Error ? error.message : String(error)}`));
    }
    // Some recipients refused, others accepted: retrying would send the others a second copy, and a refused
    // address is refused again, so this counts as delivered and the refusal is reported.
    const refused = info.rejected.map(String);
    if (refused.length > 0) deps.warn(redact(`${what} "${message.subject}" was refused by ${server} for ${refused.join(', ')}; the others received it`));
  };
};

export const emailChannel: NotificationChannel = {
  name: 'email',
  topic: notificationTopics.email,
  handler: (settings, deps) => (settings.smtp === undefined ? undefined : emailHandler(settings.smtp, deps)),
};
