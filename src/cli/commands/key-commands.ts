// Key management that runs beside the data directory rather than through the API: re-wrapping every
// sealed value under a new master key. Stop the servers first: they hold the current key in memory.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TrustplaneError } from '../../core/errors.ts';
import { loadConfig } from '../../server/config/config.ts';
import { action } from '../run-command.ts';

export const registerKeyCommands = (program: Command): void => {
  const keys = program.command('keys').description('the master key that seals CA keys and secrets at rest');

  keys.command('rewrap')
    .description('seal every CA key and secret under a new master key (stop every server on this database first)')
    .option('--data-dir <dir>', 'the data directory made by init')
    .option('--new-key-file <file>', 'the new master key (32 bytes, base64 or hex); without it a new one is generated into <data dir>/master.key')
    .action(action(async ({ output }, options: { dataDir?: string; newKeyFile?: string }) => {
      const config = loadConfig(options.dataDir === undefined ? {} : { dataDir: options.dataDir }, process.env);
      const { requireInitialised } = await import('../local-server.ts');
      requireInitialised(config);
      const { decodeMasterKey, generateMasterKey, loadMasterKey, masterKeyFileName, writeMasterKeyFile } = await import('../../server/keys/master-key.ts');
      const { keyEncryptionKey } = await import('../../server/keys/key-envelope.ts');
      const current = loadMasterKey({ env: process.env, dataDir: config.dataDir, create: false });
      if (current.origin === 'environment' && options.newKeyFile === undefined) {
        throw new TrustplaneError('VALIDATION_FAILED', 'the current master key comes from TRUSTPLANE_MASTER_KEY, so Trustplane cannot store a new one for you: give it with --new-key-file, then set TRUSTPLANE_MASTER_KEY to it');
      }
      const { secureRandom } = await import('../../server/platform.ts');
      const next = options.newKeyFile === undefined
        ? generateMasterKey(secureRandom)
        : keyEncryptionKey(decodeMasterKey(readFileSync(options.newKeyFile, 'utf8'), options.newKeyFile));
      // The new key is on disk before any value is sealed under it, so no crash can leave data sealed
      // under a key that exists nowhere.
      const pending = join(config.dataDir, `${masterKeyFileName}.next`);
      if (current.origin === 'file') {
        if (existsSync(pending)) throw new TrustplaneError('CONFLICT', `${pending} exists: an earlier rewrap did not finish; if the database is already under it, rename it to ${masterKeyFileName}, else remove it, then run rewrap again`);
        writeMasterKeyFile(pending, next);
      }
      const { locateDatabase, openDatabase, migrateToLatest } = await import('../../server/db/database.ts');
      const { createUnitOfWork } = await import('../../server/db/unit-of-work.ts');
      const { rewrapAll } = await import('../../server/services/rewrap-service.ts');
      const { systemClock } = await import('../../server/platform.ts');
      const database = await openDatabase(locateDatabase(config.dataDir, config.databaseUrl));
      try {
        await migrateToLatest(database);
        const summary = await rewrapAll({ unitOfWork: createUnitOfWork(database), clock: systemClock }, current.kek, next, 'system:operator')
          .catch((error: unknown) => {
            // Nothing was committed: the data stays under the current key, and the new one goes.
            rmSync(pending, { force: true });
            throw error;
          });
        if (current.origin === 'file' && current.path !== undefined) renameSync(pending, current.path);
        output.result(summary, () => {
          output.line(`Re-wrapped ${summary.signingKeys} signing key(s) and ${summary.secrets} secret(s) from master key ${summary.from} to ${summary.to}${summary.pkcs11Keys > 0 ? `; ${summary.pkcs11Keys} PKCS #11 key(s) live in their token and were not touched` : ''}.`);
          output.line(current.origin === 'file' ? `${current.path} now holds the new key (mode 0600). Start the servers again.` : 'Set TRUSTPLANE_MASTER_KEY to the new key on every server, then start them again.');
        });
      } finally {
        await database.close();
      }
    }));
};
