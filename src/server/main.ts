// Wiring: opens the database, runs migrations, builds services and routes, and listens.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { TrustplaneError } from '../core/errors.ts';
import { cedarRouteAuthorizer } from './auth/authorizer.ts';
import { publicUrlOf } from './config/config.ts';
import type { Config } from './config/config.ts';
import { locateDatabase, migrateToLatest, openDatabase } from './db/database.ts';
import type { Database } from './db/database.ts';
import { createAuditReader, createIssuedCertificateReader, createUnitOfWork } from './db/unit-of-work.ts';
import { buildApp } from './http/app.ts';
import { authzRoutes } from './http/authz-routes.ts';
import { changeRoutes } from './http/change-routes.ts';
import { credentialRoutes } from './http/credential-routes.ts';
import { emergencyRoutes } from './http/emergency-routes.ts';
import { directoryRoutes } from './http/directory-routes.ts';
import { governanceRoutes } from './http/governance-routes.ts';
import { tokenRoutes } from './http/token-routes.ts';
import { pkiRoutes } from './http/pki-routes.ts';
import { caRoutes } from './http/ca-routes.ts';
import { secretRoutes } from './http/secret-routes.ts';
import type { KeyEncryptionKey } from './keys/key-envelope.ts';
import { systemClock, secureRandom } from './platform.ts';
import type { Clock, RandomSource } from './platform.ts';
import { createConnectorRegistry } from './connectors/registry.ts';
import { createSecretStoreConnector } from './connectors/secret-store-connector.ts';
import { createBuiltinCaConnector } from './connectors/builtin-ca-connector.ts';
import { createCertificateProbes, networkPkiFetch } from './connectors/certificate-probes.ts';
import type { PkiFetch } from './connectors/certificate-probes.ts';
import { createSignerRegistry } from './signers/signer-backend.ts';
import type { SignerBackend } from './signers/signer-backend.ts';
import { softwareSignerBackend } from './signers/software-signer.ts';
import { pkcs11SettingsFromEnv, pkcs11SignerBackend } from './signers/pkcs11-signer.ts';
import { loadMasterKey, masterKeyFileName } from './keys/master-key.ts';
import type { Pkcs11Settings } from './signers/pkcs11-signer.ts';
import { createCaService } from './services/ca-service.ts';
import { createRevocationService } from './services/revocation-service.ts';
import { crlPublishHandler, crlPublishTopic, publishAfterCommit } from './services/crl-publication.ts';
import { publicUrlMismatch } from './services/public-url-check.ts';
import { createAuthzService } from './services/authz-service.ts';
import { createChangeService } from './services/change-service.ts';
import { createDecisionExplainer } from './services/decision-explainer.ts';
import { createDelegationService } from './services/delegation-service.ts';
import { createGovernanceService } from './services/governance-service.ts';
import { createPlaybookService } from './services/playbook-service.ts';
import { createReviewService } from './services/review-service.ts';
import { createInventoryService } from './services/inventory-service.ts';
import { createTokenService } from './services/token-service.ts';
import { createSecretService } from './services/secret-service.ts';
import { createAuditService } from './services/audit-service.ts';
import { auditRoutes } from './http/audit-routes.ts';
import { createOutboxDispatcher, defaultOutboxLeaseMs } from './jobs/outbox-dispatcher.ts';
import { auditWitnessHandler } from './jobs/audit-witness.ts';
import { hostname } from 'node:os';
import { defaultSeverityForNotifications, createAlertService, defaultDeniedWindowMs } from './services/alert-service.ts';
import type { MonitorSettings, SweepReport } from './services/alert-service.ts';
import { alertRoutes } from './http/alert-routes.ts';
import { createOffboardingService } from './services/offboarding-service.ts';
import { offboardingRoutes } from './http/offboarding-routes.ts';
import { createRenewalService } from './services/renewal-service.ts';
import type { RenewalReport } from './services/renewal-service.ts';
import { createPostureService } from './services/posture-service.ts';
import { createMonitorStore } from './stores/monitor-store.ts';
import { postureRoutes } from './http/posture-routes.ts';
import { createNotificationChannels, deliveryTimeoutFor } from './notifications/notification-channels.ts';
import type { NotificationSettings } from './notifications/notification-settings.ts';
import { notificationSettingsFromEnv } from './notifications/notification-settings.ts';
import { createScheduler, dailyAt, every } from './jobs/scheduler.ts';
import type { Scheduler } from './jobs/scheduler.ts';

export const trustplaneVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type Services = ReturnType<typeof createServices>;

/** How long a change may wait for approval and execution before it expires, unless configured (TRUSTPLANE_CHANGE_STALE_AFTER). */
export const defaultChangeStaleAfterMs = 7 * 86_400_000;

export type ServiceOptions = {
  clock?: Clock; random?: RandomSource; changeStaleAfterMs?: number;
  /** Seals and opens secrets and keys at rest. Without it they can be neither made nor revealed (NOT_READY); none is ever made up. */
  masterKey?: KeyEncryptionKey;
  /** A PKCS #11 token (SoftHSM2, an HSM) for CA keys, besides or instead of software keys. */
  pkcs11?: Pkcs11Settings | null;
  /** The base URL certificates point relying parties at (CRL, CA certificate, OCSP). */
  publicUrl?: () => string;
  /** How verification probes reach the /pki URLs; over the network unless a test serves them in-process. */
  pkiFetch?: PkiFetch;
  /** Told when a side effect after commit fails (publishing a CRL after a revocation, say). */
  onSideEffectError?: (error: unknown, context: string) => void;
  /** Where signed audit checkpoints are also written (TRUSTPLANE_AUDIT_WITNESS): a directory or an http(s) URL. */
  auditWitness?: string | null;
  /** How alerts are raised and escalated; defaults as the configuration's. */
  monitor?: Partial<Omit<MonitorSettings, 'channels'>>;
  /** Where notifications go (SMTP, webhooks); none by default. */
  notifications?: NotificationSettings;
  /** This node's name in leases, sweeps and the audit log. */
  nodeId?: string;
  /** How long one outbox delivery may take before another node may try it. */
  outboxLeaseMs?: number;
  /**
   * For tests only (TRUSTPLANE_TEST_ONLY_HOLD_CRL_PUBLICATION): the CRL publication right after a
   * revocation commits never starts, so a test can kill the process at that point and see the outbox
   * publish the CRL after a restart.
   */
  testOnlyHoldCrlPublication?: boolean;
};

/** What the test hook above puts in place of the publication after commit: it never finishes. */
const holdForever = (): Promise<void> => new Promise(() => undefined);

/** The monitoring defaults, as the configuration's (config.ts). */
export const defaultMonitorSettings: Omit<MonitorSettings, 'channels'> = {
  leadTimesMs: [30, 14, 7, 1].map((days) => days * 86_400_000),
  escalateAfterMs: 24 * 3_600_000,
  notifyMinSeverity: defaultSeverityForNotifications,
  deniedWindowMs: defaultDeniedWindowMs,
};

/** Until a server listens, certificates can only point at where it will: the default address. */
export const defaultPublicUrl = 'http://127.0.0.1:8470';

export const createServices = (database: Database, options: ServiceOptions = {}) => {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? secureRandom;
  const unitOfWork = createUnitOfWork(database, () => clock.now());
  const authz = createAuthzService({ unitOfWork, clock });
  const governance = createGovernanceService({ unitOfWork, clock, onApplied: () => authz.warm() });
  const inventory = createInventoryService({ unitOfWork, clock, governance });
  const tokens = createTokenService({
    unitOfWork, clock, random,
    async mintingAllowed(tx, minter, grant) {
      const snapshot = await authz.snapshot(tx);
      if (snapshot.version === null) return null;
      const outcome = snapshot.decide({ principal: minter, action: 'create-token', resource: grant, at: clock.now() });
      return { allowed: outcome.allowed, reason: outcome.reason, version: snapshot.version };
    },
  });
  const masterKey = (): KeyEncryptionKey => {
    if (options.masterKey === undefined) throw new TrustplaneError('NOT_READY', 'no master key is configured, so secrets can be neither sealed nor opened; set TRUSTPLANE_MASTER_KEY, or run `trustplane init` to create <data dir>/master.key');
    return options.masterKey;
  };
  const backends: SignerBackend[] = [
    ...(options.masterKey === undefined ? [] : [softwareSignerBackend({ kek: options.masterKey })]),
    ...(options.pkcs11 === undefined || options.pkcs11 === null ? [] : [pkcs11SignerBackend(options.pkcs11)]),
  ];
  const signers = backends.length === 0 ? null : createSignerRegistry(backends);
  const ca = createCaService({ unitOfWork, clock, random, signers, publicUrl: () => (options.publicUrl ?? (() => defaultPublicUrl))() });
  const revocation = createRevocationService({ unitOfWork, clock, ca, readIssued: createIssuedCertificateReader(database), ...(options.onSideEffectError === undefined ? {} : { onError: options.onSideEffectError }) });
  const probes = createCertificateProbes({
    unitOfWork, ca, random, fetchPki: options.pkiFetch ?? networkPkiFetch,
    classPolicy: async (classId) => (await unitOfWork((tx) => authz.snapshot(tx))).governance?.classes.find((entry) => entry.id === classId)?.policy ?? null,
  });
  const connectors = createConnectorRegistry();
  // The CA first: a certificate whose key it generated also has a sealed secret, but the CA holds it.
  const publishCrls = options.testOnlyHoldCrlPublication === true ? holdForever : publishAfterCommit({ unitOfWork, revocation });
  connectors.register(createBuiltinCaConnector({ ca, publishCrls, masterKey, probes }));
  connectors.register(createSecretStoreConnector({ masterKey, random, unitOfWork }));
  const changes = createChangeService({
    unitOfWork, clock, random, authz, connectors, staleAfterMs: options.changeStaleAfterMs ?? defaultChangeStaleAfterMs,
    ...(options.onSideEffectError === undefined ? {} : { onSideEffectError: options.onSideEffectError }),
  });
  const playbooks = createPlaybookService({ unitOfWork, clock, random, authz, changes });
  const reviews = createReviewService({ unitOfWork, clock, authz });
  const delegations = createDelegationService({ unitOfWork, clock, authz });
  const explainer = createDecisionExplainer({ unitOfWork, authz });
  const secrets = createSecretService({ unitOfWork, clock, authz, masterKey });
  const publicUrl = options.publicUrl ?? (() => defaultPublicUrl);
  const witness = options.auditWitness ?? null;
  const notifications = createNotificationChannels(options.notifications ?? {}, {
    clock, deliveryTimeoutMs: deliveryTimeoutFor(options.outboxLeaseMs ?? defaultOutboxLeaseMs),
    governance: async () => (await unitOfWork((tx) => authz.snapshot(tx))).governance,
  });
  const outbox = createOutboxDispatcher({
    database, clock, ...(options.outboxLeaseMs === undefined ? {} : { leaseMs: options.outboxLeaseMs }),
    handlers: new Map([
      ...(witness === null ? [] : [['audit.witness', auditWitnessHandler(witness)] as const]), [crlPublishTopic, crlPublishHandler(revocation)] as const, ...notifications.handlers,
    ]),
  });
  const nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${random.bytes(3).toString('hex')}`;
  const alerts = createAlertService({
    unitOfWork, clock, random, authz, publicUrl, nodeId, readCredentialPage: createMonitorStore(database.db).credentialPage,
    settings: { ...defaultMonitorSettings, ...options.monitor, channels: new Set(notifications.channels.filter((channel) => channel === 'email' || channel === 'webhook')) },
  });
  const audit = createAuditService({
    unitOfWork, reader: createAuditReader(database), clock, ca, publicUrl, witness, afterCheckpoint: () => outbox.deliverDue(),
    ...(options.onSideEffectError === undefined ? {} : { onError: options.onSideEffectError }),
  });
  const offboarding = createOffboardingService({ unitOfWork, clock, random, authz, changes });
  const renewals = createRenewalService({ unitOfWork, clock, authz, changes });
  const posture = createPostureService({ unitOfWork, clock, authz, database });
  /** A monitoring run, scheduled or asked for: renew what is pre-approved first, so the sweep sees what is still due, and what failed. */
  const monitorNow = async (options: { actor: string; requestId?: string }): Promise<SweepReport & { renewals: RenewalReport }> => {
    const renewed = await renewals.renewDue();
    return { ...await alerts.sweep(options), renewals: renewed };
  };
  return { unitOfWork, clock, governance, inventory, tokens, authz, connectors, changes, playbooks, reviews, delegations, explainer, secrets, ca, revocation, signers, publicUrl, audit, outbox, alerts, offboarding, renewals, posture, monitorNow, nodeId };
};

export type AppOptions = { logger?: Parameters<typeof buildApp>[0]['logger'] };

export const createHttpApp = (database: Database, services: Services, options: AppOptions = {}): Promise<FastifyInstance> =>
  buildApp({
    authenticator: services.tokens,
    authorizer: cedarRouteAuthorizer(services.authz),
    readiness: async () => {
      await services.unitOfWork(async (tx) => tx.governance.currentVersion());
    },
    version: trustplaneVersion,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  }, [
    governanceRoutes(services.governance),
    directoryRoutes(services.governance, services.inventory),
    credentialRoutes(services.inventory),
    tokenRoutes(services.tokens, services.authz),
    changeRoutes(services.changes),
    secretRoutes(services.secrets),
    pkiRoutes({ ca: services.ca, revocation: services.revocation, publicUrl: services.publicUrl }),
    caRoutes({ ca: services.ca, publicUrl: services.publicUrl }),
    emergencyRoutes({ playbooks: services.playbooks, reviews: services.reviews, delegations: services.delegations }),
    authzRoutes({ explainer: services.explainer, authz: services.authz }),
    auditRoutes(services.audit),
    offboardingRoutes(services.offboarding),
    postureRoutes(services.posture),
    alertRoutes({ alerts: services.alerts, monitorNow: services.monitorNow, afterSweep: () => void services.outbox.deliverDue().catch(() => undefined) }),
  ]);

const sweepIntervalMs = 60_000;

/**
 * The periodic work one node (the leader) does for all: renewals and sweeps for alerts, the daily digest,
 * the daily posture snapshot and the CRLs' refresh; and what every node does, delivering the outbox (each
 * message is claimed first).
 */
const startScheduler = (database: Database, services: Services, config: Config, onError: (error: unknown, job: string) => void): Scheduler => {
  const scheduler = createScheduler({
    database, clock: services.clock, nodeId: services.nodeId, tickMs: config.schedulerTickMs, onError,
    jobs: [
      { name: 'outbox.deliver', everyNode: true, due: () => true, run: async () => { await services.outbox.deliverDue(); } },
      {
        name: 'alerts.sweep', due: every(config.monitorEveryMs),
        run: async () => {
          const { renewals } = await services.monitorNow({ actor: 'system:monitor' });
          for (const outcome of renewals.outcomes.filter((entry) => entry.status !== 'verified')) {
            onError(new Error(`${outcome.name} (${outcome.credential}): ${outcome.status}${outcome.change === null ? '' : `, change ${outcome.change}`}: ${outcome.problem ?? ''}`), 'an automatic renewal');
          }
          await services.outbox.deliverDue();
        },
      },
      { name: 'alerts.digest', due: dailyAt(config.digestAtMinutes), run: async (now) => { await services.alerts.digest(now.toISOString().slice(0, 10)); } },
      // Shortly after midnight UTC: the day's posture, for the trend.
      { name: 'posture.snapshot', due: dailyAt(5), run: async () => { await services.posture.snapshot(); } },
      // A new CRL for each CA once half of its last one's validity has passed: on the leader alone, since
      // at a million revoked certificates each is seconds of work.
      { name: 'crls.refresh', due: every(sweepIntervalMs), run: async () => { await services.revocation.refreshDue(); } },
    ],
  });
  scheduler.start();
  return scheduler;
};

export type RunningServer = {
  app: FastifyInstance; url: string; database: Database;
  /** What the operator should hear once at start: a public URL other than the one the CA certificates carry. */
  warnings: readonly string[];
  close(): Promise<void>;
};

/**
 * The keys the server may use: the master key (TRUSTPLANE_MASTER_KEY, else <data dir>/master.key, which
 * init makes) and a PKCS #11 token (TRUSTPLANE_PKCS11_*). A data directory without a master key still
 * serves; only the CA and the secret store refuse.
 */
export const keyConfiguration = (config: Pick<Config, 'dataDir'>, env: NodeJS.ProcessEnv): { masterKey?: KeyEncryptionKey; pkcs11: Pkcs11Settings | null } => {
  const pkcs11 = pkcs11SettingsFromEnv(env);
  try {
    return { masterKey: loadMasterKey({ env, dataDir: config.dataDir, create: false }).kek, pkcs11 };
  } catch (error) {
    if (error instanceof TrustplaneError && error.code === 'NOT_READY') return { pkcs11 };
    throw error;
  }
};

/** Opens and migrates the configured database, then serves the API until closed. */
export const startServer = async (config: Config, options: { logTo?: NodeJS.WritableStream } = {}): Promise<RunningServer> => {
  const database = await openDatabase(locateDatabase(config.dataDir, config.databaseUrl));
  await migrateToLatest(database);
  // Certificates carry URLs under the public URL; until the server listens (on port 0, say) it is where
  // the configuration says it will.
  let publicUrl = publicUrlOf(config, config.port);
  const keys = keyConfiguration(config, process.env);
  let log: (error: unknown, context: string) => void = () => undefined;
  const services = createServices(database, {
    changeStaleAfterMs: config.changeStaleAfterMs, ...keys, publicUrl: () => publicUrl, onSideEffectError: (error, context) => log(error, context),
    auditWitness: config.auditWitness ?? null,
    notifications: notificationSettingsFromEnv(process.env), outboxLeaseMs: config.outboxLeaseMs, testOnlyHoldCrlPublication: config.testOnlyHoldCrlPublication,
    monitor: { leadTimesMs: config.alertLeadTimesMs, escalateAfterMs: config.alertEscalateAfterMs, notifyMinSeverity: config.notifyMinSeverity },
  });
  await services.authz.warm();
  const app = await createHttpApp(database, services, {
    logger: config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      ...(options.logTo === undefined ? {} : { stream: options.logTo }),
    },
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await database.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new TrustplaneError('CONFLICT', `${config.host}:${config.port} is already in use; is Trustplane already running there? Choose another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new TrustplaneError('VALIDATION_FAILED', `cannot listen on ${config.host}: no such address on this machine`);
    throw error;
  }
  log = (error, context) => app.log.error({ err: error }, `${context} failed`);
  if (config.testOnlyHoldCrlPublication) app.log.warn('TRUSTPLANE_TEST_ONLY_HOLD_CRL_PUBLICATION is set: CRLs are published only by the outbox after a revocation; this is a hook for tests, never set it in service');
  if (keys.masterKey === undefined && keys.pkcs11 === null) app.log.warn(`no master key (TRUSTPLANE_MASTER_KEY or ${masterKeyFileName} in the data directory): the built-in CA and the secret store answer NOT_READY`);
  // Changes that waited past their stale time expire; every node may sweep, as each expiry is a
  // compare-and-set on the change's revision and only one of them wins.
  const sweep = setInterval(() => {
    services.changes.expireStale().catch((error: unknown) => app.log.error({ err: error }, 'expiring stale changes failed'));
    services.secrets.expireOverlapping().catch((error: unknown) => app.log.error({ err: error }, 'ending the overlap of rotated secrets failed'));
    // Checkpoints need the log's key, sealed under the master key; without one the log still grows.
    if (services.signers !== null) {
      services.audit.checkpointIfDue({ everyEntries: config.auditCheckpointEntries, everyMs: config.auditCheckpointEveryMs })
        .then(() => services.outbox.deliverDue())
        .catch((error: unknown) => app.log.error({ err: error }, 'signing or delivering an audit checkpoint failed'));
    }
  }, sweepIntervalMs);
  sweep.unref();
  const scheduler = startScheduler(database, services, config, (error, job) => log(error, job));
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  publicUrl = publicUrlOf(config, port);
  const mismatch = publicUrlMismatch(await services.ca.list(), publicUrl);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    url: `http://${host}:${port}`,
    database,
    warnings: mismatch === null ? [] : [mismatch],
    close: async () => {
      clearInterval(sweep);
      await scheduler.stop();
      await app.close();
      await services.signers?.close();
      await database.close();
    },
  };
};
