// Where notifications go, read once from the environment. The SMTP URL may carry a password, a webhook URL
// may itself be a credential (a Slack incoming webhook is), and the signing secret is one: no error here
// repeats a value it was given.
import { TrustplaneError } from '../../core/errors.ts';

export type SmtpSettings = { url: string; from: string };
export type WebhookEndpoint = { url: string; secret: string };
export type NotificationSettings = { smtp?: SmtpSettings; webhooks?: WebhookEndpoint[] };

const maxWebhooks = 20;

const invalid = (name: string, problem: string): TrustplaneError =>
  new TrustplaneError('VALIDATION_FAILED', `the configuration is not valid: ${name}: ${problem}`);

const setting = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const parsedUrl = (value: string): URL | undefined => (value.length <= 2000 ? URL.parse(value) ?? undefined : undefined);

const smtpUrl = (value: string): string => {
  const url = parsedUrl(value);
  if (url === undefined || !['smtp:', 'smtps:'].includes(url.protocol) || url.hostname === '' || !['', '/'].includes(url.pathname)) {
    throw invalid('TRUSTPLANE_SMTP_URL', 'must be an smtp:// or smtps:// URL of the server, such as smtps://user:password@mail.example:465 or smtp://127.0.0.1:25');
  }
  return value;
};

// An address, or "Name <address>"; nodemailer quotes the name when it writes the header.
const sender = (value: string): string => {
  if (!/^(?:[^<>"\r\n]{0,200}<[^\s@<>"]{1,64}@[^\s@<>"]{1,255}>|[^\s@<>"]{1,64}@[^\s@<>"]{1,255})$/.test(value)) {
    throw invalid('TRUSTPLANE_SMTP_FROM', 'must be an email address, such as trustplane@example.com or "Trustplane <trustplane@example.com>"');
  }
  return value;
};

const webhookUrls = (value: string): string[] => {
  const urls = value.split(',').map((entry) => entry.trim());
  if (urls.length > maxWebhooks) throw invalid('TRUSTPLANE_WEBHOOK_URLS', `lists ${urls.length} URLs; at most ${maxWebhooks} are allowed`);
  urls.forEach((entry, index) => {
    const url = parsedUrl(entry);
    if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
      throw invalid('TRUSTPLANE_WEBHOOK_URLS', `entry ${index + 1} is not an http:// or https:// URL; give the URLs separated by commas`);
    }
    const first = urls.indexOf(entry);
    if (first !== index) throw invalid('TRUSTPLANE_WEBHOOK_URLS', `entry ${index + 1} repeats entry ${first + 1}`);
  });
  return urls;
};

// Standard Webhooks: a symmetric secret is 24 to 64 random bytes, written as "whsec_" and their base64.
const webhookSecret = (value: string): string => {
  const base64 = value.startsWith('whsec_') ? value.slice('whsec_'.length) : '';
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.toString('base64') !== base64 || bytes.length < 24 || bytes.length > 64) {
    throw invalid('TRUSTPLANE_WEBHOOK_SECRET', 'must be "whsec_" followed by the base64 of 24 to 64 random bytes; make one with: echo "whsec_$(openssl rand -base64 32)"');
  }
  return value;
};

export const notificationSettingsFromEnv = (env: NodeJS.ProcessEnv): NotificationSettings => {
  const settings: NotificationSettings = {};
  const url = setting(env, 'TRUSTPLANE_SMTP_URL');
  if (url !== undefined) settings.smtp = { url: smtpUrl(url), from: sender(setting(env, 'TRUSTPLANE_SMTP_FROM') ?? 'trustplane@localhost') };
  const urls = setting(env, 'TRUSTPLANE_WEBHOOK_URLS');
  if (urls !== undefined) {
    const secret = setting(env, 'TRUSTPLANE_WEBHOOK_SECRET');
    if (secret === undefined) throw invalid('TRUSTPLANE_WEBHOOK_SECRET', 'is required when TRUSTPLANE_WEBHOOK_URLS is set: receivers check each message\'s signature with it');
    const signingSecret = webhookSecret(secret);
    settings.webhooks = webhookUrls(urls).map((entry) => ({ url: entry, secret: signingSecret }));
  }
  return settings;
};
