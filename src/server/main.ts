// Wiring: opens the database, runs migrations, builds services and routes, and listens.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { TrustplaneError } from '../core/errors.ts';
import { cedarRouteAuthorizer } from './auth/authorizer.ts';
import type { Config } from './config/config.ts';
import { locateDatabase, migrateToLatest, openDatabase } from './db/database.ts';
import type { Database } from './db/database.ts';
import { createUnitOfWork } from './db/unit-of-work.ts';
import { buildApp } from './http/app.ts';
import { authzRoutes } from './http/authz-routes.ts';
import { changeRoutes } from './http/change-routes.ts';
import { credentialRoutes } from './http/credential-routes.ts';
import { emergencyRoutes } from './http/emergency-routes.ts';
import { directoryRoutes } from './http/directory-routes.ts';
import { governanceRoutes } from './http/governance-routes.ts';
import { tokenRoutes } from './http/token-routes.ts';
import { systemClock, secureRandom } from './platform.ts';
import type { Clock, RandomSource } from './platform.ts';
import { createConnectorRegistry } from './connectors/registry.ts';
import { createAuthzService } from './services/authz-service.ts';
import { createChangeService } from './services/change-service.ts';
import { createDecisionExplainer } from './services/decision-explainer.ts';
import { createDelegationService } from './services/delegation-service.ts';
import { createGovernanceService } from './services/governance-service.ts';
import { createPlaybookService } from './services/playbook-service.ts';
import { createReviewService } from './services/review-service.ts';
import { createInventoryService } from './services/inventory-service.ts';
import { createTokenService } from './services/token-service.ts';

export const trustplaneVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type Services = ReturnType<typeof createServices>;

/** How long a change may wait for approval and execution before it expires, unless configured (TRUSTPLANE_CHANGE_STALE_AFTER). */
export const defaultChangeStaleAfterMs = 7 * 86_400_000;

export type ServiceOptions = { clock?: Clock; random?: RandomSource; changeStaleAfterMs?: number };

export const createServices = (database: Database, options: ServiceOptions = {}) => {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? secureRandom;
  const unitOfWork = createUnitOfWork(database, () => clock.now());
  const authz = createAuthzService({ unitOfWork, clock });
  const governance = createGovernanceService({ unitOfWork, clock, onApplied: () => authz.warm() });
  const inventory = createInventoryService({ unitOfWork, clock, governance });
  const tokens = createTokenService({ unitOfWork, clock, random });
  const connectors = createConnectorRegistry();
  const changes = createChangeService({ unitOfWork, clock, random, authz, connectors, staleAfterMs: options.changeStaleAfterMs ?? defaultChangeStaleAfterMs });
  const playbooks = createPlaybookService({ unitOfWork, clock, random, authz, changes });
  const reviews = createReviewService({ unitOfWork, clock, authz });
  const delegations = createDelegationService({ unitOfWork, clock, authz });
  const explainer = createDecisionExplainer({ unitOfWork, authz });
  return { unitOfWork, clock, governance, inventory, tokens, authz, connectors, changes, playbooks, reviews, delegations, explainer };
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
    emergencyRoutes({ playbooks: services.playbooks, reviews: services.reviews, delegations: services.delegations }),
    authzRoutes({ explainer: services.explainer, authz: services.authz }),
  ]);

const sweepIntervalMs = 60_000;

export type RunningServer = { app: FastifyInstance; url: string; database: Database; close(): Promise<void> };

/** Opens and migrates the configured database, then serves the API until closed. */
export const startServer = async (config: Config, options: { logTo?: NodeJS.WritableStream } = {}): Promise<RunningServer> => {
  const database = await openDatabase(locateDatabase(config.dataDir, config.databaseUrl));
  await migrateToLatest(database);
  const services = createServices(database, { changeStaleAfterMs: config.changeStaleAfterMs });
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
  // Changes that waited past their stale time expire; every node may sweep, as each expiry is a
  // compare-and-set on the change's revision and only one of them wins.
  const sweep = setInterval(() => {
    services.changes.expireStale().catch((error: unknown) => app.log.error({ err: error }, 'expiring stale changes failed'));
  }, sweepIntervalMs);
  sweep.unref();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    url: `http://${host}:${port}`,
    database,
    close: async () => {
      clearInterval(sweep);
      await app.close();
      await database.close();
    },
  };
};
