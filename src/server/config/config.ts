// Configuration, parsed once at start-up from flags and the environment. No secret has a default.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { severities } from '../../core/monitor/alert-vocabulary.ts';

export const defaultPort = 8470;
export const defaultHost = '127.0.0.1';

const configSchema = z.object({
  dataDir: z.string().min(1).max(4096),
  databaseUrl: z.string().max(4096).regex(/^postgres(ql)?:\/\//, 'TRUSTPLANE_DATABASE_URL must be a postgres:// URL').optional(),
  host: z.string().min(1).max(255),
  port: z.number().int().min(0).max(65_535),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** How long a change may wait for approval and execution before it expires. */
  changeStaleAfterMs: z.number().int().min(60_000, 'TRUSTPLANE_CHANGE_STALE_AFTER must be at least 1m').max(366 * 86_400_000, 'TRUSTPLANE_CHANGE_STALE_AFTER must be at most 366d'),
  /**
   * The base URL relying parties reach Trustplane at: certificates carry CRL, CA and OCSP URLs under it,
   * for good. Defaults to the address Trustplane listens on.
   */
  publicUrl: z.url({ protocol: /^https?$/, error: 'TRUSTPLANE_PUBLIC_URL must be an http:// or https:// URL' }).max(2000)
    .refine((value) => !value.endsWith('/') && !value.includes('?') && !value.includes('#'), 'TRUSTPLANE_PUBLIC_URL is a base URL: no trailing "/", query or fragment').optional(),
  /** Where every signed audit checkpoint is also written: an absolute directory, or an http(s) URL it is POSTed to. */
  auditWitness: z.string().max(2000)
    .refine((value) => /^https?:\/\/\S+$/.test(value) || isAbsolute(value), 'TRUSTPLANE_AUDIT_WITNESS must be an absolute directory or an http(s) URL').optional(),
  /** A checkpoint is signed once this many entries came since the last… */
  auditCheckpointEntries: z.number().int().min(1, 'TRUSTPLANE_AUDIT_CHECKPOINT_ENTRIES must be at least 1').max(10_000_000),
  /** …or any came and this long passed. */
  auditCheckpointEveryMs: z.number().int().min(1000, 'TRUSTPLANE_AUDIT_CHECKPOINT_EVERY must be at least 1s').max(7 * 86_400_000, 'TRUSTPLANE_AUDIT_CHECKPOINT_EVERY must be at most 7d'),
  /** How often the leader sweeps the inventory for alerts (TRUSTPLANE_MONITOR_EVERY). */
  monitorEveryMs: z.number().int().min(1000, 'TRUSTPLANE_MONITOR_EVERY must be at least 1s').max(86_400_000, 'TRUSTPLANE_MONITOR_EVERY must be at most 1d'),
  /** Expiry lead times, longest first (TRUSTPLANE_ALERT_LEAD_TIMES): alerts open inside the longest (or the class's renew-before) and notify again at each. */
  alertLeadTimesMs: z.array(z.number().int().min(60_000, 'TRUSTPLANE_ALERT_LEAD_TIMES: each lead time is at least 1m')).min(1).max(10, 'TRUSTPLANE_ALERT_LEAD_TIMES: at most 10 lead times'),
  /** An alert nobody acknowledged this long goes to the class's business owner too (TRUSTPLANE_ALERT_ESCALATE_AFTER). */
  alertEscalateAfterMs: z.number().int().min(60_000, 'TRUSTPLANE_ALERT_ESCALATE_AFTER must be at least 1m').max(90 * 86_400_000, 'TRUSTPLANE_ALERT_ESCALATE_AFTER must be at most 90d'),
  /** Alerts at least this severe are sent at once; all open alerts go into the daily digest (TRUSTPLANE_NOTIFY_MIN_SEVERITY). */
  notifyMinSeverity: z.enum(severities, { error: `TRUSTPLANE_NOTIFY_MIN_SEVERITY must be one of ${severities.join(', ')}` }),
  /** The time of day (UTC, HH:MM) each person's digest of open alerts is sent (TRUSTPLANE_DIGEST_AT). */
  digestAtMinutes: z.number().int().min(0).max(1439),
  /** How long one delivery from the outbox may take before another node may try it (TRUSTPLANE_OUTBOX_LEASE); channels give up at three quarters of it. */
  outboxLeaseMs: z.number().int().min(1000, 'TRUSTPLANE_OUTBOX_LEASE must be at least 1s').max(3_600_000, 'TRUSTPLANE_OUTBOX_LEASE must be at most 1h'),
  /** How often each node checks whether it leads and what is due (TRUSTPLANE_SCHEDULER_TICK); a leader that stops is replaced after 3 ticks. */
  schedulerTickMs: z.number().int().min(200, 'TRUSTPLANE_SCHEDULER_TICK must be at least 200ms').max(600_000, 'TRUSTPLANE_SCHEDULER_TICK must be at most 10m'),
  /** A hook for tests only (TRUSTPLANE_TEST_ONLY_HOLD_CRL_PUBLICATION=1); see ServiceOptions in main.ts. */
  testOnlyHoldCrlPublication: z.boolean(),
});

export type Config = z.infer<typeof configSchema>;

/** Where relying parties reach a server listening on host:port, unless TRUSTPLANE_PUBLIC_URL says otherwise. */
export const publicUrlOf = (config: Pick<Config, 'publicUrl' | 'host'>, port: number): string => {
  if (config.publicUrl !== undefined) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};

const durationSetting = (name: string, text: string): number => {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new TrustplaneError('VALIDATION_FAILED', `the configuration is not valid: ${name}: ${parsed.message}`);
  return parsed.ms;
};

const durationList = (name: string, text: string): number[] =>
  text.split(',').map((part) => part.trim()).filter((part) => part !== '').map((part) => durationSetting(name, part)).sort((a, b) => b - a);

const timeOfDay = (name: string, text: string): number => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (match === null) throw new TrustplaneError('VALIDATION_FAILED', `the configuration is not valid: ${name}: ${JSON.stringify(text.slice(0, 20))} is not a time of day in UTC as HH:MM, for example 08:00`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** A duration setting given in milliseconds ("250ms") or as governance writes durations ("15s"). */
const shortDurationSetting = (name: string, text: string): number => {
  const match = /^(\d+)ms$/.exec(text.trim());
  return match === null ? durationSetting(name, text) : Number(match[1]);
};

export type ConfigFlags = { dataDir?: string; host?: string; port?: string | number; logLevel?: string; publicUrl?: string };

export const loadConfig = (flags: ConfigFlags, env: NodeJS.ProcessEnv, fallbackDataDir = 'trustplane-data'): Config => {
  const input = {
    dataDir: resolve(flags.dataDir ?? env.TRUSTPLANE_DATA_DIR ?? fallbackDataDir),
    databaseUrl: env.TRUSTPLANE_DATABASE_URL === '' ? undefined : env.TRUSTPLANE_DATABASE_URL,
    host: flags.host ?? env.TRUSTPLANE_HOST ?? defaultHost,
    port: Number(flags.port ?? env.TRUSTPLANE_PORT ?? defaultPort),
    logLevel: flags.logLevel ?? env.TRUSTPLANE_LOG_LEVEL ?? 'info',
    changeStaleAfterMs: durationSetting('TRUSTPLANE_CHANGE_STALE_AFTER', env.TRUSTPLANE_CHANGE_STALE_AFTER ?? '7d'),
    publicUrl: flags.publicUrl ?? (env.TRUSTPLANE_PUBLIC_URL === '' ? undefined : env.TRUSTPLANE_PUBLIC_URL),
    auditWitness: env.TRUSTPLANE_AUDIT_WITNESS === '' ? undefined : env.TRUSTPLANE_AUDIT_WITNESS,
    auditCheckpointEntries: Number(env.TRUSTPLANE_AUDIT_CHECKPOINT_ENTRIES ?? 1000),
    auditCheckpointEveryMs: durationSetting('TRUSTPLANE_AUDIT_CHECKPOINT_EVERY', env.TRUSTPLANE_AUDIT_CHECKPOINT_EVERY ?? '5m'),
    monitorEveryMs: durationSetting('TRUSTPLANE_MONITOR_EVERY', env.TRUSTPLANE_MONITOR_EVERY ?? '5m'),
    alertLeadTimesMs: durationList('TRUSTPLANE_ALERT_LEAD_TIMES', env.TRUSTPLANE_ALERT_LEAD_TIMES ?? '30d,14d,7d,1d'),
    alertEscalateAfterMs: durationSetting('TRUSTPLANE_ALERT_ESCALATE_AFTER', env.TRUSTPLANE_ALERT_ESCALATE_AFTER ?? '24h'),
    notifyMinSeverity: env.TRUSTPLANE_NOTIFY_MIN_SEVERITY ?? 'warning',
    digestAtMinutes: timeOfDay('TRUSTPLANE_DIGEST_AT', env.TRUSTPLANE_DIGEST_AT ?? '08:00'),
    outboxLeaseMs: durationSetting('TRUSTPLANE_OUTBOX_LEASE', env.TRUSTPLANE_OUTBOX_LEASE ?? '1m'),
    schedulerTickMs: shortDurationSetting('TRUSTPLANE_SCHEDULER_TICK', env.TRUSTPLANE_SCHEDULER_TICK ?? '15s'),
    testOnlyHoldCrlPublication: env.TRUSTPLANE_TEST_ONLY_HOLD_CRL_PUBLICATION === '1',
  };
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`);
    throw new TrustplaneError('VALIDATION_FAILED', `the configuration is not valid: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
};
