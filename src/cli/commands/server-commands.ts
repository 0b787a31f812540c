// init and serve run the server side locally rather than through the API.
import type { Command } from 'commander';
import { loadConfig } from '../../server/config/config.ts';
import type { ConfigFlags } from '../../server/config/config.ts';
import { action } from '../run-command.ts';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import { oneOf } from './change-commands.ts';

type ServerOptions = { dataDir?: string; host?: string; port?: string; logLevel?: string; publicUrl?: string };

const serverFlags = (options: ServerOptions): ConfigFlags => ({
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
  ...(options.host === undefined ? {} : { host: options.host }),
  ...(options.port === undefined ? {} : { port: options.port }),
  ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
});

export const registerServerCommands = (program: Command): void => {
  program.command('init')
    .description('create a data directory and database, and print the bootstrap token once')
    .option('--data-dir <dir>', 'where Trustplane keeps its files (default $TRUSTPLANE_DATA_DIR or ./trustplane-data)')
    .option('--public-url <url>', 'where relying parties will reach Trustplane, written into the CA certificates for good (default $TRUSTPLANE_PUBLIC_URL, or http://HOST:PORT of serve\'s defaults)')
    .option('--ca-source <id>', 'the builtin_ca source of governance the first CA serves', 'internal-ca')
    .option('--ca-name <name>', 'the first CA\'s name, in its certificates', 'Trustplane Internal CA')
    .option('--ca-algorithm <algorithm>', `the CA key algorithm: ${caKeyAlgorithms.join(', ')}`, 'ECDSA-P256')
    .option('--ca-backend <backend>', 'software (keys sealed under the master key) or pkcs11 (a token named by TRUSTPLANE_PKCS11_MODULE, _TOKEN, _PIN)', 'software')
    .option('--no-ca', 'make no CA now (`trustplane ca create` makes one later)')
    .action(action(async ({ output }, options: ServerOptions & { caSource: string; caName: string; caAlgorithm: string; caBackend: string; ca: boolean }) => {
      const config = loadConfig(serverFlags(options), process.env);
      const initialCa = options.ca ? {
        source: options.caSource, name: options.caName,
        algorithm: oneOf('--ca-algorithm', options.caAlgorithm, caKeyAlgorithms), backend: oneOf('--ca-backend', options.caBackend, ['software', 'pkcs11'] as const),
      } : null;
      const { initialise } = await import('../local-server.ts');
      const result = await initialise(config, process.env, initialCa);
      output.result(result, () => {
        output.line(`Initialised Trustplane in ${result.dataDir} (${result.database}).`);
        output.line(result.masterKey.origin === 'file'
          ? `Master key: ${result.masterKey.path} (mode 0600). Keep a copy somewhere safe: without it the CA keys and secrets cannot be opened.`
          : 'Master key: from TRUSTPLANE_MASTER_KEY.');
        if (result.ca !== null) {
          output.line(`CA ${result.ca.id} (${result.ca.algorithm}, ${result.ca.backend} keys) under root ${result.ca.root}; relying parties trust ${result.ca.certificateUrl}.`);
          output.line(`Its certificates send relying parties to ${result.publicUrl} for good: serve there (the same --public-url or TRUSTPLANE_PUBLIC_URL, or that port).`);
        }
        output.line(`Bootstrap token ${result.tokenId} (system:bootstrap), shown once, valid until ${result.expiresAt}:`);
        output.line(`  ${result.token}`);
        output.line('Next:');
        output.line(`  trustplane serve --data-dir ${result.dataDir}${config.publicUrl === undefined ? '' : ` --public-url ${config.publicUrl}`}`);
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
    .option('--public-url <url>', 'where relying parties reach this server, carried by the certificates it issues (default $TRUSTPLANE_PUBLIC_URL, or http://HOST:PORT)')
    .action(action(async ({ output }, options: ServerOptions) => {
      const config = loadConfig(serverFlags(options), process.env);
      const { requireInitialised, serveUntilSignalled, startServer } = await import('../local-server.ts');
      requireInitialised(config);
      const server = await startServer(config);
      // On stderr, once, whatever the log level: the operator has to act before certificates go out.
      for (const warning of server.warnings) process.stderr.write(`warning: ${warning}\n`);
      output.result({ url: server.url, dataDir: config.dataDir, warnings: server.warnings }, () => output.line(`Trustplane is serving at ${server.url} (data in ${config.dataDir}).`));
      await serveUntilSignalled(server);
    }));
};
