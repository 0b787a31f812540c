// bench/inventory: import 100k and 1M generated credentials into SQLite and PostgreSQL through the
// service (as each batch of `trustplane credentials import` arrives), then time the list queries.
// Each figure is printed beside a reference measured in the same run on the same database:
//   import  ← raw driver inserts of the same rows (credentials and workload links) into the same schema,
//             with no checks, no classification and no audit entry
//   queries ← a primary-key lookup of one credential through the same service layer
//
//   node bench/inventory/run.ts [--sizes 100000,1000000] [--databases sqlite,postgresql]
import { parseArgs } from 'node:util';
import pg from 'pg';
import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { databaseTargets } from '../../test/support/databases.ts';
import type { TestDatabase } from '../../test/support/databases.ts';
import { createServices } from '../../src/server/main.ts';
import { credentialIdFor } from '../../src/core/inventory/index.ts';
import { neverExpires } from '../../src/server/stores/credential-rows.ts';
import { formatMs, formatRate, latencies, percentile, timed } from '../support/stats.ts';
import { generateBatch } from './generate.ts';
import { exampleGovernanceAt } from '../../src/server/demo/example-governance.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    databases: { type: 'string', default: 'sqlite,postgresql' },
    queries: { type: 'string', default: '300' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const wanted = values.databases.split(',');
const queryRuns = Number(values.queries);
const batchSize = 10_000;
const now = new Date();
const governance = exampleGovernanceAt(new Date());

const columns = ['id', 'fingerprint', 'kind', 'name', 'class_id', 'source_id', 'status', 'subject', 'issuer', 'serial', 'sans', 'not_before', 'not_after',
  'expiry_order', 'key_algorithm', 'key_size', 'is_ca', 'signature_algorithm', 'external_id', 'storage_location', 'managed_storage', 'exposed_to',
  'last_rotated_at', 'supersedes', 'superseded_by', 'search_text', 'imported_from', 'created_at', 'updated_at'] as const;

/** The same rows the service stores, built by hand for the raw-insert reference. */
const rawRows = (start: number, count: number): unknown[][] => generateBatch(start, count, now).map(({ file, facts }) => [
  credentialIdFor(facts.fingerprint), facts.fingerprint, facts.kind, facts.name, facts.kind === 'api_key' ? 'payments-api-keys' : 'internal-mtls', facts.source ?? null, 'active',
  facts.subject ?? null, facts.issuer ?? null, facts.serial ?? null, JSON.stringify(facts.sans ?? []), facts.notBefore?.toISOString() ?? null,
  facts.notAfter?.toISOString() ?? null, facts.notAfter?.toISOString() ?? neverExpires, facts.keyAlgorithm ?? null, facts.keySize ?? null, facts.isCa ? 1 : 0,
  facts.signatureAlgorithm ?? null, facts.externalId ?? null, facts.storageLocation ?? null, facts.managedStorage === undefined ? null : facts.managedStorage ? 1 : 0, '[]',
  facts.lastRotatedAt?.toISOString() ?? null, null, null, facts.name.toLowerCase(), file, now.toISOString(), now.toISOString(),
]);

/** The credential-to-workload links of the same rows. */
const rawLinks = (start: number, count: number): unknown[][] => generateBatch(start, count, now)
  .flatMap(({ facts }) => (facts.workloads ?? []).map((workload) => [credentialIdFor(facts.fingerprint), workload]));

const rawInsert = async (database: TestDatabase, size: number): Promise<number> => {
  const started = performance.now();
  if (database.location.kind === 'sqlite') {
    // better-sqlite3's own handle: one prepared statement, one transaction per batch.
    const handle = new (await import('better-sqlite3')).default(database.location.file) as SqliteDatabase.Database;
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    const insert = handle.prepare(`insert into credentials (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
    const link = handle.prepare('insert into credential_workloads (credential_id, workload_id) values (?, ?)');
    const insertBatch = handle.transaction((rows: unknown[][], links: unknown[][]) => {
      for (const row of rows) insert.run(row);
      for (const row of links) link.run(row);
    });
    for (let start = 0; start < size; start += batchSize) {
      const count = Math.min(batchSize, size - start);
      insertBatch(rawRows(start, count), rawLinks(start, count));
    }
    handle.close();
  } else {
    const client = new pg.Client({ connectionString: database.location.url });
    await client.connect();
    for (let start = 0; start < size; start += batchSize) {
      const rows = rawRows(start, Math.min(batchSize, size - start));
      await client.query('begin');
      for (let offset = 0; offset < rows.length; offset += 1000) {
        const chunk = rows.slice(offset, offset + 1000);
        const placeholders = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(`insert into credentials (${columns.join(', ')}) values ${placeholders}`, chunk.flat());
      }
      const links = rawLinks(start, Math.min(batchSize, size - start));
      for (let offset = 0; offset < links.length; offset += 5000) {
        const chunk = links.slice(offset, offset + 5000);
        await client.query(`insert into credential_workloads (credential_id, workload_id) values ${chunk.map((_, r) => `($${2 * r + 1}, $${2 * r + 2})`).join(', ')}`, chunk.flat());
      }
      await client.query('commit');
    }
    await client.end();
  }
  return performance.now() - started;
};

type Result = Record<string, string | number>;
const results: Result[] = [];

for (const target of databaseTargets.filter((candidate) => wanted.includes(candidate.name))) {
  for (const size of sizes) {
    process.stdout.write(`\n${target.name}, ${size.toLocaleString('en-US')} credentials\n`);
    const database = await target.create();
    const reference = await target.create();
    try {
      const services = createServices(database.database);
      await services.governance.apply({ document: governance, fileName: 'governance.yaml', dryRun: false, actor: 'bench' });

      const progressEvery = Math.max(batchSize, Math.floor(size / 10 / batchSize) * batchSize);
      const imported = await timed(async () => {
        for (let start = 0; start < size; start += batchSize) {
          await services.inventory.importEntries(generateBatch(start, Math.min(batchSize, size - start), now), {}, 'bench');
          if ((start + batchSize) % progressEvery === 0) process.stdout.write(`  imported ${(start + batchSize).toLocaleString('en-US')}\r`);
        }
      });
      const rawMs = await rawInsert(reference, size);
      process.stdout.write(`  import ${formatRate(size, imported.ms)} (raw driver insert ${formatRate(size, rawMs)}, ratio ${(rawMs / imported.ms).toFixed(2)})\n`);

      const classes = ['internal-mtls', 'payments-api-keys'];
      const pageOf = (filter: Partial<Parameters<typeof services.inventory.list>[0]>) => (i: number) =>
        services.inventory.list({ sort: 'notAfter', descending: false, page: 1 + (i % 5), pageSize: 50, ...filter });
      const queries = {
        'class + active': await latencies(queryRuns, 20, (i) => pageOf({ classId: classes[i % 2] as string, status: 'active' })(i)),
        'class + expired': await latencies(queryRuns, 20, (i) => pageOf({ classId: classes[i % 2] as string, status: 'expired' })(i)),
        'kind': await latencies(queryRuns, 20, (i) => pageOf({ kind: i % 2 === 0 ? 'api_key' : 'x509_certificate' })(i)),
        'owner': await latencies(queryRuns, 20, (i) => pageOf({ owner: i % 2 === 0 ? 'person:frank' : 'person:dave' })(i)),
        'expiring within 30d': await latencies(queryRuns, 20, (i) => pageOf({ expiringWithin: '30d' })(i)),
        'no filter': await latencies(queryRuns, 20, (i) => pageOf({})(i)),
      };
      const filtered = Object.values(queries).slice(0, 4).flat().sort((a, b) => a - b);
      const expiring = queries['expiring within 30d'];
      const ids = generateBatch(0, 100, now).map((entry) => credentialIdFor(entry.facts.fingerprint));
      const lookups = await latencies(queryRuns, 20, (i) => services.inventory.show(ids[i % ids.length] as string));
      const counted = await latencies(5, 1, () => services.inventory.countByClassAndStatus());
      const page = await services.inventory.list({ classId: 'internal-mtls', status: 'active', sort: 'notAfter', descending: false, page: 1, pageSize: 50 });
      const sizeOnDisk = database.location.kind === 'postgres'
        ? Number((await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(database.database.db)).rows[0]?.bytes ?? 0)
        : 0;

      for (const [name, samples] of Object.entries(queries)) {
        process.stdout.write(`  page of 50 (${name}, with total): p50 ${formatMs(percentile(samples, 50))} ms, p99 ${formatMs(percentile(samples, 99))} ms\n`);
      }
      process.stdout.write(`  all filtered pages together: p50 ${formatMs(percentile(filtered, 50))} ms, p99 ${formatMs(percentile(filtered, 99))} ms (class + active page total: ${page.total.toLocaleString('en-US')}${page.totalIsExact ? '' : '+'})\n`);
      process.stdout.write(`  reference, one credential by id: p50 ${formatMs(percentile(lookups, 50))} ms, p99 ${formatMs(percentile(lookups, 99))} ms\n`);
      process.stdout.write(`  count by class × status: ${formatMs(percentile(counted, 50))} ms (median of 5)\n`);
      results.push({
        database: target.name, credentials: size,
        importPerSecond: Math.round((size / imported.ms) * 1000), rawInsertPerSecond: Math.round((size / rawMs) * 1000),
        filteredP50: Number(percentile(filtered, 50).toFixed(2)), filteredP99: Number(percentile(filtered, 99).toFixed(2)),
        ...Object.fromEntries(Object.entries(queries).map(([name, samples]) => [`p99 ${name}`, Number(percentile(samples, 99).toFixed(2))])),
        expiringP50: Number(percentile(expiring, 50).toFixed(2)), expiringP99: Number(percentile(expiring, 99).toFixed(2)),
        lookupP50: Number(percentile(lookups, 50).toFixed(2)), lookupP99: Number(percentile(lookups, 99).toFixed(2)),
        countByClassStatusMs: Number(percentile(counted, 50).toFixed(1)),
        ...(sizeOnDisk > 0 ? { databaseMiB: Math.round(sizeOnDisk / 1048576) } : {}),
      });
    } finally {
      await database.destroy();
      await reference.destroy();
    }
  }
}

process.stdout.write(`\n${JSON.stringify({ benchmark: 'inventory', node: process.version, at: now.toISOString(), results })}\n`);
