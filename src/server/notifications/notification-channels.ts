// Notification channels register here, as step-ca's CA backends register by type: each names the outbox
// topic it delivers and builds its handler from the settings, or declines when it is not configured. A
// topic without a handler waits in the outbox until a channel for it is configured.
import type { OutboxHandler } from '../jobs/outbox-dispatcher.ts';
import type { Clock } from '../platform.ts';
import { systemClock } from '../platform.ts';
import { emailChannel } from './email-channel.ts';
import type { NotificationSettings } from './notification-settings.ts';
import { webhookChannel } from './webhook-channel.ts';
import { changeEmailChannel, changeNotificationChannel, changeWebhookChannel } from './change-notifications.ts';
import type { Governance } from '../../core/governance/index.ts';

export type ChannelDeps = {
  clock: Clock;
  /**
   * How long one delivery may take in all: less than the outbox lease, so that a delivery still under way
   * is never tried a second time by a node that saw the lease lapse.
   */
  deliveryTimeoutMs: number;
  /** Governance as it stands, for channels that turn principal references into people (change notifications). */
  governance?: () => Promise<Governance | null>;
  /** Told what was delivered only in part, when retrying would repeat what already arrived; by default a process warning. */
  warn: (message: string) => void;
};

export type NotificationChannel = {
  name: string;
  topic: string;
  /** The handler for this channel's topic, or undefined when the settings do not configure the channel. */
  handler(settings: NotificationSettings, deps: ChannelDeps): OutboxHandler | undefined;
};

/** The longest a delivery may take when nothing says otherwise: well under the outbox's default lease of a minute. */
export const defaultDeliveryTimeoutMs = 40_000;

/** What a delivery may take under a lease: three quarters of it, and never more than the default. */
export const deliveryTimeoutFor = (leaseMs: number): number => Math.min(defaultDeliveryTimeoutMs, Math.floor(leaseMs * 0.75));

const registeredChannels: readonly NotificationChannel[] = [emailChannel, webhookChannel, changeNotificationChannel, changeEmailChannel, changeWebhookChannel];

export const createNotificationChannels = (
  settings: NotificationSettings, deps: Partial<ChannelDeps> = {},
): { handlers: Map<string, OutboxHandler>; channels: string[] } => {
  const channelDeps: ChannelDeps = {
    clock: deps.clock ?? systemClock, warn: deps.warn ?? ((message) => process.emitWarning(message)),
    deliveryTimeoutMs: deps.deliveryTimeoutMs ?? defaultDeliveryTimeoutMs,
    ...(deps.governance === undefined ? {} : { governance: deps.governance }),
  };
  const handlers = new Map<string, OutboxHandler>();
  const channels: string[] = [];
  for (const channel of registeredChannels) {
    const handler = channel.handler(settings, channelDeps);
    if (handler === undefined) continue;
    if (handlers.has(channel.topic)) throw new Error(`two notification channels deliver ${channel.topic}`);
    handlers.set(channel.topic, handler);
    channels.push(channel.name);
  }
  return { handlers, channels };
};
