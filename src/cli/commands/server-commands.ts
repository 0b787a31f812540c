// init and serve run the server side locally rather than through the API.
import type { Command } from 'commander';
import { loadConfig } from '../../server/config/config.ts';
import type { ConfigFlags } from '../../server/config/config.ts';
import { action } from '../run-command.ts';

const serverFlags = (options: { dataDir?: string; host?: string; port?: string; logLevel?: string }): ConfigFlags => ({
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  ...(options.host === undefined ? {} : { host: options.host }),
  ...(options.port === undefined ? {} : { port: options.port }),
  ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
});

export const registerServerCommands = (program: Command): void => {
  program.command('init')
    .description('create a data directory and database, and print the bootstrap token once')
    .option('--data-dir <dir>', 'where Trustplane keeps its files (default $TRUSTPLANE_DATA_DIR or ./trustplane-data)')
    .action(action(async ({ output }, options: { dataDir?: string }) => {
      const config = loadConfig(serverFlags(options), process.env);
      const { initialise } = await import('../local-server.ts');
      const result = await initialise(config);
      output.result(result, () => {
        output.line(`Initialised Trustplane in ${result.dataDir} (${result.database}).`);
        output.line(`Bootstrap token ${result.tokenId} (system:bootstrap), shown once, valid until ${result.expiresAt}:`);
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
      const { requireInitialised, serveUntilSignalled, startServer } = await import('../local-server.ts');
      requireInitialised(config);
      const server = await startServer(config);
      output.result({ url: server.url, dataDir: config.dataDir }, () => output.line(`Trustplane is serving at ${server.url} (data in ${config.dataDir}).`));
      await serveUntilSignalled(server);
    }));
};
