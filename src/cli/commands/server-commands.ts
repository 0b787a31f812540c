// init and serve run the server side locally rather than through the API.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TrustplaneError } from '../../core/errors.ts';
import { loadConfig } from '../../server/config/config.ts';
import type { Config, ConfigFlags } from '../../server/config/config.ts';
import { describeLocation, locateDatabase, migrateToLatest, openDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/database.ts';
import { createServices, startServer } from '../../server/main.ts';
import type { RunningServer, Services } from '../../server/main.ts';
import { action } from '../run-command.ts';

export const dataDirMarker = 'trustplane.json';

type DataDirFile = { format: 1; createdAt: string; database: string };

export type Initialised = { dataDir: string; database: string; token: string; tokenId: string; expiresAt: string };

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
export const initialiseIn = async (config: Config, database: Database, services: Services): Promise<Initialised> => {
  const existing = await services.tokens.list({ principal: 'system:bootstrap', includeRevoked: true });
  if (existing.length > 0) {
    throw new TrustplaneError('CONFLICT', `the database (${describeLocation(database.location)}) was initialised before; create tokens with an existing admin token instead`);
  }
  const { token, record } = await services.tokens.createBootstrap({ name: 'bootstrap admin (init)', expiresInMs: 30 * 86_400_000, actor: 'system:init' });
  const marker: DataDirFile = { format: 1, createdAt: record.createdAt, database: database.location.kind };
  const markerPath = join(config.dataDir, dataDirMarker);
  writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  chmodSync(markerPath, 0o600);
  return { dataDir: config.dataDir, database: describeLocation(database.location), token, tokenId: record.id, expiresAt: record.expiresAt };
};

/** Creates the data directory, the database schema and the first administrator token. */
export const initialise = async (config: Config): Promise<Initialised> => {
  const database = await openFreshDataDir(config);
  try {
    return await initialiseIn(config, database, createServices(database));
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

const serverFlags = (options: { dataDir?: string; host?: string; port?: string; logLevel?: string }): ConfigFlags => ({
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  ...(options.host === undefined ? {} : { host: options.host }),
  ...(options.port === undefined ? {} : { port: options.port }),
  ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
});

export const registerServerCommands = (program: Command): void => {
  program.command('init')
    .description('create a data directory and database, and print the first admin token once')
    .option('--data-dir <dir>', 'where Trustplane keeps its files (default $TRUSTPLANE_DATA_DIR or ./trustplane-data)')
    .action(action(async ({ output }, options: { dataDir?: string }) => {
      const config = loadConfig(serverFlags(options), process.env);
      const result = await initialise(config);
      output.result(result, () => {
        output.line(`Initialised Trustplane in ${result.dataDir} (${result.database}).`);
        output.line(`Admin token ${result.tokenId}, shown once, valid until ${result.expiresAt}:`);
        output.line(`  ${result.token}`);
        output.line('Next:');
        output.line(`  trustplane serve --data-dir ${result.dataDir}`);
        output.line('  export TRUSTPLANE_TOKEN=<the token above>');
        output.line('  trustplane apply -f governance.yaml');
      });
    }));

  program.command('serve')
    .description('serve the API (default 127.0.0.1:8470)')
    .option('--data-dir <dir>', 'the data directory made by init')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(action(async ({ output }, options: { dataDir?: string; host?: string; port?: string; logLevel?: string }) => {
      const config = loadConfig(serverFlags(options), process.env);
      requireInitialised(config);
      const server = await startServer(config);
      output.result({ url: server.url, dataDir: config.dataDir }, () => output.line(`Trustplane is serving at ${server.url} (data in ${config.dataDir}).`));
      await serveUntilSignalled(server);
    }));
};
