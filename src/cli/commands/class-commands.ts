import type { Command } from 'commander';
import { action } from '../run-command.ts';

type ClassView = Record<string, unknown> & {
  id: string; name?: string; kinds: string[]; businessOwner: string; technicalOwner: string;
  policy?: Record<string, unknown>; decisionRights?: Record<string, Record<string, unknown>>; verifier?: string;
  credentialCounts: Record<string, number>;
};

/** One line per decision right, leaving out what is empty or the default. */
const describeRights = (rights: Record<string, unknown>): string => Object.entries(rights)
  .filter(([key, value]) => !(Array.isArray(value) && value.length === 0) && !(key === 'approvals' && value === 1) && !(key === 'preApproved' && value === false))
  .map(([key, value]) => (key === 'preApproved' ? 'pre-approved' : `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`))
  .join('; ');

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);

export const registerClassCommands = (program: Command): void => {
  const classes = program.command('classes').description('credential classes: owners, policy, decision rights');

  classes.command('list')
    .description('list classes with their owners and credential counts')
    .action(action(async ({ client, output }) => {
      const result = await client().get<{ items: ClassView[]; unclassified: Record<string, number> }>('/api/v1/classes');
      output.result(result, () => {
        output.table(result.items.map((entry) => [
          entry.id, entry.kinds.join(','), entry.businessOwner, entry.technicalOwner, String(total(entry.credentialCounts)),
          String(entry.credentialCounts.expired ?? 0),
        ]), ['CLASS', 'KINDS', 'BUSINESS OWNER', 'TECHNICAL OWNER', 'CREDENTIALS', 'EXPIRED']);
        output.line(`${total(result.unclassified)} credential(s) are unclassified.`);
      });
    }));

  classes.command('show')
    .description('show a class: owners, lifecycle policy, decision rights, credential counts')
    .argument('<id>', 'class id')
    .action(action(async ({ client, output }, id: string) => {
      const entry = await client().get<ClassView>(`/api/v1/classes/${encodeURIComponent(id)}`);
      output.result(entry, () => {
        output.line(`${entry.id}${entry.name === undefined ? '' : ` — ${entry.name}`}`);
        output.line(`kinds            ${entry.kinds.join(', ')}`);
        output.line(`business owner   ${entry.businessOwner}`);
        output.line(`technical owner  ${entry.technicalOwner}`);
        if (entry.verifier !== undefined) output.line(`verifier         ${entry.verifier}`);
        output.line('policy');
        for (const [key, value] of Object.entries(entry.policy ?? {})) output.line(`  ${key.padEnd(24)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
        output.line('decision rights');
        for (const [actionName, rights] of Object.entries(entry.decisionRights ?? {})) {
          output.line(`  ${actionName.padEnd(8)} ${describeRights(rights)}`);
        }
        output.line(`credentials      ${Object.entries(entry.credentialCounts).map(([status, n]) => `${n} ${status}`).join(', ') || 'none'}`);
      });
    }));
};
