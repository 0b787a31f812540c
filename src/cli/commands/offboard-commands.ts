// `trustplane offboard person|partner|workload ID`: what leaving means for trust. `--dry-run` shows the
// plan and changes nothing; without it the plan is carried out in one step, and `offboard show` follows the
// revocations it filed until every one is verified. `offboard reinstate` takes a subject back.
import type { Command } from 'commander';
import { finalStatuses } from '../../core/changes/change-lifecycle.ts';
import type { Output } from '../output.ts';
import { action } from '../run-command.ts';
import { minute, requireFlag, wholeNumber } from './change-commands.ts';

type PlanView = {
  subject: string; name: string;
  delegations: { id: string; classes: string[]; actions: string[] }[];
  tokens: { id: string; principal: string; name: string }[];
  cancel: { changeId: string; action: string; classId: string; status: string }[];
  revocations: { classId: string; trigger: string; credentials: { id: string; name: string }[] }[];
  tasks: { kind: string; text: string }[];
};

type OffboardingView = {
  id: string; subject: string; at: string; by: string; reason: string; plan: PlanView;
  reinstatement: { at: string; by: string; reason: string } | null;
  changes: { id: string; classId: string; status: string; trigger: string | null; dueAt: string | null; verifiedAt: string | null; credentials: string[]; onTime: boolean | null }[];
  progress: { verified: number; total: number; complete: boolean; overdue: number };
};

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

const printPlan = (output: Output, plan: PlanView, done: boolean): void => {
  const verb = (future: string, past: string): string => (done ? past : future);
  output.line(`${plan.subject} (${plan.name}):`);
  if (plan.delegations.length > 0) output.line(`  ${verb('revoke', 'revoked')} ${plural(plan.delegations.length, 'delegation')}: ${plan.delegations.map((delegation) => `${delegation.id} (${delegation.actions.join(',')} on ${delegation.classes.join(',')})`).join('; ')}`);
  if (plan.tokens.length > 0) output.line(`  ${verb('revoke', 'revoked')} ${plural(plan.tokens.length, 'API token')}: ${plan.tokens.map((token) => `${token.id} (${token.principal})`).join(', ')}`);
  if (plan.cancel.length > 0) output.line(`  ${verb('cancel', 'cancelled')} ${plural(plan.cancel.length, 'change')} they requested: ${plan.cancel.map((change) => `${change.changeId} (${change.action} on ${change.classId}, ${change.status})`).join(', ')}`);
  for (const revocation of plan.revocations) {
    output.line(`  ${verb('request', 'requested')} the revocation of ${plural(revocation.credentials.length, 'credential')} of ${revocation.classId} (${revocation.trigger}): ${revocation.credentials.slice(0, 5).map((credential) => credential.name).join(', ')}${revocation.credentials.length > 5 ? `, and ${revocation.credentials.length - 5} more` : ''}`);
  }
  if (plan.delegations.length + plan.tokens.length + plan.cancel.length + plan.revocations.length === 0) output.line(`  nothing to ${verb('revoke or cancel', 'revoked or cancelled')}`);
  if (plan.tasks.length > 0) {
    output.line(`  tasks for people (${plan.tasks.length}):`);
    for (const task of plan.tasks) output.line(`    - ${task.text}`);
  }
};

const printProgress = (output: Output, offboarding: OffboardingView): void => {
  const { progress } = offboarding;
  output.line(`Offboarding ${offboarding.id} of ${offboarding.subject}, by ${offboarding.by} at ${minute(offboarding.at)}: ${offboarding.reason}`);
  const back = offboarding.reinstatement;
  if (back !== null) output.line(`Reinstated by ${back.by} at ${minute(back.at)}: ${back.reason}`);
  if (progress.total === 0) return output.line('No revocations to follow.');
  output.line(`Revocations verified: ${progress.verified} of ${progress.total}${progress.complete ? ' (complete)' : ''}${progress.overdue > 0 ? `, ${progress.overdue} past their SLA` : ''}`);
  output.table(offboarding.changes.map((change) => [
    change.id, change.classId, String(change.credentials.length), change.status, change.dueAt === null ? '-' : minute(change.dueAt),
    change.onTime === null ? '-' : change.onTime ? 'yes' : 'no',
  ]), ['CHANGE', 'CLASS', 'CREDENTIALS', 'STATUS', 'DUE', 'ON TIME']);
};

export const registerOffboardCommands = (program: Command): void => {
  const offboard = program.command('offboard').description('offboard a person, partner or workload: revoke, cancel and reassign what they held; follow the revocations');

  for (const kind of ['person', 'partner', 'workload'] as const) {
    const what = {
      person: 'a person who left: revoke their tokens, cancel their pending requests, list what they owned for reassignment',
      partner: 'a partner whose contract ended: revoke its delegations and tokens at once, and request the revocation of every credential exposed to it or changed by it',
      workload: 'a decommissioned workload: request the revocation of the credentials only it uses',
    }[kind];
    offboard.command(kind)
      .description(`offboard ${what}`)
      .argument('<id>', `the ${kind} id as governance declares it`)
      .option('--reason <text>', 'why, in a few words (required)')
      .option('--dry-run', 'show the plan; change nothing')
      .action(action(async ({ client, output }, id: string, options: { reason?: string; dryRun?: boolean }) => {
        const reason = requireFlag('--reason', options.reason, 'say why, in a few words');
        const result = await client().post<{ dryRun: boolean; plan: PlanView; offboarding: OffboardingView | null }>('/api/v1/offboardings', { kind, id, reason, dryRun: options.dryRun === true });
        output.result(result, () => {
          if (result.dryRun) output.line('Plan (dry run; nothing was changed):');
          printPlan(output, result.plan, !result.dryRun);
          if (result.offboarding !== null) {
            output.line();
            printProgress(output, result.offboarding);
            output.line(`Follow it with: trustplane offboard show ${result.offboarding.id}`);
          }
        });
      }));
  }

  offboard.command('list')
    .description('offboardings, newest first, with the progress of their revocations')
    .option('--limit <n>', 'at most this many (1-1000)', '100')
    .option('--offset <n>', 'skip this many of the newest first', '0')
    .action(action(async ({ client, output }, options: { limit: string; offset: string }) => {
      const [limit, offset] = [wholeNumber('--limit', options.limit, 1000), wholeNumber('--offset', options.offset, 1_000_000, 0)];
      const result = await client().get<{ items: OffboardingView[] }>('/api/v1/offboardings', { limit, offset });
      output.result(result, () => {
        if (result.items.length === 0) return output.line(offset === 0 ? 'No offboardings yet.' : `No offboardings after the newest ${offset}.`);
        output.table(result.items.map((entry) => [
          entry.id, entry.subject, minute(entry.at), entry.by, `${entry.progress.verified}/${entry.progress.total} verified${entry.progress.overdue > 0 ? `, ${entry.progress.overdue} overdue` : ''}`,
          entry.reinstatement === null ? '-' : minute(entry.reinstatement.at),
        ]), ['ID', 'SUBJECT', 'AT', 'BY', 'REVOCATIONS', 'REINSTATED']);
        if (result.items.length === limit) output.line(`There may be more: --offset ${offset + limit}`);
      });
    }));

  offboard.command('show')
    .description('one offboarding and its revocations, until every one is verified')
    .argument('<id>', 'the offboarding id (off_…) or its subject (partner:globex)')
    .action(action(async ({ client, output }, id: string) => {
      const result = await client().get<OffboardingView>(`/api/v1/offboardings/${encodeURIComponent(id)}`);
      output.result(result, () => {
        printProgress(output, result);
        output.line();
        printPlan(output, result.plan, true);
      });
    }));

  offboard.command('reinstate')
    .description('take an offboarded person, partner or workload back (rehired, engaged again); what the offboarding revoked stays revoked')
    .argument('<id>', 'the offboarding id (off_…) or its subject (person:ivan)')
    .option('--reason <text>', 'why, in a few words (required)')
    .action(action(async ({ client, output }, id: string, options: { reason?: string }) => {
      const reason = requireFlag('--reason', options.reason, 'say why, in a few words');
      const result = await client().post<OffboardingView>(`/api/v1/offboardings/${encodeURIComponent(id)}/reinstate`, { reason });
      output.result(result, () => {
        output.line(`${result.subject} is no longer offboarded: alerts route to them again, and they can be offboarded again.`);
        output.line('What the offboarding did stays done: revoked tokens and delegations stay revoked (issue new tokens; declare new delegations).');
        const underWay = result.changes.filter((change) => !(finalStatuses as readonly string[]).includes(change.status));
        const cancellable = underWay.filter((change) => change.status === 'requested' || change.status === 'approved');
        if (cancellable.length > 0) output.line(`Revocations it filed not yet executed (cancel those no longer wanted): ${cancellable.map((change) => `${change.id} (${change.status})`).join(', ')}`);
        const executing = underWay.filter((change) => !cancellable.includes(change));
        if (executing.length > 0) output.line(`Revocations it filed already carried out, to verify: ${executing.map((change) => `${change.id} (${change.status})`).join(', ')}`);
      });
    }));
};
