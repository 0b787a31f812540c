// `can` explains what Cedar decides and why; `lint` reports how decision rights, though valid, cannot
// work in practice. A denial is an answer, not a failure; lint errors are a failure.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { governedActions, revocationReasons } from '../../core/governance/governance-vocabulary.ts';
import { action } from '../run-command.ts';
import { collect, instantFlag, oneOf, wholeNumber } from './change-commands.ts';
import { readInputFile } from './governance-commands.ts';

type Decision = {
  allowed: boolean; decision: 'allow' | 'deny'; code: string | null; reason: string; principal: string; action: string; resource: string;
  at: string; governanceVersion: number | null; policies: { id: string; effect: 'permit' | 'forbid'; source: string; because: string }[];
};

type LintReport = {
  source: string; errors: number; warnings: number;
  findings: { severity: 'error' | 'warning'; rule: string; classId: string | null; action: string | null; text: string }[];
};

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export const registerAuthzCommands = (program: Command): void => {
  program.command('can')
    .description('what Cedar decides for a principal, action and resource, and the policies behind it')
    .argument('<principal>', 'who acts, e.g. person:dave or service-account:renewal-bot')
    .argument('<action>', 'a step (request, approve, reject, execute, verify, cancel), invoke, complete, revoke-delegation, read, import or administer')
    .argument('<resource>', 'change:ID, class:ID, credential:ID, playbook:ID, review:ID, delegation:ID or governance')
    .option('--at <time>', 'decide at this instant instead of now, e.g. 2027-03-01T23:00:00+01:00, or relative to now: +9h, -2d')
    .option('--trigger <reason>', `for invoke: the trigger (${revocationReasons.join(', ')})`)
    .option('--lifecycle-action <action>', `for invoke: the action the playbook would take (${governedActions.join(', ')})`)
    .option('--credentials <n>', 'for invoke: how many credentials it would act on')
    .option('--class <id>', 'for invoke: a class it would act on (repeatable)', collect)
    .action(action(async ({ client, output }, principal: string, actionName: string, resource: string, options: { at?: string; trigger?: string; lifecycleAction?: string; credentials?: string; class?: string[] }) => {
      const body = {
        principal, action: actionName, resource,
        ...(options.at === undefined ? {} : { at: instantFlag('--at', options.at) }),
        ...(options.trigger === undefined ? {} : { trigger: oneOf('--trigger', options.trigger, revocationReasons) }),
        ...(options.lifecycleAction === undefined ? {} : { lifecycleAction: oneOf('--lifecycle-action', options.lifecycleAction, governedActions) }),
        ...(options.credentials === undefined ? {} : { credentialCount: wholeNumber('--credentials', options.credentials, 1_000_000) }),
        ...(options.class === undefined ? {} : { classes: options.class }),
      };
      const decision = await client().post<Decision>('/api/v1/authz/check', body);
      output.result(decision, () => {
        output.line(decision.allowed ? 'allow' : `deny ${decision.code ?? ''}`.trimEnd());
        output.line(decision.reason);
        const width = Math.max(0, ...decision.policies.map((policy) => policy.id.length));
        for (const policy of decision.policies) output.line(`  ${policy.effect.padEnd(6)} ${policy.id.padEnd(width)}  (${policy.source}): ${policy.because}`);
      });
    }));

  program.command('lint')
    .description('lint decision rights: of a governance file, or of the governance in force')
    .option('-f, --file <file>', 'the governance YAML file (default: the governance in force)')
    .action(action(async ({ client, output }, options: { file?: string }) => {
      const body = options.file === undefined ? {} : { document: (await readInputFile(options.file)).toString('utf8'), fileName: basename(options.file) };
      const report = await client().post<LintReport>('/api/v1/governance/lint', body);
      if (report.errors > 0) process.exitCode = 1;
      output.result(report, () => {
        for (const finding of report.findings) output.line(`${finding.severity.padEnd(7)} [${finding.rule}] ${finding.text}`);
        output.line(report.findings.length === 0
          ? `${report.source}: no findings.`
          : `${report.source}: ${count(report.errors, 'error')}, ${count(report.warnings, 'warning')}${report.errors > 0 ? '; apply refuses it until the errors are fixed' : ''}.`);
      });
    }));
};
