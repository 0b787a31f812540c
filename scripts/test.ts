// Runs every test (unit tests beside the code, integration tests in test/) with Node's test runner,
// prints the spec report, and ends with the totals alone on a line: "N passed, N failed".
// Tests that touch storage run on SQLite and on PostgreSQL (see test/support/databases.ts).
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const patterns = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const files = (patterns.length > 0 ? patterns : ['src/**/*.test.ts', 'test/**/*.test.ts'])
  .flatMap((pattern) => globSync(pattern))
  .sort();

let totals: { passed: number; failed: number; skipped: number } | undefined;
const stream = run({ files, concurrency: Math.max(2, availableParallelism()), timeout: 10 * 60_000 });
// The last summary without a file is the run's own: its counts are tests, not suites.
stream.on('test:summary', (event) => {
  if (event.file !== undefined) return;
  // @types/node lags the runtime here: the counts carry `failed` too.
  const { passed, failed, cancelled, skipped, todo } = event.counts as typeof event.counts & { failed: number };
  totals = { passed, failed: failed + cancelled, skipped: skipped + todo };
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  const { passed, failed, skipped } = totals ?? { passed: 0, failed: 1, skipped: 0 };
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  process.stdout.write(`\n${line}\n`, () => {
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
});
