// Alerts: what monitoring found and who was told. `alerts list` shows those not resolved (or any state
// asked for), `alerts show` one with its facts, `alerts ack` says someone is on it, and `alerts sweep`
// runs a sweep now instead of waiting for the scheduler.
import type { Command } from 'commander';
import { alertStates, alertTypes, severities } from '../../core/monitor/alert-vocabulary.ts';
import { action } from '../run-command.ts';
import { minute, oneOf } from './change-commands.ts';

type AlertView = {
  id: string; type: string; target: string; classId: string | null; severity: string; stage: string; state: string; summary: string;
  details: Record<string, unknown>; recipients: string[]; escalateTo: string[]; openedAt: string; updatedAt: string;
  acknowledgedBy: string | null; acknowledgedAt: string | null; note: string | null; escalatedAt: string | null; resolvedAt: string | null;
};

type SweepView = {
  at: string; node: string; credentials: number; findings: number; opened: number; raised: number; resolved: number; escalated: number; open: number; notifications: number; tookMs: number;
  renewals: { renewed: number; failed: number; outcomes: { name: string; change: string | null; status: string; problem: string | null }[] };
};

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

const describeState = (alert: AlertView): string =>
  alert.state === 'acknowledged' ? `acknowledged by ${alert.acknowledgedBy}` : alert.state === 'open' && alert.escalatedAt !== null ? 'open, escalated' : alert.state;

export const registerAlertCommands = (program: Command): void => {
  const alerts = program.command('alerts').description('alerts raised by monitoring: list, show, ack, sweep');

  alerts.command('list')
    .description('alerts, newest first; those not resolved unless --state says otherwise')
    .option('--state <states>', `comma-separated: ${alertStates.join(', ')}`)
    .option('--type <type>', alertTypes.join(', '))
    .option('--severity <severity>', `at least this severe: ${severities.join(', ')}`)
    .option('--class <id>', 'only alerts about this class')
    .option('--mine', 'only alerts routed to me')
    .option('--limit <n>', 'at most this many (1-1000)', '100')
    .action(action(async ({ client, output }, options: { state?: string; type?: string; severity?: string; class?: string; mine?: boolean; limit: string }) => {
      const result = await client().get<{ items: AlertView[] }>('/api/v1/alerts', {
        state: options.state, class: options.class, limit: options.limit,
        type: options.type === undefined ? undefined : oneOf('--type', options.type, alertTypes),
        severity: options.severity === undefined ? undefined : oneOf('--severity', options.severity, severities),
        ...(options.mine === true ? { mine: 'true' } : {}),
      });
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No alerts match.');
        output.table(result.items.map((alert) => [
          alert.id, alert.severity, alert.type, describeState(alert), minute(alert.openedAt), alert.recipients.join(',') || '-', alert.summary,
        ]), ['ID', 'SEVERITY', 'TYPE', 'STATE', 'OPENED', 'ROUTED TO', 'SUMMARY']);
      });
    }));

  alerts.command('show')
    .description('one alert with its facts and who it was routed to')
    .argument('<id>', 'the alert id (alr_…)')
    .action(action(async ({ client, output }, id: string) => {
      const alert = await client().get<AlertView>(`/api/v1/alerts/${encodeURIComponent(id)}`);
      output.result(alert, () => {
        output.line(`${alert.id}  ${alert.severity} ${alert.type}, ${describeState(alert)}`);
        output.line(alert.summary);
        output.line();
        const rows: [string, string][] = [
          ['about', alert.target], ['class', alert.classId ?? '-'], ['stage', alert.stage], ['opened', alert.openedAt], ['changed', alert.updatedAt],
          ['routed to', alert.recipients.join(', ') || '-'], ['escalates to', alert.escalateTo.join(', ') || '-'],
          ['escalated', alert.escalatedAt ?? '-'], ['acknowledged', alert.acknowledgedAt === null ? '-' : `${alert.acknowledgedAt} by ${alert.acknowledgedBy}${alert.note === null ? '' : `: ${alert.note}`}`],
          ['resolved', alert.resolvedAt ?? '-'],
          ...Object.entries(alert.details).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
        ];
        output.table(rows, ['FIELD', 'VALUE']);
      });
    }));

  alerts.command('ack')
    .description('acknowledge an open alert: you are on it, so it does not escalate; it resolves by itself when the condition clears')
    .argument('<id>', 'the alert id (alr_…)')
    .option('--note <text>', 'what you are doing about it')
    .action(action(async ({ client, output }, id: string, options: { note?: string }) => {
      const alert = await client().post<AlertView>(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, options.note === undefined ? {} : { note: options.note });
      output.result(alert, () => output.line(`Acknowledged ${alert.id} (${alert.severity} ${alert.type}): ${alert.summary}`));
    }));

  alerts.command('sweep')
    .description('sweep now, as the scheduler does: renew what is pre-approved and due, then open, raise, resolve and escalate alerts, and send their notifications')
    .action(action(async ({ client, output }) => {
      const report = await client().post<SweepView>('/api/v1/alerts/sweep', {});
      output.result(report, () => {
        const { renewals } = report;
        if (renewals.renewed + renewals.failed > 0) {
          output.line(`Renewed ${plural(renewals.renewed, 'certificate')} automatically${renewals.failed > 0 ? `; ${renewals.failed} failed` : ''}:`);
          for (const outcome of renewals.outcomes) output.line(`  ${outcome.name}: ${outcome.status}${outcome.change === null ? '' : ` (change ${outcome.change})`}${outcome.problem === null ? '' : `: ${outcome.problem}`}`);
        }
        output.line(
          `Swept ${plural(report.credentials, 'credential')} in ${report.tookMs} ms: ${plural(report.findings, 'finding')}; `
          + `${report.opened} opened, ${report.raised} raised, ${report.resolved} resolved, ${report.escalated} escalated; ${plural(report.notifications, 'notification')} queued.`,
        );
      });
    }));
};
