// `trustplane demo`: init, the Acme Corp demo organisation (examples/governance.yaml with a maintenance
// window open for the next hours), about 500 credentials, one token per persona, and serve.
import type { Command } from 'commander';
import { loadConfig } from '../../server/config/config.ts';
import { action } from '../run-command.ts';

export const registerDemoCommand = (program: Command): void => {
  program.command('demo')
    .description('set up the Acme Corp demo organisation (about 500 credentials) and serve it')
    .option('--data-dir <dir>', 'where to keep the demo (default ./trustplane-demo; a previous demo there is replaced)')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--no-serve', 'set up only; do not serve')
    .action(action(async ({ output }, options: { dataDir?: string; host?: string; port?: string; serve: boolean }) => {
      const { setUpDemo, serveUntilSignalled, startServer } = await import('../local-server.ts');
      const setup = await setUpDemo({
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        env: process.env,
      });
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
          output.line(`    export ${persona.principal.slice('person:'.length).toUpperCase()}=${persona.token}`);
        }
        output.line('');
        output.line('Try, in another terminal (npx trustplane … from this checkout):');
        output.line(`  export TRUSTPLANE_URL=${server.url} TRUSTPLANE_TOKEN=$CAROL   # after the exports above`);
        output.line('  npx trustplane classes list');
        output.line('  npx trustplane credentials list --expiring-within 30d');
        output.line('  npx trustplane credentials list --unclassified');
        output.line('  npx trustplane changes list');
        output.line('  npx trustplane can person:gina request-rotate class:internal-mtls');
        output.line('  npx trustplane alerts list --severity high');
        output.line('  npx trustplane posture');
        output.line('The README tours a change from request to verification, and an emergency playbook.');
        output.line('');
        output.line('Stop with Ctrl-C.');
      });
      await serveUntilSignalled(server);
    }));
};
