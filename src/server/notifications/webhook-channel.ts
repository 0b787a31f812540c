// Webhooks as the Standard Webhooks specification has them (https://www.standardwebhooks.com/): the JSON
// body is POSTed with webhook-id, webhook-timestamp (the attempt's, in unix seconds) and webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>", signed by the `standardwebhooks` package the spec's
// authors publish. The top-level `text` lets a Slack incoming webhook show the message as it is.
//
// Every configured endpoint gets each message; if any fails the handler throws and the outbox retries, and
// the retry posts to all endpoints again. Receivers dedupe by webhook-id, as the spec asks of them.
import { Webhook } from 'standardwebhooks';
import type { OutboxHandler } from '../jobs/outbox-dispatcher.ts';
import type { ChannelDeps, NotificationChannel } from './notification-channels.ts';
import { notificationTopics, parseMessage, webhookMessageSchema } from './notification-message.ts';
import type { WebhookEndpoint } from './notification-settings.ts';

/** The longest one POST may wait, unless the delivery's own budget is shorter. */
const requestTimeoutMs = 10_000;

// A webhook URL can itself be a credential (a Slack one is), so errors name an endpoint by its place in the
// configuration and its origin only.
const endpointName = (url: string, index: number): string => `webhook ${index + 1} (${new URL(url).origin})`;

// The cause's code (ECONNREFUSED, ENOTFOUND, …) says enough; its message could quote the address.
const unreachable = (error: unknown, timeoutMs: number): string => {
  if (error instanceof Error && error.name === 'TimeoutError') return `gave no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  return `could not be reached${code}`;
};

const post = async (endpoint: WebhookEndpoint & { signer: Webhook; name: string }, id: string, body: string, at: Date, timeoutMs: number): Promise<void> => {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Trustplane',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': endpoint.signer.sign(id, at, body),
      },
      body,
      // The spec counts a 3xx as a failure: the URL should be updated rather than followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${endpoint.name} ${unreachable(error, timeoutMs)}`, { cause: error });
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299) throw new Error(`${endpoint.name} answered ${response.status}`);
};

/**
 * Posts one body to every endpoint at once, signed with each endpoint's secret; throws, naming each
 * endpoint that did not take it, so that the outbox retries (all endpoints again, under the same id).
 */
export const webhookPoster = (endpoints: readonly WebhookEndpoint[], deps: Pick<ChannelDeps, 'clock'> & Partial<Pick<ChannelDeps, 'deliveryTimeoutMs'>>) => {
  // Endpoints are posted to at once, so each may take the whole budget.
  const timeoutMs = Math.min(requestTimeoutMs, deps.deliveryTimeoutMs ?? requestTimeoutMs);
  const targets = endpoints.map((endpoint, index) => ({ ...endpoint, signer: new Webhook(endpoint.secret), name: endpointName(endpoint.url, index) }));
  return async (id: string, body: string): Promise<void> => {
    const at = deps.clock.now();
    const results = await Promise.allSettled(targets.map((target) => post(target, id, body, at, timeoutMs)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
    if (failures.length > 0) throw new Error(`${failures.length} of ${targets.length} webhook endpoints did not take message ${id}: ${failures.join('; ')}`);
  };
};

/** Alerts' webhook messages (notify.webhook), checked against their schema before they are posted. */
export const webhookHandler = (endpoints: readonly WebhookEndpoint[], deps: Pick<ChannelDeps, 'clock'> & Partial<Pick<ChannelDeps, 'deliveryTimeoutMs'>>): OutboxHandler => {
  const postToAll = webhookPoster(endpoints, deps);
  return async (payload) => {
    const message = parseMessage(webhookMessageSchema, notificationTopics.webhook, payload);
    await postToAll(message.id, JSON.stringify(message));
  };
};

export const webhookChannel: NotificationChannel = {
  name: 'webhook',
  topic: notificationTopics.webhook,
  handler: (settings, deps) => (settings.webhooks === undefined || settings.webhooks.length === 0 ? undefined : webhookHandler(settings.webhooks, deps)),
};
