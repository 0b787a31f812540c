// Reports for auditors. `report evidence` asks the server for the evidence pack of a period and writes it
// as JSON or as a page for a browser (rendered here from the same pack, which the page carries for
// `audit verify --evidence`).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderEvidenceHtml } from '../../core/audit/evidence-html.ts';
import type { EvidencePack } from '../../core/audit/evidence-pack.ts';
import { action } from '../run-command.ts';
import { instantFlag, oneOf } from './change-commands.ts';

export const registerReportCommands = (program: Command): void => {
  const report = program.command('report').description('reports for auditors');

  report.command('evidence')
    .description('the evidence pack of a period: who requested, approved, executed and verified each change, revocations against their SLA, emergencies and reviews, denied attempts; every claim backed by audit entries with inclusion proofs')
    .requiredOption('--from <time>', 'the start of the period (2026-11-01T00:00:00Z, or relative to now: -30d)')
    .requiredOption('--to <time>', 'its end (exclusive; now, +1d…)')
    .option('--class <id>', 'only changes of this class')
    .option('--format <format>', 'json or html', 'json')
    .option('--out <file>', 'write it to this file (it must not exist) instead of standard output')
    .action(action(async ({ client, output }, options: { from: string; to: string; class?: string; format: string; out?: string }) => {
      const format = oneOf('--format', options.format, ['json', 'html'] as const);
      const pack = await client().get<EvidencePack>('/api/v1/reports/evidence', {
        from: instantFlag('--from', options.from), to: instantFlag('--to', options.to), ...(options.class === undefined ? {} : { class: options.class }),
      });
      const text = format === 'html' ? renderEvidenceHtml(pack) : `${JSON.stringify(pack, null, 2)}\n`;
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      writeFileSync(options.out, text, { flag: 'wx' });
      const { summary } = pack;
      const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
      output.result({ file: options.out, format, summary }, () => output.line(
        `Wrote the evidence pack for ${pack.period.from} to ${pack.period.to} to ${options.out}: ${count(summary.changes, 'change', 'changes')} (${summary.separationOfDutiesMet} with separation of duties kept), `
        + `${count(summary.revocations, 'revocation', 'revocations')} (${summary.slaMet} within SLA, ${summary.slaMissed} missed, ${summary.published} published by Trustplane), `
        + `${count(summary.emergencies, 'emergency playbook invocation', 'emergency playbook invocations')}, ${count(summary.denied, 'denied attempt', 'denied attempts')}; `
        + `pending: ${summary.pendingChanges} changes not yet verified, ${summary.pendingPublications} revocations not yet published, ${summary.reviewsOpen} reviews open; `
        + `${count(pack.entries.length, 'audit entry', 'audit entries')} with proofs.`,
      ));
    }));
};
