// bench/inventory/classify: how long an apply that adds a class takes to classify an inventory whose
// credentials are all unclassified (src/server/services/inventory-classification.ts), counting only (a dry
// run) and writing, on SQLite and PostgreSQL. Printed beside a reference measured in the same run on the
// same database: one query reading, in primary-key order, every column the classification reads, which
// is what any classification has to read at least.
//
//   node bench/inventory/classify.ts [--sizes 100000,300000] [--databases sqlite,postgresql]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseGovernance } from '../../src/core/governance/index.ts';
import { createUnitOfWork } from '../../src/server/db/unit-of-work.ts';
import { classifyInventory } from '../../src/server/services/inventory-classification.ts';
import { toUpsert } from '../../src/server/services/inventory-service.ts';
import { databaseTargets } from '../../test/support/databases.ts';
import { formatRate, timed } from '../support/stats.ts';
import { generateBatch } from './generate.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,300000' },
    databases: { type: 'string', default: 'sqlite,postgresql' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const wanted = values.databases.split(',');
const now = new Date();
const parsed = parseGovernance(readFileSync(new URL('../../examples/governance.yaml', import.meta.url), 'utf8'), 'governance.yaml', { now });
if (!parsed.ok) throw new Error('examples/governance.yaml does not parse');
const { classes } = parsed.governance;

const results: Record<string, unknown>[] = [];
for (const target of databaseTargets.filter((entry) => wanted.includes(entry.name))) {
  for (const size of sizes) {
    process.stdout.write(`\n${target.name}, ${size.toLocaleString('en-US')} unclassified credentials\n`);
    const database = await target.create();
    try {
      const unitOfWork = createUnitOfWork(database.database);
      // Stored without governance, as credentials imported before any class existed are.
      for (let start = 0; start < size; start += 10_000) {
        const batch = generateBatch(start, Math.min(10_000, size - start), now).map((entry) => toUpsert(entry, {}, null));
        await unitOfWork((tx) => tx.credentials.upsert(batch, now.toISOString()));
      }
      await unitOfWork((tx) => tx.credentials.refreshStatistics());
      const reference = await timed(() => database.database.db.selectFrom('credentials')
        .select(['id', 'class_id', 'kind', 'name', 'subject', 'issuer', 'sans', 'source_id']).orderBy('id').execute());
      const counted = await timed(() => unitOfWork((tx) => classifyInventory(tx, classes, { write: false, now: now.toISOString() })));
      const written = await timed(() => unitOfWork((tx) => classifyInventory(tx, classes, { write: true, now: now.toISOString() })));
      const moved = written.value.plan.reduce((sum, entry) => sum + entry.credentials, 0);
      process.stdout.write(`  dry run ${Math.round(counted.ms)} ms (${formatRate(size, counted.ms)}), apply ${Math.round(written.ms)} ms, ${moved.toLocaleString('en-US')} classified\n`);
      process.stdout.write(`  reference: one ordered read of the same columns ${Math.round(reference.ms)} ms; ratio dry run ${(reference.ms / counted.ms).toFixed(2)}, apply ${(reference.ms / written.ms).toFixed(2)}\n`);
      results.push({ database: target.name, credentials: size, classified: moved, dryRunMs: Math.round(counted.ms), applyMs: Math.round(written.ms), referenceReadMs: Math.round(reference.ms) });
    } finally {
      await database.destroy();
    }
  }
}
process.stdout.write(`${JSON.stringify({ benchmark: 'inventory-classify', node: process.version, at: new Date().toISOString(), results })}\n`);
