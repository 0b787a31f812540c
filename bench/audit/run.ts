// bench/audit: the audit log on SQLite and PostgreSQL (a fresh database each), through the audit store a
// use case appends with. Each figure is printed beside the raw SHA-256 rate over the same entries,
// measured in the same run (a leaf costs at least one hash; the tree about one more per leaf):
//   durable appends/s     single (one entry per transaction) and batched (1,000 per transaction)
//   inclusion proofs      p50/p99 of 5,000 at the full size (1M entries), from the stored nodes, as the API reads them (one statement)
//   offline verification  `trustplane audit verify` on the export of 1M entries, in its own process
// The log is filled through appendAll in batches, as a use case would (that fill is itself timed).
// Durability: PostgreSQL commits with fsync (its default); SQLite runs in WAL mode with synchronous=NORMAL,
// as Trustplane configures it: a commit survives a crash of the process, and of the machine once the WAL
// is checkpointed (SQLite's documented trade-off for WAL).
//
//   node bench/audit/run.ts [--entries 1000000] [--databases sqlite,postgresql] [--seconds 3]
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { checkpointText, signedNote, verifierKeyText } from '../../src/core/audit/checkpoint.ts';
import { entryJson } from '../../src/core/audit/audit-entry.ts';
import { verifyInclusion, leafHash } from '../../src/core/audit/merkle.ts';
import { exportFormat } from '../../src/core/audit/verify-log.ts';
import { createAuditReader, createUnitOfWork } from '../../src/server/db/unit-of-work.ts';
import type { AuditEvent } from '../../src/server/stores/audit-store.ts';
import { databaseTargets } from '../../test/support/databases.ts';
import { formatMs, percentile } from '../support/stats.ts';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    databases: { type: 'string', default: 'sqlite,postgresql' },
    seconds: { type: 'string', default: '3' },
  },
});
const total = Number(values.entries);
const budgetMs = Number(values.seconds) * 1000;
const batch = 1000;
const cliPath = fileURLToPath(new URL('../../bin/trustplane.js', import.meta.url));
const goals = { batchedAppendsPerSecond: 10_000, proofMs: 1, verifyMillionMs: 10_000 };

/** An event as a change's approval writes it: about 300 octets of canonical JSON. */
const eventFor = (n: number): AuditEvent => ({
  at: new Date(Date.parse('2026-11-22T00:00:00Z') + n * 10),
  actor: `person:p${n % 500}`,
  action: n % 4 === 0 ? 'change.execute' : 'change.approve',
  target: `change:ch_${n.toString(16).padStart(20, '0')}`,
  requestId: `req-${n}`,
  governanceVersion: 7,
  details: { classId: 'internal-mtls', lifecycleAction: 'rotate', decidedBy: ['decision-rights.internal-mtls.rotate.approve'], credentials: [`cr_${n.toString(16).padStart(24, '0')}`] },
});

const rate = (count: number, ms: number) => (count / ms) * 1000;
const show = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;

/** SHA-256 over typical leaves (the reference the figures are compared with). */
const sampleLeaves = Array.from({ length: 1000 }, (_, n) => {
  const event = eventFor(n);
  return Buffer.from(entryJson({ index: n, at: event.at.toISOString(), actor: event.actor, action: event.action, target: event.target, requestId: event.requestId ?? null, governanceVersion: 7, details: event.details }));
});
const rawSha256Rate = (ms: number): number => {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ms) {
    for (const leaf of sampleLeaves) createHash('sha256').update(leaf).digest();
    count += sampleLeaves.length;
  }
  return rate(count, performance.now() - started);
};

process.stdout.write(`bench/audit: node ${process.version}, ${total.toLocaleString('en-US')} entries per database\n`);
const results: Record<string, unknown>[] = [];
for (const target of databaseTargets.filter((candidate) => values.databases.split(',').includes(candidate.name))) {
  process.stdout.write(`\n${target.name}\n`);
  const database = await target.create();
  const unitOfWork = createUnitOfWork(database.database);
  const result: Record<string, unknown> = { database: target.name };
  try {
    const sha = rawSha256Rate(500);
    process.stdout.write(`  reference: raw SHA-256 over ~${sampleLeaves[0]!.length}-octet leaves: ${show(sha)}\n`);
    result.rawSha256PerSecond = Math.round(sha);

    // Single: one entry per transaction, as a use case appends its one event.
    let n = 0;
    const singleStarted = performance.now();
    while (performance.now() - singleStarted < budgetMs) {
      await unitOfWork((tx) => tx.audit.append(eventFor(n)));
      n += 1;
    }
    const single = rate(n, performance.now() - singleStarted);
    process.stdout.write(`  durable appends, 1 per transaction:     ${show(single).padStart(10)}   (ratio to raw SHA-256 ${(single / sha).toFixed(4)})\n`);

    // Batched, and the fill up to the full size.
    const fillStarted = performance.now();
    let batchedCount = 0;
    let batchedMs = 0;
    let lastReport = performance.now();
    while (n < total) {
      const size = Math.min(batch, total - n);
      const events = Array.from({ length: size }, (_, offset) => eventFor(n + offset));
      const started = performance.now();
      await unitOfWork((tx) => tx.audit.appendAll(events));
      batchedMs += performance.now() - started;
      batchedCount += size;
      n += size;
      if (performance.now() - lastReport > 10_000) {
        process.stdout.write(`    … ${n.toLocaleString('en-US')} entries\n`);
        lastReport = performance.now();
      }
    }
    const batched = rate(batchedCount, batchedMs);
    process.stdout.write(`  durable appends, ${batch} per transaction:  ${show(batched).padStart(10)}   (ratio to raw SHA-256 ${(batched / sha).toFixed(4)}); filled to ${n.toLocaleString('en-US')} in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`  goal ≥ ${goals.batchedAppendsPerSecond.toLocaleString('en-US')} durable appends/s batched: ${batched >= goals.batchedAppendsPerSecond ? 'meets' : 'misses'}\n`);
    Object.assign(result, { singleAppendsPerSecond: Math.round(single), batchedAppendsPerSecond: Math.round(batched), entries: n });

    // What autovacuum does by itself after a large insert on PostgreSQL (13+): statistics and the visibility map.
    if (target.name === 'postgresql') await sql`vacuum analyze audit_events, audit_tree_nodes`.execute(database.database.db);

    // Inclusion proofs at the full size, as the API reads them: the stored nodes in one statement, no transaction.
    const head = await unitOfWork((tx) => tx.audit.head());
    const reader = createAuditReader(database.database);
    const indexes = Array.from({ length: 5000 }, () => Math.floor(Math.random() * head.size));
    for (const index of indexes.slice(0, 200)) await reader.inclusionProof(index, head.size);
    const proofMs: number[] = [];
    for (const index of indexes) {
      const started = performance.now();
      const proof = await reader.inclusionProof(index, head.size);
      proofMs.push(performance.now() - started);
      if (index === indexes[0]) {
        const entry = await unitOfWork((tx) => tx.audit.entryAt(index));
        if (entry === null || !verifyInclusion(index, head.size, entry.leafHash, proof, head.root)) throw new Error(`the proof of entry ${index} does not verify`);
      }
    }
    proofMs.sort((a, b) => a - b);
    const [p50, p99] = [percentile(proofMs, 50), percentile(proofMs, 99)];
    process.stdout.write(`  inclusion proof at ${head.size.toLocaleString('en-US')} entries (${Math.ceil(Math.log2(head.size))} hashes): p50 ${formatMs(p50)} ms, p99 ${formatMs(p99)} ms; goal ≤ ${goals.proofMs} ms: ${p99 <= goals.proofMs ? 'meets (p99)' : p50 <= goals.proofMs ? 'meets at p50, not at p99' : 'misses'}\n`);
    Object.assign(result, { proofP50Ms: Number(p50.toFixed(3)), proofP99Ms: Number(p99.toFixed(3)) });

    // Offline verification of the whole log as an auditor runs it: the export file written from the
    // database, then `trustplane audit verify FILE --key KEY` in its own process, timed from spawn to exit.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
    const origin = 'bench.example/audit';
    const text = checkpointText({ origin, size: head.size, root: head.root, time: new Date() });
    const note = signedNote(text, origin, raw, sign(null, Buffer.from(text), privateKey));
    const directory = mkdtempSync(join(tmpdir(), 'trustplane-bench-audit-'));
    const file = join(directory, 'audit.ndjson');
    const readStarted = performance.now();
    const lines: string[] = [JSON.stringify({ format: exportFormat, origin, verifierKey: verifierKeyText(origin, raw), size: head.size, exportedAt: new Date().toISOString() }), JSON.stringify({ checkpoint: note })];
    const leaves: string[] = [];
    for (let from = 0; from < head.size; from += 10_000) {
      for (const entry of await unitOfWork((tx) => tx.audit.entriesFrom(from, 10_000))) {
        lines.push(JSON.stringify({ index: entry.index, entry: entry.entry, leafHash: Buffer.from(entry.leafHash, 'hex').toString('base64') }));
        leaves.push(entry.entry);
      }
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const readMs = performance.now() - readStarted;
    lines.length = 0;
    try {
      const verifyStarted = performance.now();
      const verified = spawnSync(process.execPath, [cliPath, 'audit', 'verify', file, '--key', verifierKeyText(origin, raw), '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const verifyMs = performance.now() - verifyStarted;
      const report = JSON.parse(verified.stdout) as { ok: boolean; size: number; problem: { message: string } | null };
      if (verified.status !== 0 || !report.ok || report.size !== head.size) throw new Error(`the export does not verify: ${report.problem?.message ?? verified.stderr}`);
      // The floor: hashing every leaf once (the tree then costs about one more hash per leaf).
      const floorStarted = performance.now();
      for (const leaf of leaves) leafHash(Buffer.from(leaf));
      const leafOnlyMs = performance.now() - floorStarted;
      process.stdout.write(`  offline verification of ${head.size.toLocaleString('en-US')} entries, \`trustplane audit verify\` in its own process on the ${(statSync(file).size / 1e6).toFixed(0)} MB export: ${(verifyMs / 1000).toFixed(2)} s `
        + `(writing the export from the database first: ${(readMs / 1000).toFixed(1)} s); hashing the leaves alone: ${(leafOnlyMs / 1000).toFixed(2)} s (ratio ${(verifyMs / leafOnlyMs).toFixed(1)}×); `
        + `goal ≤ ${goals.verifyMillionMs / 1000} s at 1M: ${head.size >= 1_000_000 ? (verifyMs <= goals.verifyMillionMs ? 'meets' : 'misses') : 'not judged (fewer than 1M)'}\n`);
      Object.assign(result, { verifyMs: Math.round(verifyMs), exportWriteMs: Math.round(readMs), leafHashOnlyMs: Math.round(leafOnlyMs), exportBytes: statSync(file).size });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    results.push(result);
  } finally {
    await database.destroy();
  }
}
process.stdout.write(`${JSON.stringify({ benchmark: 'audit', node: process.version, at: new Date().toISOString(), results })}\n`);
