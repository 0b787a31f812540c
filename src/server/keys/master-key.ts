// Where the key-encryption key comes from: TRUSTPLANE_MASTER_KEY when it is set (a secret manager or the
// service definition provides it), otherwise `<dataDir>/master.key`, which `init` creates. The file is
// held to the rules ssh holds private keys to: a regular file, readable by its owner only.
import { closeSync, constants, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import type { RandomSource } from '../platform.ts';
import { secureRandom } from '../platform.ts';
import { keyEncryptionKey } from './key-envelope.ts';
import type { KeyEncryptionKey } from './key-envelope.ts';

export const masterKeyFileName = 'master.key';
export const masterKeyVariable = 'TRUSTPLANE_MASTER_KEY';

const masterKeyBytes = 32;
/** A base64 key and a newline are 45 bytes; a file much larger than that is not a master key. */
const maxMasterKeyFileBytes = 1024;
const howToMakeOne = '32 random bytes in base64 or hex, e.g. from `openssl rand -base64 32`';

export type MasterKey = { kek: KeyEncryptionKey; origin: 'environment' | 'file'; path?: string };

const errorCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** Decodes base64 or hex of exactly 32 bytes. Messages say what was wrong, never what the text was. */
export const decodeMasterKey = (text: string, source: string): Buffer => {
  const trimmed = text.trim();
  if (trimmed === '') throw new TrustplaneError('VALIDATION_FAILED', `${source} is empty; it must hold ${howToMakeOne}`);
  // Text of hex digits only is hex: random base64 of 32 bytes is practically never made of them alone.
  const encoding = /^(?:[0-9a-fA-F]{2})+$/.test(trimmed) ? 'hex' : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? 'base64' : null;
  if (encoding === null) {
    throw new TrustplaneError('VALIDATION_FAILED',
      `${source} is neither base64 nor hex (it has ${trimmed.length} characters, some outside both alphabets); it must hold ${howToMakeOne}`);
  }
  const key = Buffer.from(trimmed, encoding);
  if (key.length !== masterKeyBytes) {
    key.fill(0);
    throw new TrustplaneError('VALIDATION_FAILED',
      `${source} decodes as ${encoding} to ${key.length} bytes; it must be exactly ${masterKeyBytes}: ${howToMakeOne}`);
  }
  return key;
};

/** Reads the master key file, or returns null when there is none. */
export const readMasterKeyFile = (path: string): KeyEncryptionKey | null => {
  let fd: number;
  try {
    // O_NOFOLLOW: a symbolic link could point anywhere; O_NONBLOCK: a FIFO must not hang start-up.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    switch (errorCode(error)) {
      case 'ENOENT': return null;
      case 'ELOOP': throw new TrustplaneError('VALIDATION_FAILED', `${path} is a symbolic link; the master key must be a regular file: replace the link with the file it points to`);
      case 'EACCES': throw new TrustplaneError('VALIDATION_FAILED', `${path} cannot be read (permission denied); run Trustplane as the user that owns it`);
      default: throw error;
    }
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TrustplaneError('VALIDATION_FAILED', `${path} is not a regular file; the master key must be one`);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new TrustplaneError('VALIDATION_FAILED',
        `${path} has mode ${mode}, so others than its owner may read the master key; run \`chmod 600 ${path}\` (and consider it exposed if others did read it)`);
    }
    if (stat.size > maxMasterKeyFileBytes) throw new TrustplaneError('VALIDATION_FAILED', `${path} has ${stat.size} bytes; a master key file holds ${howToMakeOne}`);
    const content = readFileSync(fd);
    try {
      return keyEncryptionKey(decodeMasterKey(content.toString('latin1'), path));
    } finally {
      content.fill(0);
    }
  } finally {
    closeSync(fd);
  }
};

export const generateMasterKey = (random: RandomSource): KeyEncryptionKey => keyEncryptionKey(random.bytes(masterKeyBytes));

/**
 * Writes a master key file with mode 0600, atomically: a temporary file is written and synced, then
 * linked into place, which fails when `path` exists (so two processes creating it at once cannot
 * overwrite each other's key). `replace: true` renames over an existing file instead.
 */
export const writeMasterKeyFile = (path: string, kek: KeyEncryptionKey, options: { replace?: boolean } = {}): void => {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${kek.key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.replace === true) renameSync(temporary, path);
    else linkSync(temporary, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') throw new TrustplaneError('CONFLICT', `${path} already exists; Trustplane does not overwrite a master key`);
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  const directoryFd = openSync(directory, 'r');
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
};

export type LoadMasterKeyOptions = {
  env: Readonly<Record<string, string | undefined>>;
  dataDir: string;
  /** Create `<dataDir>/master.key` when there is neither the variable nor the file (init does). */
  create: boolean;
  random?: RandomSource;
};

export const loadMasterKey = ({ env, dataDir, create, random = secureRandom }: LoadMasterKeyOptions): MasterKey => {
  const fromEnvironment = env[masterKeyVariable];
  if (fromEnvironment !== undefined) {
    return { kek: keyEncryptionKey(decodeMasterKey(fromEnvironment, masterKeyVariable)), origin: 'environment' };
  }
  const path = join(dataDir, masterKeyFileName);
  const existing = readMasterKeyFile(path);
  if (existing !== null) return { kek: existing, origin: 'file', path };
  if (!create) {
    throw new TrustplaneError('NOT_READY',
      `there is no master key: ${masterKeyVariable} is not set and ${path} does not exist; ` +
      `run \`trustplane init\` to create one, or set ${masterKeyVariable} to the key the data was sealed with`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const generated = generateMasterKey(random);
  try {
    writeMasterKeyFile(path, generated);
  } catch (error) {
    // Another process created it first: use theirs.
    if (!(error instanceof TrustplaneError && error.code === 'CONFLICT')) throw error;
  } finally {
    generated.key.fill(0);
  }
  const created = readMasterKeyFile(path);
  if (created === null) throw new TrustplaneError('INTERNAL', `${path} was written but cannot be found`);
  return { kek: created, origin: 'file', path };
};
