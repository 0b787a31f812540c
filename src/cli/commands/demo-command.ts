// `trustplane demo`: init, the Acme Corp demo organisation (examples/governance.yaml with a maintenance
// window open for the next hours), about 500 credentials, one token per persona, and serve.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TrustplaneError } from '../../core/errors.ts';
import { loadConfig } from '../../server/config/config.ts';
import { demoGovernance } from '../../server/demo/demo-governance.ts';
import { generateDemoInventory } from '../../server/demo/demo-inventory.ts';
import { createServices, startServer } from '../../server/main.ts';
import { action } from '../run-command.ts';
import { initialiseIn, openFreshDataDir, serveUntilSignalled } from './server-commands.ts';

const demoMarker = '.trustplane-demo';

export const demoPersonas = [
  { principal: 'person:carol', scope: 'full', who: 'Carol Diaz, security lead: administrator; accountable for revoking internal-mtls' },
  { principal: 'person:dave', scope: 'full', who: 'Dave Kim, platform lead: accountable for issuing and rotating internal-mtls; granted Globex its delegations' },
  { principal: 'person:ivan', scope: 'full', who: 'Ivan Petrov, platform engineer: executes changes on internal-mtls' },
  { principal: 'person:erin', scope: 'full', who: 'Erin Walsh, security engineer: verifies changes; responds to key compromise' },
  { principal: 'person:gina', scope: 'full', who: 'Gina Ortiz, Globex (partner): rotates internal-mtls inside her change window' },
  { principal: 'person:frank', scope: 'read-only', who: 'Frank Osei, payments lead: business owner of payments-api-keys (read-only token)' },
] as const;

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

export const setUpDemo = async (options: { dataDir?: string; env: NodeJS.ProcessEnv }): Promise<DemoSetup> => {
  const config = loadConfig(options.dataDir === undefined ? {} : { dataDir: options.dataDir }, options.env, 'trustplane-demo');
  prepareDataDir(config.dataDir);
  const database = await openFreshDataDir(config);
  try {
    const services = createServices(database);
    if (await services.governance.current() !== null) {
      throw new TrustplaneError('CONFLICT', 'the PostgreSQL database already holds governance; the demo needs an empty database');
    }
    const initialised = await initialiseIn(config, database, services);
    writeFileSync(join(config.dataDir, demoMarker), 'made by `trustplane demo`; the next demo run deletes this directory\n');
    await services.governance.apply({ document: demoGovernance(new Date()), fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    const tokens = [];
    for (const persona of demoPersonas) {
      const { token } = await services.tokens.create({ principal: persona.principal, scope: persona.scope, name: 'demo persona', expiresInMs: 30 * 86_400_000, actor: 'system:bootstrap' });
      tokens.push({ ...persona, token });
    }
    let credentials = 0;
    for (const demoImport of await generateDemoInventory(new Date())) {
      const summary = await services.inventory.importFiles([{ name: demoImport.name, bytes: Buffer.from(demoImport.content) }], demoImport.defaults, 'system:bootstrap');
      credentials += summary.created + summary.updated;
    }
    return { dataDir: config.dataDir, database: initialised.database, tokens, adminToken: initialised.token, credentials };
  } finally {
    await database.close();
  }
};

export const registerDemoCommand = (program: Command): void => {
  program.command('demo')
    .description('set up the Acme Corp demo organisation (about 500 credentials) and serve it')
    .option('--data-dir <dir>', 'where to keep the demo (default ./trustplane-demo; a previous demo there is replaced)')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--no-serve', 'set up only; do not serve')
    .action(action(async ({ output }, options: { dataDir?: string; host?: string; port?: string; serve: boolean }) => {
      const setup = await setUpDemo({ ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), env: process.env });
      if (!options.serve) {
        output.result(setup, () => output.line(`Demo set up in ${setup.dataDir} (${setup.database}) with ${setup.credentials} credentials.`));
        return;
      }
      const config = loadConfig({
        dataDir: setup.dataDir,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        logLevel: 'warn',
      }, process.env);
      // The demo's own output (URL, tokens; JSON with --json) owns standard output; logs go to standard error.
      const server = await startServer(config, { logTo: process.stderr });
      output.result({ ...setup, url: server.url }, () => {
        output.line(`Trustplane demo: Acme Corp, ${setup.credentials} credentials, serving at ${server.url}`);
        output.line(`Data: ${setup.dataDir} (${setup.database})`);
        output.line('');
        output.line('Personas (tokens valid 30 days):');
        for (const persona of setup.tokens) {
          output.line(`  ${persona.principal.padEnd(14)} ${persona.scope.padEnd(9)} ${persona.who}`);
          output.line(`    export TRUSTPLANE_TOKEN=${persona.token}`);
        }
        output.line('');
        output.line('Try, in another terminal (npx trustplane … from this checkout):');
        output.line(`  export TRUSTPLANE_URL=${server.url}`);
        output.line('  npx trustplane classes list');
        output.line('  npx trustplane credentials list --expiring-within 30d');
        output.line('  npx trustplane credentials list --unclassified');
        output.line('  npx trustplane changes list');
        output.line('  npx trustplane can person:gina request-rotate class:internal-mtls');
        output.line('The README tours a change from request to verification, and an emergency playbook.');
        output.line('');
        output.line('Stop with Ctrl-C.');
      });
      await serveUntilSignalled(server);
    }));
};
