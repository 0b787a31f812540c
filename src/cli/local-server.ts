// The parts of the command line that run Trustplane itself (init, serve, demo) rather than call its API.
// Commands import this module only when they run, so that API commands start without loading the server.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrustplaneError } from '../core/errors.ts';
import { loadConfig, publicUrlOf } from '../server/config/config.ts';
import type { Config } from '../server/config/config.ts';
import { describeLocation, locateDatabase, migrateToLatest, openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/database.ts';
import { demoGovernance } from '../server/demo/demo-governance.ts';
import { generateDemoInventory } from '../server/demo/demo-inventory.ts';
import { createServices } from '../server/main.ts';
import { loadMasterKey } from '../server/keys/master-key.ts';
import { pkcs11SettingsFromEnv } from '../server/signers/pkcs11-signer.ts';
import type { CaKeyAlgorithm } from '../core/pki/signer.ts';
import { systemClock } from '../server/platform.ts';
import type { Clock } from '../server/platform.ts';
import type { RunningServer, Services } from '../server/main.ts';
import { demoPersonas } from './demo-personas.ts';

export { startServer } from '../server/main.ts';

export const dataDirMarker = 'trustplane.json';

type DataDirFile = { format: 1; createdAt: string; database: string };

export type Initialised = {
  dataDir: string; database: string; token: string; tokenId: string; expiresAt: string;
  /** The base URL the CA certificates carry (CRL and CA certificate URLs under it). */
  publicUrl: string;
  masterKey: { origin: 'environment' | 'file'; path?: string };
  ca: { id: string; root: string; algorithm: CaKeyAlgorithm; backend: 'software' | 'pkcs11'; certificateUrl: string } | null;
};

/** The CA hierarchy init makes, unless told not to (--no-ca). */
export type InitialCa = { source: string; name: string; algorithm: CaKeyAlgorithm; backend: 'software' | 'pkcs11' };

export const defaultInitialCa: InitialCa = { source: 'internal-ca', name: 'Trustplane Internal CA', algorithm: 'ECDSA-P256', backend: 'software' };

/**
 * Services for init and the demo: the master key is made now if there is none (<data dir>/master.key,
 * mode 0600, unless TRUSTPLANE_MASTER_KEY is set), and CA certificates point at where `serve` will listen.
 */
export const localServices = (config: Config, database: Database, env: NodeJS.ProcessEnv, clock: Clock = systemClock) => {
  const masterKey = loadMasterKey({ env, dataDir: config.dataDir, create: true });
  const services = createServices(database, { clock, masterKey: masterKey.kek, pkcs11: pkcs11SettingsFromEnv(env), publicUrl: () => publicUrlOf(config, config.port) });
  return { services, masterKey: { origin: masterKey.origin, ...(masterKey.path === undefined ? {} : { path: masterKey.path }) } };
};

/** Opens the data directory's database, creating the directory; refuses one that `init` already made. */
export const openFreshDataDir = async (config: Config): Promise<Database> => {
  if (existsSync(join(config.dataDir, dataDirMarker))) {
    throw new TrustplaneError('CONFLICT', `${config.dataDir} is already initialised; start it with \`trustplane serve --data-dir ${config.dataDir}\``);
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = await openDatabase(locateDatabase(config.dataDir, config.databaseUrl));
  try {
    await migrateToLatest(database);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
};

/** Makes the first administrator token in a migrated database and marks the data directory as initialised. */
export const initialiseIn = async (
  config: Config, database: Database, local: { services: Services; masterKey: Initialised['masterKey'] }, initialCa: InitialCa | null,
): Promise<Initialised> => {
  const { services } = local;
  const existing = await services.tokens.list({ principal: 'system:bootstrap', includeRevoked: true });
  if (existing.length > 0) {
    throw new TrustplaneError('CONFLICT', `the database (${describeLocation(database.location)}) was initialised before; create tokens with an existing token instead (trustplane tokens create)`);
  }
  const created = initialCa === null ? null : await services.ca.createAuthority({
    sourceId: initialCa.source, name: initialCa.name, algorithm: initialCa.algorithm, backend: initialCa.backend, actor: 'system:init',
  });
  if (created !== null) await services.revocation.publishAll([created.root.id, created.issuing.id]);
  const { token, record } = await services.tokens.createBootstrap({ name: 'bootstrap (init)', expiresInMs: 30 * 86_400_000, actor: 'system:init' });
  const marker: DataDirFile = { format: 1, createdAt: record.createdAt, database: database.location.kind };
  const markerPath = join(config.dataDir, dataDirMarker);
  writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  chmodSync(markerPath, 0o600);
  return {
    dataDir: config.dataDir, database: describeLocation(database.location), token, tokenId: record.id, expiresAt: record.expiresAt, masterKey: local.masterKey, publicUrl: services.publicUrl(),
    ca: created === null || initialCa === null ? null : {
      id: created.issuing.id, root: created.root.id, algorithm: initialCa.algorithm, backend: initialCa.backend,
      certificateUrl: `${services.publicUrl()}/pki/ca/${created.root.id}.crt`,
    },
  };
};

/** Creates the data directory, the database schema, the master key, the first CA and the bootstrap token. */
export const initialise = async (config: Config, env: NodeJS.ProcessEnv, initialCa: InitialCa | null = defaultInitialCa): Promise<Initialised> => {
  const database = await openFreshDataDir(config);
  try {
    return await initialiseIn(config, database, localServices(config, database, env), initialCa);
  } finally {
    await database.close();
  }
};

export const requireInitialised = (config: Config): void => {
  const markerPath = join(config.dataDir, dataDirMarker);
  if (!existsSync(markerPath)) {
    throw new TrustplaneError('NOT_READY', `${config.dataDir} is not a Trustplane data directory; run \`trustplane init --data-dir ${config.dataDir}\` first`);
  }
  JSON.parse(readFileSync(markerPath, 'utf8'));
};

/** Serves until SIGINT or SIGTERM, then closes cleanly. */
export const serveUntilSignalled = async (server: RunningServer): Promise<void> => {
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().finally(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
};

const demoMarker = '.trustplane-demo';


/** Clears a previous demo's data directory; refuses to touch a directory the demo did not make. */
const prepareDataDir = (dataDir: string): void => {
  if (!existsSync(dataDir)) return;
  if (existsSync(join(dataDir, demoMarker))) {
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
  if (readdirSync(dataDir).length > 0) {
    throw new TrustplaneError('CONFLICT', `${dataDir} exists and is not a demo directory; pass --data-dir with a new or empty directory`);
  }
};

export type DemoSetup = { dataDir: string; database: string; tokens: { principal: string; scope: string; who: string; token: string }[]; adminToken: string; credentials: number };

/** Sets up the demo; `clock` is for tests that try it at other hours (the windows are set from its time). */
export const setUpDemo = async (options: { dataDir?: string; host?: string; port?: string; env: NodeJS.ProcessEnv; clock?: Clock }): Promise<DemoSetup> => {
  const clock = options.clock ?? systemClock;
  // Host and port matter already: the demo CA's certificates point at where the demo will serve.
  const config = loadConfig({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  }, options.env, 'trustplane-demo');
  prepareDataDir(config.dataDir);
  const database = await openFreshDataDir(config);
  try {
    const local = localServices(config, database, options.env, clock);
    const { services } = local;
    if (await services.governance.current() !== null) {
      throw new TrustplaneError('CONFLICT', 'the PostgreSQL database already holds governance; the demo needs an empty database');
    }
    const initialised = await initialiseIn(config, database, local, { ...defaultInitialCa, name: 'Acme Internal CA' });
    writeFileSync(join(config.dataDir, demoMarker), 'made by `trustplane demo`; the next demo run deletes this directory\n');
    await services.governance.apply({ document: demoGovernance(clock.now()), fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    const tokens = [];
    for (const persona of demoPersonas) {
      const { token } = await services.tokens.create({ principal: persona.principal, scope: persona.scope, name: 'demo persona', expiresInMs: 30 * 86_400_000, actor: 'system:bootstrap' });
      tokens.push({ ...persona, token });
    }
    let credentials = 0;
    for (const demoImport of await generateDemoInventory(clock.now())) {
      const summary = await services.inventory.importFiles([{ name: demoImport.name, bytes: Buffer.from(demoImport.content) }], demoImport.defaults, 'system:bootstrap');
      credentials += summary.created + summary.updated + summary.unchanged;
    }
    // A little history: Globex issued a certificate through the built-in CA inside its maintenance window,
    // approved by Dave, so that the demo's audit log, evidence pack and offboarding have a partner's work.
    const gina = { ref: 'person:gina', readOnly: false };
    const requested = await services.changes.request(gina, { action: 'issue', credentialIds: [], classId: 'internal-mtls', reason: 'checkout service (demo history)', spec: { names: ['checkout.svc.acme.internal'], workload: 'checkout-web' } });
    await services.changes.approve({ ref: 'person:dave', readOnly: false }, requested.id, 'demo history');
    const executed = await services.changes.execute(gina, requested.id, {});
    if (executed.status === 'executed') credentials += 1;
    return { dataDir: config.dataDir, database: initialised.database, tokens, adminToken: initialised.token, credentials };
  } finally {
    await database.close();
  }
};

