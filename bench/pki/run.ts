// bench/pki: the built-in CA's benchmarks in sequence, each in its own process so that one's heap and
// JIT state do not weigh on the other: issuance.ts (issuance in-process and over HTTP, OCSP and CRLs
// from the database, on SQLite and PostgreSQL), then revocation.ts (CRL and OCSP in the core alone).
// Each runs pinned to one CPU (taskset -c 0, where util-linux has it), its thread pool included: the
// goals are per core, and software keys sign in the thread pool. The database server is not pinned.
//
//   node bench/pki/run.ts [--quick]      (--quick: 10,000 revoked certificates instead of a million, no CRL of 1M)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const started = performance.now();
const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path));
if (taskset === undefined) process.stdout.write('taskset is not installed (util-linux): the benchmarks run unpinned, and their thread pools may use every core\n');
for (const bench of ['issuance.ts', 'revocation.ts']) {
  const args = [process.execPath, fileURLToPath(new URL(bench, import.meta.url)), ...(values.quick ? ['--quick'] : [])];
  const command = taskset === undefined ? args : [taskset, '-c', '0', ...args];
  process.stdout.write(`\n$ ${taskset === undefined ? '' : 'taskset -c 0 '}node bench/pki/${bench}${values.quick ? ' --quick' : ''}\n`);
  const run = spawnSync(command[0] as string, command.slice(1), { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`bench/pki/${bench} failed (${run.signal ?? `exit code ${run.status}`})\n`);
    process.exit(1);
  }
}
process.stdout.write(`\nbench/pki took ${((performance.now() - started) / 60_000).toFixed(1)} minutes\n`);
