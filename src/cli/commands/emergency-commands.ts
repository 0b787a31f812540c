// Emergency playbooks and the reviews they open, and delegations to partners as they stand now.
import type { Command } from 'commander';
import { TrustplaneError } from '../../core/errors.ts';
import { governedActions, revocationReasons } from '../../core/governance/governance-vocabulary.ts';
import { reviewStatuses } from '../../server/stores/review-store.ts';
import { action } from '../run-command.ts';
import { collect, describeScope, describeStatus, instantFlag, minute, oneOf, requireFlag } from './change-commands.ts';
import type { ChangeView } from './change-commands.ts';

type PlaybookView = {
  id: string; name?: string; triggers: string[]; classes: string[]; actions: string[]; responders: string[]; maxCredentials: number; reviewWithin: string;
};

type ReviewView = {
  id: string; changeId: string; playbookId: string; classId: string; accountable: string; openedAt: string; dueAt: string;
  status: string; completedBy: string | null; completedAt: string | null; note: string | null;
};

type DelegationView = {
  id: string; to: string; classes: string[]; actions: string[]; until?: string; grantedBy: string;
  state: 'open' | 'closed' | 'expired' | 'revoked'; nextWindowAt: string | null;
  revocation: { revokedAt: string; revokedBy: string; reason: string } | null;
};

const list = (values: readonly string[]): string => values.join(',');

export const registerEmergencyCommands = (program: Command): void => {
  const playbooks = program.command('playbooks').description('emergency playbooks: list, invoke');

  playbooks.command('list')
    .description('the emergency playbooks of the governance in force')
    .action(action(async ({ client, output }) => {
      const result = await client().get<{ items: PlaybookView[] }>('/api/v1/playbooks');
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No playbooks; declare them under playbooks: in governance.yaml.');
        output.table(result.items.map((playbook) => [
          playbook.id, list(playbook.triggers), list(playbook.classes), list(playbook.actions), list(playbook.responders), String(playbook.maxCredentials), playbook.reviewWithin,
        ]), ['ID', 'TRIGGERS', 'CLASSES', 'ACTIONS', 'RESPONDERS', 'MAX CREDENTIALS', 'REVIEW WITHIN']);
      });
    }));

  playbooks.command('invoke')
    .description('invoke an emergency playbook: executes at once within its scope and opens a review for each class touched')
    .argument('<id>', 'the playbook id')
    .option('--credential <id>', 'a credential to act on (repeatable, at least one)', collect)
    .option('--trigger <reason>', `why (required): ${revocationReasons.join(', ')}`)
    .option('--reason <text>', 'what happened, in a few words (required)')
    .option('--action <action>', `one of the playbook's actions (default revoke when it allows it): ${governedActions.join(', ')}`)
    .action(action(async ({ client, output }, id: string, options: { credential?: string[]; trigger?: string; reason?: string; action?: string }) => {
      if (options.credential === undefined || options.credential.length === 0) throw new TrustplaneError('VALIDATION_FAILED', '--credential is required: name each credential the playbook acts on (repeatable)');
      const trigger = oneOf('--trigger', requireFlag('--trigger', options.trigger, `one of ${revocationReasons.join(', ')}`), revocationReasons);
      const reason = requireFlag('--reason', options.reason, 'say what happened, in a few words');
      const lifecycleAction = options.action === undefined ? undefined : oneOf('--action', options.action, governedActions);
      const result = await client().post<{ playbookId: string; changes: ChangeView[]; reviews: ReviewView[] }>(`/api/v1/playbooks/${encodeURIComponent(id)}/invoke`, {
        credentials: options.credential, trigger, reason, ...(lifecycleAction === undefined ? {} : { action: lifecycleAction }),
      });
      output.result(result, () => {
        output.line(`Invoked playbook ${result.playbookId}: ${result.changes.length} change${result.changes.length === 1 ? '' : 's'} executed, ${result.reviews.length} review${result.reviews.length === 1 ? '' : 's'} opened.`);
        for (const change of result.changes) output.line(`  change ${change.id}  ${describeScope(change)}: ${describeStatus(change)}`);
        for (const review of result.reviews) output.line(`  review ${review.id}  for ${review.accountable}, due ${review.dueAt}`);
      });
    }));

  const reviews = program.command('reviews').description('reviews of emergency changes: list, complete');

  reviews.command('list')
    .description('reviews of emergency changes, soonest due first')
    .option('--status <status>', reviewStatuses.join(', '))
    .option('--accountable <principal>', 'only reviews this person must complete, e.g. person:carol')
    .action(action(async ({ client, output }, options: { status?: string; accountable?: string }) => {
      const status = options.status === undefined ? undefined : oneOf('--status', options.status, reviewStatuses);
      const result = await client().get<{ items: ReviewView[] }>('/api/v1/reviews', { status, accountable: options.accountable });
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No reviews match.');
        const now = new Date().toISOString();
        output.table(result.items.map((review) => [
          review.id, review.changeId, review.playbookId, review.classId, review.accountable,
          review.status === 'open' && review.dueAt < now ? 'open, overdue' : review.status, minute(review.dueAt), review.completedBy ?? '-',
        ]), ['ID', 'CHANGE', 'PLAYBOOK', 'CLASS', 'ACCOUNTABLE', 'STATUS', 'DUE', 'COMPLETED BY']);
      });
    }));

  reviews.command('complete')
    .description('complete a review: accept the emergency change, or flag it for follow-up')
    .argument('<id>', 'the review id (rv_…)')
    .option('--accept', 'the emergency change was right')
    .option('--flag', 'it needs follow-up (say what in --note)')
    .option('--note <text>', 'a note; required with --flag')
    .action(action(async ({ client, output }, id: string, options: { accept?: boolean; flag?: boolean; note?: string }) => {
      if ((options.accept === true) === (options.flag === true)) throw new TrustplaneError('VALIDATION_FAILED', 'pass exactly one of --accept or --flag');
      const outcome = options.accept === true ? 'accept' : 'flag';
      if (outcome === 'flag') requireFlag('--note', options.note, 'say what must follow up on the flagged change');
      const review = await client().post<ReviewView>(`/api/v1/reviews/${encodeURIComponent(id)}/complete`, { outcome, ...(options.note === undefined ? {} : { note: options.note }) });
      output.result(review, () => output.line(`${outcome === 'accept' ? 'Accepted' : 'Flagged'} review ${review.id} of change ${review.changeId} (playbook ${review.playbookId})${review.completedAt !== null && review.completedAt > review.dueAt ? ', late' : ''}.`));
    }));

  const delegations = program.command('delegations').description('delegations to partners: list, revoke');

  delegations.command('list')
    .description('delegations and their state now (open, closed, expired, revoked), or at a given time')
    .option('--at <time>', 'the instant to judge at, e.g. 2027-03-01T23:00:00+01:00, or relative to now: +9h')
    .action(action(async ({ client, output }, options: { at?: string }) => {
      const at = options.at === undefined ? undefined : instantFlag('--at', options.at);
      const result = await client().get<{ items: DelegationView[] }>('/api/v1/delegations', { at });
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No delegations.');
        output.table(result.items.map((delegation) => [
          delegation.id, delegation.to, list(delegation.classes), list(delegation.actions), delegation.state,
          minute(delegation.nextWindowAt), delegation.until ?? '-',
        ]), ['ID', 'PARTNER', 'CLASSES', 'ACTIONS', 'STATE', 'NEXT WINDOW', 'UNTIL']);
      });
    }));

  delegations.command('revoke')
    .description('revoke a delegation at once: the partner can no longer act under it')
    .argument('<id>', 'the delegation id')
    .option('--reason <text>', 'why, in a few words (required)')
    .action(action(async ({ client, output }, id: string, options: { reason?: string }) => {
      const reason = requireFlag('--reason', options.reason, 'say why, in a few words');
      const delegation = await client().post<DelegationView>(`/api/v1/delegations/${encodeURIComponent(id)}/revoke`, { reason });
      output.result(delegation, () => output.line(`Revoked delegation ${delegation.id} to ${delegation.to} at ${delegation.revocation?.revokedAt ?? '?'}; ${delegation.to} can no longer act under it.`));
    }));
};
