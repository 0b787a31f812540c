// `trustplane posture`: the organisation's posture, each metric beside the industry figure it answers
// (with that figure's source), and how it moved over the daily snapshots.
import type { Command } from 'commander';
import { action } from '../run-command.ts';

type MetricView = {
  id: string; title: string; definition: string; value: number | null; numerator: number; denominator: number; better: 'higher' | 'lower';
  detail: Record<string, number | string | null>; benchmark: { figure: string; source: string; note: string } | null; frameworks: string[];
};
type PostureView = {
  posture: { at: string; population: { live: number; unclassified: number; lapsed: number; classes: number }; metrics: MetricView[] };
  trend: { day: string; values: Record<string, number | null> }[];
};

const percent = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** How a metric moved since the oldest snapshot before today, in percentage points. */
const movement = (metric: MetricView, trend: PostureView['trend'], today: string): string => {
  const oldest = trend.filter((point) => point.day < today).at(-1);
  const then = oldest?.values[metric.id];
  if (oldest === undefined || then === undefined || then === null || metric.value === null) return '-';
  const points = (metric.value - then) * 100;
  if (Math.abs(points) < 0.05) return `unchanged since ${oldest.day}`;
  return `${points > 0 ? '+' : ''}${points.toFixed(1)} pts since ${oldest.day}`;
};

export const registerPostureCommands = (program: Command): void => {
  program.command('posture')
    .description('where the organisation stands: owner coverage, orphans, rotation, expiry, offboarding, managed storage, third-party exposure, separation of duties, revocation SLAs and CA/B readiness, each beside the industry figure it answers')
    .action(action(async ({ client, output }) => {
      const report = await client().get<PostureView>('/api/v1/posture');
      output.result(report, () => {
        const { posture, trend } = report;
        output.line(`Posture at ${posture.at}: ${posture.population.live.toLocaleString('en-US')} live credentials in ${posture.population.classes} classes (${posture.population.unclassified.toLocaleString('en-US')} unclassified)`);
        output.line();
        output.table(posture.metrics.map((metric) => [
          metric.id, metric.title, percent(metric.value), `${metric.numerator.toLocaleString('en-US')} of ${metric.denominator.toLocaleString('en-US')}`,
          metric.better === 'higher' ? 'higher is better' : 'lower is better', movement(metric, trend, posture.at.slice(0, 10)),
        ]), ['ID', 'METRIC', 'VALUE', 'OF', '', 'TREND']);
        output.line();
        output.line('Beside industry figures (shown for comparison, never as facts about you):');
        for (const metric of posture.metrics) {
          if (metric.benchmark === null) continue;
          output.line(`  ${metric.id} ${metric.title}: you ${percent(metric.value)}; industry: ${metric.benchmark.figure}`);
          output.line(`      source: ${metric.benchmark.source}`);
        }
        if (!trend.some((point) => point.day < posture.at.slice(0, 10))) output.line('\nNo snapshot from an earlier day yet: the server records one each day, so a trend appears from tomorrow.');
      });
    }));
};
