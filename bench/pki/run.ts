// bench/pki: the built-in CA's benchmarks in sequence, each in its own process so that one's heap and
// JIT state do not weigh on the other: issuance.ts (issuance in-process and over HTTP, OCSP and CRLs
// from the database, on SQLite and PostgreSQL), then revocation.ts (CRL and OCSP in the core alone).
//
//   node bench/pki/run.ts [--quick]      (--quick: 10,000 revoked certificates instead of a million, no CRL of 1M)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const started = performance.now();
for (const bench of ['issuance.ts', 'revocation.ts']) {
  process.stdout.write(`\n$ node bench/pki/${bench}${values.quick ? ' --quick' : ''}\n`);
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(bench, import.meta.url)), ...(values.quick ? ['--quick'] : [])], { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`bench/pki/${bench} failed (${run.signal ?? `exit code ${run.status}`})\n`);
    process.exit(1);
  }
}
process.stdout.write(`\nbench/pki took ${((performance.now() - started) / 60_000).toFixed(1)} minutes\n`);
