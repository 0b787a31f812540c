// Revealing a secret from the built-in store, once, to whoever requested or executed the change that made
// it; and ending the overlap of rotated-out versions. Cedar decides every reveal (`reveal-secret`, policy
// general.reveal-once) over the version's reveal list, which is empty once the value was revealed or
// destroyed, so a second attempt is refused and recorded like any other. The reveal is marked (a
// compare-and-set) and audited in one transaction; the value is opened after it commits, never inside it,
// and never written to the audit log, a change, an error or a log.
import { systemPrincipals } from '../../core/authz/governance-policies.ts';
import type { AuthzQuery } from '../../core/authz/authz-model.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { openSecretVersion, readSealedVersion } from '../connectors/secret-store-connector.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { KeyEncryptionKey } from '../keys/key-envelope.ts';
import type { Clock } from '../platform.ts';
import type { SecretVersionRecord } from '../stores/secret-store.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService, Denial } from './authz-service.ts';

export type SecretServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  authz: Pick<AuthzService, 'snapshot' | 'decideIn' | 'settle'>;
  /** The key-encryption key; throws NOT_READY when none is configured. */
  masterKey: () => KeyEncryptionKey;
};

export type SecretReveal = { credentialId: string; version: number; value: string; revealedAt: string };

/** How many overlapping versions one sweep ends; the next sweep takes the rest. */
const sweepBatch = 500;

/** Why a version can no longer be revealed, in words for the refusal. */
const spentBecause = (version: SecretVersionRecord): string | null => {
  if (version.status === 'destroyed' || version.sealed === null) return `version ${version.version} was destroyed${version.destroyedAt === null ? '' : ` at ${version.destroyedAt}`}`;
  if (version.revealedAt !== null) return `version ${version.version} was already revealed, to ${version.revealedBy ?? 'someone'} at ${version.revealedAt}; a secret is revealed once: rotate it for a new value`;
  return null;
};

/** The refusal, with why the value is spent when it is; recorded as a denied attempt like any other. */
const withReason = (denial: Denial, because: string | null): Denial => (because === null ? denial : {
  denied: { ...denial.denied, outcome: { ...denial.denied.outcome, reason: `${denial.denied.outcome.reason}: ${because}` } },
});

export const createSecretService = (deps: SecretServiceDeps) => {
  const { unitOfWork, clock, authz, masterKey } = deps;

  return {
    async reveal(actor: Actor, credentialId: string): Promise<SecretReveal> {
      // Without the key nothing could be opened: refuse before the one reveal is used up.
      const kek = masterKey();
      const result = await unitOfWork(async (tx): Promise<Denial | { version: SecretVersionRecord; revealedAt: string }> => {
        const snapshot = await authz.snapshot(tx);
        const now = clock.now();
        const credential = await tx.credentials.findById(credentialId, now.toISOString());
        if (credential === null) throw new TrustplaneError('NOT_FOUND', `no credential ${credentialId}; \`trustplane credentials list\` shows the credentials`);
        const version = await tx.secrets.current(credential.id);
        if (version === null) {
          throw new TrustplaneError('NOT_FOUND', `credential ${credential.id} (${credential.name}) has no value in Trustplane's secret store: it is kept ${credential.storageLocation === null ? 'elsewhere' : `in ${credential.storageLocation}`}, so reveal it there`);
        }
        const spent = spentBecause(version);
        const decide = (revealTo: readonly string[]) => authz.decideIn(snapshot, {
          principal: actor.ref, action: 'reveal-secret', at: now, readOnly: actor.readOnly,
          resource: { type: 'credential', id: credential.id, classId: credential.classId, revealTo },
        } satisfies AuthzQuery);
        const decided = decide(spent === null ? version.revealTo : []);
        if (isDenial(decided)) return withReason(decided, spent);
        const sealed = readSealedVersion(version);
        if (sealed.kek !== kek.id) {
          throw new TrustplaneError('NOT_READY', `version ${version.version} of credential ${credential.id} is sealed under key-encryption key ${sealed.kek}, not the configured one (${kek.id}); set TRUSTPLANE_MASTER_KEY to the key it was sealed with. The reveal was not used up`);
        }
        const revealedAt = now.toISOString();
        if (!await tx.secrets.markRevealed(credential.id, version.version, actor.ref, revealedAt)) {
          // Another reveal won the race: this one is refused as a second reveal is.
          const lost = decide([]);
          if (isDenial(lost)) return withReason(lost, `version ${version.version} was revealed to someone else at the same moment`);
          throw new TrustplaneError('CONFLICT', `version ${version.version} of credential ${credential.id} was revealed or destroyed at the same moment; it is not revealed again`);
        }
        await tx.audit.append({
          at: now, actor: actor.ref, action: 'secret.reveal', target: `credential:${credential.id}`, ...requestIdOf(actor),
          ...(snapshot.version === null ? {} : { governanceVersion: snapshot.version }),
          details: { credentialId: credential.id, version: version.version, revealedBy: actor.ref, changeId: version.changeId, policies: decided.policies.map((policy) => policy.id) },
        });
        return { version, revealedAt };
      });
      const claimed = await authz.settle(result, actor.requestId);
      let plaintext: Buffer;
      try {
        plaintext = openSecretVersion(kek, claimed.version);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await unitOfWork((tx) => tx.audit.append({
          at: clock.now(), actor: actor.ref, action: 'secret.reveal.failed', target: `credential:${claimed.version.credentialId}`, ...requestIdOf(actor),
          details: { credentialId: claimed.version.credentialId, version: claimed.version.version, reason },
        }));
        throw new TrustplaneError(error instanceof TrustplaneError ? error.code : 'INTERNAL',
          `${reason}. The reveal of version ${claimed.version.version} of credential ${claimed.version.credentialId} is used up and no value was returned; rotate the secret`);
      }
      try {
        return { credentialId: claimed.version.credentialId, version: claimed.version.version, value: plaintext.toString('utf8'), revealedAt: claimed.revealedAt };
      } finally {
        plaintext.fill(0);
      }
    },

    /**
     * Destroys rotated-out versions whose overlap has ended and marks their credentials expired. One
     * transaction per version, each a compare-and-set, so several nodes may sweep at once. Returns how many.
     */
    async expireOverlapping(): Promise<number> {
      const now = clock.now();
      const due = await unitOfWork((tx) => tx.secrets.dueOverlaps(now.toISOString(), sweepBatch));
      let expired = 0;
      for (const version of due) {
        const done = await unitOfWork(async (tx) => {
          if (!await tx.secrets.destroy(version.credentialId, version.version, now.toISOString(), ['overlap'])) return false;
          await tx.credentials.setStatus([version.credentialId], 'expired', now.toISOString());
          const governance = await tx.governance.currentVersion();
          await tx.audit.append({
            at: now, actor: systemPrincipals.automation, action: 'secret.expire', target: `credential:${version.credentialId}`,
            ...(governance === null ? {} : { governanceVersion: governance.version }),
            details: { credentialId: version.credentialId, version: version.version, overlapEndedAt: version.expiresAt, destroyedAt: now.toISOString() },
          });
          return true;
        });
        if (done) expired += 1;
      }
      return expired;
    },
  };
};

export type SecretService = ReturnType<typeof createSecretService>;
