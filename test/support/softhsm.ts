// A SoftHSM2 token of the test's own (Debian package softhsm2, installed by .ci/run), standing in for an
// HSM behind PKCS #11. graphene loads the library into the test process, so SOFTHSM2_CONF is set here,
// before the first load, and every token of the process lives in one temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pkcs11Settings } from '../../src/server/signers/pkcs11-signer.ts';

export const softHsmModule = '/usr/lib/softhsm/libsofthsm2.so';

let directory: string | null = null;

/** Initialises a fresh token with this label; returns the settings Trustplane reads from TRUSTPLANE_PKCS11_*. */
export const softHsmToken = (label: string): Pkcs11Settings & { env: NodeJS.ProcessEnv } => {
  if (directory === null) {
    directory = mkdtempSync(join(tmpdir(), 'trustplane-softhsm-'));
    mkdirSync(join(directory, 'tokens'));
    const conf = join(directory, 'softhsm2.conf');
    writeFileSync(conf, `directories.tokendir = ${join(directory, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    process.env.SOFTHSM2_CONF = conf;
  }
  const pin = '5678';
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '1234', '--pin', pin], { stdio: 'pipe' });
  return {
    modulePath: softHsmModule, tokenLabel: label, pin,
    env: { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF, TRUSTPLANE_PKCS11_MODULE: softHsmModule, TRUSTPLANE_PKCS11_TOKEN: label, TRUSTPLANE_PKCS11_PIN: pin },
  };
};

export const removeSoftHsmTokens = (): void => {
  if (directory !== null) rmSync(directory, { recursive: true, force: true });
  directory = null;
};
