#!/usr/bin/env node
// trustplane: the command line. Every command but init, serve and demo is a client of the HTTP API.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAuthzCommands } from './commands/authz-commands.ts';
import { registerCaCommands } from './commands/ca-commands.ts';
import { registerAuditCommands } from './commands/audit-commands.ts';
import { registerAlertCommands } from './commands/alert-commands.ts';
import { registerOffboardCommands } from './commands/offboard-commands.ts';
import { registerPostureCommands } from './commands/posture-commands.ts';
import { registerReportCommands } from './commands/report-commands.ts';
import { registerKeyCommands } from './commands/key-commands.ts';
import { registerChangeCommands } from './commands/change-commands.ts';
import { registerClassCommands } from './commands/class-commands.ts';
import { registerCredentialCommands } from './commands/credential-commands.ts';
import { registerDemoCommand } from './commands/demo-command.ts';
import { registerEmergencyCommands } from './commands/emergency-commands.ts';
import { registerGovernanceCommands } from './commands/governance-commands.ts';
import { registerServerCommands } from './commands/server-commands.ts';
import { registerTokenCommands } from './commands/token-commands.ts';
import { defaultApiUrl } from './context.ts';

const trustplaneVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const buildProgram = (): Command => {
  const program = new Command('trustplane')
    .description('Trustplane: a control plane for cryptographic trust')
    .version(trustplaneVersion)
    .option('--json', 'print results as JSON')
    .option('--url <url>', `the Trustplane API (default $TRUSTPLANE_URL or ${defaultApiUrl})`)
    .option('--token <token>', 'an API token (default $TRUSTPLANE_TOKEN)')
    .showHelpAfterError('(run with --help for usage)');
  registerServerCommands(program);
  registerDemoCommand(program);
  registerGovernanceCommands(program);
  registerClassCommands(program);
  registerCredentialCommands(program);
  registerChangeCommands(program);
  registerEmergencyCommands(program);
  registerAuthzCommands(program);
  registerTokenCommands(program);
  registerCaCommands(program);
  registerAlertCommands(program);
  registerOffboardCommands(program);
  registerPostureCommands(program);
  registerAuditCommands(program);
  registerReportCommands(program);
  registerKeyCommands(program);
  return program;
};

// `trustplane credentials list | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await buildProgram().parseAsync(process.argv);
