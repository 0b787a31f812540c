import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { TrustplaneError } from '../../core/errors.ts';
import { action } from '../run-command.ts';

type ApplyResponse = { planText: string; applied: boolean; dryRun: boolean; version: number | null; plan: { hasChanges: boolean }; warnings: string[] };

export const readInputFile = async (path: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new TrustplaneError('VALIDATION_FAILED', `cannot read ${path}: ${reason}`);
  }
};

export const registerGovernanceCommands = (program: Command): void => {
  program.command('apply')
    .description('validate a governance file, show the plan, and apply it atomically')
    .requiredOption('-f, --file <file>', 'the governance YAML file')
    .option('--dry-run', 'show the plan only; apply nothing')
    .action(action(async ({ client, output }, options: { file: string; dryRun?: boolean }) => {
      const document = (await readInputFile(options.file)).toString('utf8');
      const result = await client().post<ApplyResponse>('/api/v1/governance/apply', {
        document, fileName: basename(options.file), dryRun: options.dryRun === true,
      });
      output.result(result, () => {
        output.line(result.planText);
        for (const warning of result.warnings) output.line(`warning ${warning}`);
        if (result.dryRun && result.plan.hasChanges) output.line('Dry run: nothing was applied.');
        else if (result.applied) output.line(`Applied as governance version ${result.version}.`);
      });
    }));

  program.command('export')
    .description('write the governance in force as YAML that applies back with no changes')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(action(async ({ client, output }, options: { output?: string }) => {
      const result = await client().get<{ version: number; yaml: string }>('/api/v1/governance/export');
      if (options.output !== undefined) {
        await writeFile(options.output, result.yaml);
        output.result({ version: result.version, file: options.output }, () => output.line(`Wrote governance version ${result.version} to ${options.output}.`));
        return;
      }
      if (output.json) output.result(result, () => undefined);
      else process.stdout.write(result.yaml);
    }));
};
