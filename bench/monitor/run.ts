// bench/monitor: a full monitoring sweep over an inventory of 1M credentials on SQLite and PostgreSQL (a
// fresh database each, the demo's governance), pinned to one core (taskset -c 0 when util-linux has it;
// the database server is not pinned). Figures: the time and peak memory (RSS and heap) of
//   - the first sweep, which opens an alert for every finding in a messy estate (about a third of it);
//   - a second sweep at the same moment, which finds the same and changes nothing (the steady state);
//   - posture, computed with aggregates over the same inventory (twice: the second with the database's caches warm);
// each beside the reference measured in the same run: reading the sweep's columns of every credential,
// page by page as the sweep reads them, and doing nothing with them (the floor of any full sweep).
//
//   node bench/monitor/run.ts [--credentials 1000000] [--databases sqlite,postgresql]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { demoGovernance } from '../../src/server/demo/demo-governance.ts';
import { createServices } from '../../src/server/main.ts';
import { sweepPageSize } from '../../src/server/services/alert-service.ts';
import { fixedClock } from '../../src/server/platform.ts';
import { toRow } from '../../src/server/stores/credential-rows.ts';
import type { CredentialUpsert } from '../../src/server/stores/credential-rows.ts';
import { createMonitorStore } from '../../src/server/stores/monitor-store.ts';
import { databaseTargets } from '../../test/support/databases.ts';
import { formatMs } from '../support/stats.ts';

const { values } = parseArgs({
  options: {
    credentials: { type: 'string', default: '1000000' },
    databases: { type: 'string', default: 'sqlite,postgresql' },
    pinned: { type: 'boolean', default: false },
  },
});

// Re-run pinned to one CPU, as the goals are per core.
if (!values.pinned) {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path));
  const args = [process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), '--pinned', '--credentials', values.credentials, '--databases', values.databases];
  if (taskset === undefined) process.stdout.write('taskset is not installed (util-linux): running unpinned\n');
  const run = spawnSync(taskset ?? args[0]!, taskset === undefined ? args.slice(1) : ['-c', '0', ...args], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const total = Number(values.credentials);
const goals = { sweepMs: 30_000, postureMs: 2_000 };
const day = 86_400_000;
const now = new Date('2026-11-22T12:00:00Z');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** A messy estate: five classes and the unclassified, expiry spread from 30 days ago to 335 ahead, some keys outside a managed store. */
const credentialAt = (i: number): { upsert: CredentialUpsert; workloads: string[] } => {
  const fingerprint = createHash('sha256').update(`bench-monitor-${i}`).digest('hex');
  const notAfter = new Date(now.getTime() + (((i * 7919) % 365) - 30) * day).toISOString();
  const shape = i % 10;
  const base = {
    id: `cr_${fingerprint.slice(0, 24)}`, fingerprint, subject: null, issuer: null, serial: null, notBefore: null, notAfter, signatureAlgorithm: null,
    externalId: null, storageLocation: null, managedStorage: true as boolean | null, lastRotatedAt: null, importedFrom: 'bench', sourceId: null as string | null,
    status: 'active', isCa: false, sans: [] as string[], exposedTo: [] as string[], workloads: [] as string[], keyAlgorithm: 'ECDSA-P256' as string | null, keySize: 256 as number | null,
  };
  if (shape < 4) {
    const host = `svc-${i}.svc.acme.internal`;
    return { upsert: { ...base, kind: 'x509_certificate', name: host, classId: 'internal-mtls', classifiedAs: null, sourceId: 'internal-ca', sans: [`dns:${host}`], subject: `CN=${host}`, serial: fingerprint.slice(0, 32), signatureAlgorithm: 'ecdsa-with-SHA256' }, workloads: i % 2 === 0 ? ['payments-api'] : [] };
  }
  if (shape < 7) {
    return {
      upsert: { ...base, kind: 'api_key', name: `payments-key-${i}`, classId: 'payments-api-keys', classifiedAs: null, sourceId: 'vault', keyAlgorithm: null, keySize: null,
        storageLocation: i % 10 === 4 ? `ci:variables/${i}` : `vault:kv/payments/${i}`, managedStorage: i % 10 !== 4, lastRotatedAt: new Date(now.getTime() - ((i * 31) % 200) * day).toISOString(),
        exposedTo: i % 50 === 5 ? ['vendor:card-processor'] : [] },
      workloads: ['payments-api'],
    };
  }
  if (shape === 7) {
    const host = `www-${i}.acme.example`;
    return { upsert: { ...base, kind: 'x509_certificate', name: host, classId: 'public-tls', classifiedAs: null, sourceId: 'letsencrypt', sans: [`dns:${host}`], subject: `CN=${host}`, serial: fingerprint.slice(0, 32), signatureAlgorithm: 'ecdsa-with-SHA256' }, workloads: ['checkout-web'] };
  }
  if (shape === 8) return { upsert: { ...base, kind: 'signing_key', name: `release-key-${i}`, classId: 'code-signing', classifiedAs: null, sourceId: 'aws-kms', notAfter: null }, workloads: ['build-pipeline'] };
  return { upsert: { ...base, kind: 'password', name: `legacy-password-${i}`, classId: null, classifiedAs: null, managedStorage: i % 20 === 9 ? false : null, keyAlgorithm: null, keySize: null }, workloads: [] };
};

/** Samples the process's memory while `work` runs: the peak is what the work needed at most. */
const measured = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T; peakRss: number; peakHeap: number; startRss: number }> => {
  global.gc?.();
  const startRss = process.memoryUsage.rss();
  let [peakRss, peakHeap] = [startRss, process.memoryUsage().heapUsed];
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const value = await work();
    return { ms: performance.now() - started, value, peakRss: Math.max(peakRss, process.memoryUsage.rss()), peakHeap, startRss };
  } finally {
    clearInterval(sampler);
  }
};

process.stdout.write(`bench/monitor: node ${process.version}, ${total.toLocaleString('en-US')} credentials per database, ${availableParallelism()} CPU(s) for this process\n`);
for (const target of databaseTargets.filter((candidate) => values.databases.split(',').includes(candidate.name))) {
  process.stdout.write(`\n${target.name}\n`);
  const database = await target.create();
  try {
    const clock = fixedClock(now);
    const services = createServices(database.database, { clock, nodeId: 'bench' });
    await services.governance.apply({ document: demoGovernance(now), fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    const filled = performance.now();
    const batch = 500;
    for (let start = 0; start < total; start += batch * 20) {
      await database.database.db.transaction().execute(async (trx) => {
        for (let chunk = start; chunk < Math.min(total, start + batch * 20); chunk += batch) {
          const made = Array.from({ length: Math.min(batch, total - chunk) }, (_, offset) => credentialAt(chunk + offset));
          await trx.insertInto('credentials').values(made.map((entry) => toRow(entry.upsert, now.toISOString()))).execute();
          const links = made.flatMap((entry) => entry.workloads.map((workload) => ({ credential_id: entry.upsert.id, workload_id: workload })));
          if (links.length > 0) await trx.insertInto('credential_workloads').values(links).execute();
        }
      });
    }
    // Statistics, as an import of this size refreshes them (inventory-service) and autovacuum keeps them.
    await services.unitOfWork((tx) => tx.credentials.refreshStatistics());
    process.stdout.write(`  filled in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`);

    const monitor = createMonitorStore(database.database.db);
    const reference = await measured(async () => {
      let [after, read] = [null as string | null, 0];
      for (;;) {
        const page = await monitor.credentialPage(after, sweepPageSize);
        if (page.length === 0) return read;
        read += page.length;
        after = page.at(-1)!.id;
      }
    });
    process.stdout.write(`  reference: reading the sweep's columns of all ${reference.value.toLocaleString('en-US')} credentials: ${formatMs(reference.ms)} ms, peak RSS ${mib(reference.peakRss)}\n`);
    for (const [label, note] of [['first sweep', 'opens every alert'], ['second sweep', 'the steady state: finds the same, changes nothing']] as const) {
      const run = await measured(() => services.alerts.sweep({ actor: 'system:monitor' }));
      const report = run.value;
      process.stdout.write(`  ${label} (${note}): ${(run.ms / 1000).toFixed(1)} s = ${(run.ms / reference.ms).toFixed(1)}× the reference; `
        + `${report.findings.toLocaleString('en-US')} findings, ${report.opened.toLocaleString('en-US')} opened, ${report.resolved.toLocaleString('en-US')} resolved; `
        + `peak RSS ${mib(run.peakRss)} (+${mib(run.peakRss - run.startRss)}), peak heap ${mib(run.peakHeap)}; `
        + `goal ≤ ${goals.sweepMs / 1000} s: ${run.ms <= goals.sweepMs ? 'met' : 'missed'}\n`);
    }
    for (const label of ['posture', 'posture again']) {
      const run = await measured(() => services.posture.report());
      process.stdout.write(`  ${label} (${run.value.posture.metrics.length} metrics by aggregates over ${run.value.posture.population.live.toLocaleString('en-US')} live credentials): `
        + `${formatMs(run.ms)} ms = ${(run.ms / reference.ms).toFixed(2)}× the reference; peak RSS ${mib(run.peakRss)} (+${mib(run.peakRss - run.startRss)}), peak heap ${mib(run.peakHeap)}; `
        + `goal ≤ ${goals.postureMs / 1000} s: ${run.ms <= goals.postureMs ? 'met' : 'missed'}\n`);
    }
  } finally {
    await database.destroy();
  }
}
