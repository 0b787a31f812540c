// Re-wrapping under a new master key: every sealed value (software CA keys, secrets, generated private
// keys) keeps its ciphertext; only its data key is sealed again under the new key-encryption key, in
// one transaction, so a failure leaves everything under the old key. PKCS #11 keys are not sealed here
// and are untouched.
import { TrustplaneError } from '../../core/errors.ts';
import { parseSealedValue, rewrap } from '../keys/key-envelope.ts';
import type { KeyEncryptionKey } from '../keys/key-envelope.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import { parseStoredKey } from '../signers/signer-backend.ts';

export type RewrapSummary = { signingKeys: number; secrets: number; pkcs11Keys: number; from: string; to: string };

export const rewrapAll = async (deps: { unitOfWork: UnitOfWork; clock: Clock }, from: KeyEncryptionKey, to: KeyEncryptionKey, actor: string): Promise<RewrapSummary> => {
  if (from.id === to.id) throw new TrustplaneError('VALIDATION_FAILED', 'the new master key is the current one; nothing to rewrap');
  return deps.unitOfWork(async (tx) => {
    let signingKeys = 0;
    let pkcs11Keys = 0;
    for (const key of await tx.ca.allKeys()) {
      const stored = parseStoredKey(JSON.parse(key.stored));
      if (stored.kind !== 'software') {
        pkcs11Keys += 1;
        continue;
      }
      await tx.ca.updateKeyStorage(key.id, JSON.stringify({ ...stored, sealed: rewrap(stored.sealed, from, to) }));
      signingKeys += 1;
    }
    let secrets = 0;
    for (const version of await tx.secrets.sealedVersions()) {
      await tx.secrets.replaceSealed(version.credentialId, version.version, JSON.stringify(rewrap(parseSealedValue(JSON.parse(version.sealed)), from, to)));
      secrets += 1;
    }
    await tx.audit.append({
      at: deps.clock.now(), actor, action: 'keys.rewrap', target: 'master-key',
      details: { from: from.id, to: to.id, signingKeys, secrets, pkcs11KeysUntouched: pkcs11Keys },
    });
    return { signingKeys, secrets, pkcs11Keys, from: from.id, to: to.id };
  });
};
