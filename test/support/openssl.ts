// The openssl command line, as relying parties and operators use it, for tests that check what the
// built-in CA produces with the real tool rather than with Trustplane's own parsers.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type OpensslResult = { status: number; stdout: string; stderr: string };

/** Runs openssl with the arguments; never throws on a non-zero exit, so tests can assert refusals. */
export const openssl = (args: readonly string[], cwd?: string): OpensslResult => {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
};

/** Runs openssl and fails the test unless it exits 0; returns what it printed. */
export const opensslOk = (args: readonly string[], cwd?: string): string => {
  const result = openssl(args, cwd);
  assert.equal(result.status, 0, `openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

/** A scratch directory for files openssl reads and writes; removed by `cleanUp`. */
export const scratchDirectory = (): { path: string; file(name: string, content?: string | Uint8Array): string; cleanUp(): void } => {
  const path = mkdtempSync(join(tmpdir(), 'trustplane-openssl-'));
  return {
    path,
    file(name, content) {
      const file = join(path, name);
      if (content !== undefined) writeFileSync(file, content);
      return file;
    },
    cleanUp: () => rmSync(path, { recursive: true, force: true }),
  };
};

/** A key and a CSR made by openssl itself, as a requester would; `newkey` is what follows -newkey (`['rsa:2048']`, `['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']`). */
export const opensslCsr = (directory: string, name: string, options: { newkey: readonly string[]; subject: string; sans?: readonly string[] }): { key: string; csr: string } => {
  const key = join(directory, `${name}.key`);
  const csr = join(directory, `${name}.csr`);
  const args = ['req', '-new', '-nodes', '-newkey', ...options.newkey, '-keyout', key, '-out', csr, '-subj', options.subject];
  if (options.sans !== undefined) args.push('-addext', `subjectAltName=${options.sans.join(',')}`);
  execFileSync('openssl', args, { stdio: 'pipe' });
  return { key, csr };
};
