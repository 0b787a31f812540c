// The built-in secret store: generates API keys, passwords and tokens by the class's `policy.secret`,
// keeps them sealed (envelope encryption under the master key, bound to `secret:<credentialId>:<version>`)
// and destroys them on revocation. One credential per value: a rotation makes a new credential with the
// next version, and the previous value stays valid for the policy's overlap, or is destroyed at once.
// Values are generated and sealed in `execute`, outside any transaction; they never appear in results,
// evidence, summaries or errors. Whoever requested or executed the change reveals a value once
// (secret-service.ts).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { parseDuration } from '../../core/duration.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { CredentialClass, Governance } from '../../core/governance/index.ts';
import { credentialIdFor } from '../../core/inventory/index.ts';
import type { CredentialKind } from '../../core/inventory/index.ts';
import { generateSecret } from '../../core/secrets/generate-secret.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import { open, parseSealedValue, seal } from '../keys/key-envelope.ts';
import type { KeyEncryptionKey, SealedValue } from '../keys/key-envelope.ts';
import type { RandomSource } from '../platform.ts';
import { secretAad } from '../stores/secret-store.ts';
import type { SecretVersionRecord } from '../stores/secret-store.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import type { Connector, ConnectorInput, ConnectorResult, ProbeInput, ProbeResult, ProducedCredential } from './connector.ts';

export const secretStoreConnectorId = 'secret-store';
export const secretStorageLocation = 'trustplane-secret-store';

/** The credential kinds whose value is a generated secret, in the order a class's kinds are tried. */
const secretKinds: readonly CredentialKind[] = ['api_key', 'password', 'token', 'oauth_client_secret'];

export type SecretStoreConnectorDeps = {
  /** The key-encryption key; throws NOT_READY when none is configured. */
  masterKey: () => KeyEncryptionKey;
  random: RandomSource;
  /** Short transactions of its own: to read the version a rotation continues, and for the probes. */
  unitOfWork: UnitOfWork;
};

/** The stored sealed value of a version, checked for shape; a row altered into nonsense is named as such. */
export const readSealedVersion = (version: SecretVersionRecord): SealedValue => {
  const where = `version ${version.version} of credential ${version.credentialId}`;
  if (version.sealed === null) throw new TrustplaneError('NOT_FOUND', `the value of ${where} was destroyed${version.destroyedAt === null ? '' : ` at ${version.destroyedAt}`}; nothing can be revealed`);
  try {
    return parseSealedValue(JSON.parse(version.sealed));
  } catch {
    throw new TrustplaneError('INTERNAL', `the sealed value of ${where} is corrupted (it is not a sealed value any more); it cannot be opened: rotate the secret, and restore the row from a backup to find out what happened`);
  }
};

/** Opens a version's value; AES-GCM authenticates it, so an altered row fails here. The caller zeroes the buffer. */
export const openSecretVersion = (kek: KeyEncryptionKey, version: SecretVersionRecord): Buffer =>
  open(kek, readSealedVersion(version), secretAad(version.credentialId, version.version));

const failed = (summary: string, evidence: Record<string, unknown> = {}): ConnectorResult => ({ ok: false, summary, evidence });

const failure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The kind and source a new secret of the class gets, or why there is none. */
const placementFor = (governance: Governance, credentialClass: CredentialClass, requestedSource: string | undefined): { kind: CredentialKind; sourceId: string } | { problem: string } => {
  const kind = credentialClass.kinds.find((candidate) => secretKinds.includes(candidate));
  if (kind === undefined) {
    return { problem: `class ${credentialClass.id} holds ${credentialClass.kinds.join(', ')}, none of which is a secret the store generates (${secretKinds.join(', ')}); issue it through the connector of its source` };
  }
  const storeSources = new Set(governance.sources.filter((source) => source.kind === 'builtin_secret_store').map((source) => source.id));
  const allowed = credentialClass.policy.allowedSources;
  if (requestedSource !== undefined) {
    if (!storeSources.has(requestedSource)) return { problem: `source ${requestedSource} is not a source of kind builtin_secret_store in governance, so the secret store cannot issue into it` };
    if (allowed !== undefined && !allowed.includes(requestedSource)) return { problem: `class ${credentialClass.id} allows sources ${allowed.join(', ')}, not ${requestedSource}` };
    return { kind, sourceId: requestedSource };
  }
  const sourceId = (allowed ?? [...storeSources]).find((id) => storeSources.has(id));
  if (sourceId === undefined) {
    return {
      problem: allowed === undefined
        ? 'governance declares no source of kind builtin_secret_store; add one (sources: - { id: secret-store, kind: builtin_secret_store, operatedBy: team:… }) and allow it in the class'
        : `class ${credentialClass.id} allows sources ${allowed.join(', ')}, none of kind builtin_secret_store; add the secret store's source to policy.allowedSources`,
    };
  }
  return { kind, sourceId };
};

type Minted = { produced: ProducedCredential; version: SecretVersionRecord; credentialId: string; fingerprint: string };

const unique = (refs: readonly string[]): string[] => [...new Set(refs)];

export const createSecretStoreConnector = (deps: SecretStoreConnectorDeps): Connector => {
  const { masterKey, random, unitOfWork } = deps;

  /** Generates, seals and describes one new value. Crypto: runs in `execute`, outside any transaction. */
  const mint = (input: ConnectorInput, target: { name: string; kind: CredentialKind; sourceId: string | null; workloads: readonly string[]; version: number }): Minted => {
    const { change, credentialClass, executor, at } = input;
    const kek = masterKey();
    // The fingerprint names the value without depending on it: a random id, never a hash of the secret.
    const fingerprint = createHash('sha256').update(`secret-store:${target.name}:`).update(random.bytes(16)).digest('hex');
    const credentialId = credentialIdFor(fingerprint);
    const lifetime = credentialClass.policy.maxLifetime === undefined ? null : parseDuration(credentialClass.policy.maxLifetime);
    const notAfter = lifetime?.ok === true ? new Date(at.getTime() + lifetime.ms) : null;
    const plaintext = Buffer.from(generateSecret(credentialClass.policy.secret ?? {}, (n) => random.bytes(n)), 'utf8');
    let sealed: SealedValue;
    try {
      sealed = seal(kek, plaintext, secretAad(credentialId, target.version));
    } finally {
      plaintext.fill(0);
    }
    return {
      credentialId,
      fingerprint,
      produced: {
        entry: `secret ${target.name} version ${target.version}`,
        facts: {
          kind: target.kind, fingerprint, name: target.name, status: 'active', notBefore: at,
          ...(notAfter === null ? {} : { notAfter }),
          ...(target.sourceId === null ? {} : { source: target.sourceId }),
          ...(target.workloads.length === 0 ? {} : { workloads: [...target.workloads] }),
          managedStorage: true, storageLocation: secretStorageLocation,
        },
      },
      version: {
        credentialId, version: target.version, sealed: JSON.stringify(sealed), status: 'active', createdAt: at.toISOString(),
        expiresAt: notAfter?.toISOString() ?? null, changeId: change.id, revealTo: unique([change.requester, executor]),
        revealedAt: null, revealedBy: null, destroyedAt: null,
      },
    };
  };

  const issue = (input: ConnectorInput): ConnectorResult => {
    const { change, governance, credentialClass } = input;
    const name = change.spec.name;
    if (name === undefined) return failed(`an issue through the secret store needs the secret's name: request it with spec.name (for example "payments-processor-key")`);
    const placement = placementFor(governance, credentialClass, change.spec.source);
    if ('problem' in placement) return failed(placement.problem);
    const minted = mint(input, { name, kind: placement.kind, sourceId: placement.sourceId, workloads: change.spec.workload === undefined ? [] : [change.spec.workload], version: 1 });
    return {
      ok: true,
      summary: `generated ${placement.kind.replace('_', ' ')} ${name} (credential ${minted.credentialId}, version 1) in source ${placement.sourceId}; ${minted.version.revealTo.join(' or ')} may reveal it once`,
      evidence: { secret: name, credentialId: minted.credentialId, version: 1, fingerprint: minted.fingerprint, source: placement.sourceId, revealTo: minted.version.revealTo },
      produced: [minted.produced],
      credentialStatus: null,
      record: (tx) => tx.secrets.insert(minted.version),
    };
  };

  const rotate = async (input: ConnectorInput): Promise<ConnectorResult> => {
    const { credentials, credentialClass, at } = input;
    const [previous] = credentials;
    if (previous === undefined || credentials.length !== 1) return failed(`the secret store rotates one secret per change, and this change names ${credentials.length}; request one rotation per credential`);
    const current = await unitOfWork((tx) => tx.secrets.current(previous.id));
    if (current === null) return failed(`credential ${previous.id} has no value in the secret store, so it cannot rotate it; rotate it where it is kept (the manual connector records that), or issue a new secret here and retire this one`);
    if (current.status !== 'active') return failed(`version ${current.version} of credential ${previous.id} is ${current.status}; only an active value is rotated`);
    const kind = secretKinds.find((candidate) => candidate === previous.kind);
    if (kind === undefined) return failed(`credential ${previous.id} is a ${previous.kind}, not a secret the store generates`);
    const overlap = credentialClass.policy.secret?.overlap ?? null;
    const overlapMs = overlap === null ? null : parseDuration(overlap);
    const overlapUntil = overlapMs?.ok === true ? new Date(at.getTime() + overlapMs.ms).toISOString() : null;
    const minted = mint(input, { name: previous.name, kind, sourceId: previous.sourceId, workloads: previous.workloads, version: current.version + 1 });
    return {
      ok: true,
      summary: `rotated ${previous.name}: version ${minted.version.version} is credential ${minted.credentialId}; version ${current.version} ${overlapUntil === null ? 'was destroyed (the class sets no overlap)' : `stays valid until ${overlapUntil} (overlap ${overlap})`}`,
      evidence: {
        secret: previous.name, credentialId: minted.credentialId, version: minted.version.version, fingerprint: minted.fingerprint, revealTo: minted.version.revealTo,
        previousCredentialId: previous.id, previousVersion: current.version, rotatedAt: at.toISOString(), overlap, overlapUntil,
      },
      produced: [minted.produced],
      credentialStatus: null,
      async record(tx) {
        const still = await tx.secrets.current(previous.id);
        if (still?.version !== current.version || still.status !== 'active') {
          throw new TrustplaneError('CONFLICT', `version ${current.version} of credential ${previous.id} changed while it was being rotated; nothing was recorded, request the rotation again`);
        }
        await tx.secrets.insert(minted.version);
        const ended = overlapUntil === null
          ? await tx.secrets.destroy(previous.id, current.version, at.toISOString(), ['active'])
          : await tx.secrets.startOverlap(previous.id, current.version, overlapUntil);
        if (!ended) throw new TrustplaneError('CONFLICT', `version ${current.version} of credential ${previous.id} changed while it was being rotated; nothing was recorded`);
      },
    };
  };

  /** Revoke and retire: the values are destroyed, so nobody can reveal or use them from here again. */
  const destroyValues = async (input: ConnectorInput, status: 'revoked' | 'retired'): Promise<ConnectorResult> => {
    const { credentials, at } = input;
    const other = credentials.find((credential) => !secretKinds.some((kind) => kind === credential.kind));
    if (other !== undefined) return failed(`credential ${other.id} is a ${other.kind}, not a secret the store generated; ${status === 'revoked' ? 'revoke' : 'retire'} it through the connector that issued it`);
    const held = await unitOfWork(async (tx) => {
      const versions: { credential: CredentialRecord; versions: SecretVersionRecord[] }[] = [];
      for (const credential of credentials) versions.push({ credential, versions: await tx.secrets.versions(credential.id) });
      return versions;
    });
    const outside = held.filter((entry) => entry.versions.length === 0).map((entry) => entry.credential.id);
    if (outside.length > 0) {
      return failed(`credential ${outside.slice(0, 5).join(', ')} has no value in the secret store, so it cannot be ${status} here; request a separate change for what is kept elsewhere`);
    }
    const live = held.flatMap((entry) => entry.versions.filter((version) => version.status !== 'destroyed'));
    return {
      ok: true,
      summary: `${status} ${credentials.length} secret${credentials.length === 1 ? '' : 's'}: ${live.length} value${live.length === 1 ? '' : 's'} destroyed`,
      evidence: { destroyed: live.map((version) => ({ credentialId: version.credentialId, version: version.version })), destroyedAt: at.toISOString() },
      produced: [],
      credentialStatus: status,
      async record(tx) {
        // A version the sweep destroyed meanwhile is destroyed all the same.
        for (const version of live) await tx.secrets.destroy(version.credentialId, version.version, at.toISOString(), ['active', 'overlap']);
      },
    };
  };

  /** Executed-step evidence of the change, as the change history recorded it. */
  const executionEvidence = async (changeId: string): Promise<Record<string, unknown>> => {
    const events = await unitOfWork((tx) => tx.changes.events(changeId));
    const evidence = events.findLast((event) => event.step === 'executed')?.details.evidence;
    return typeof evidence === 'object' && evidence !== null ? evidence as Record<string, unknown> : {};
  };

  /** The new version is active and its sealed value opens (AES-GCM authenticates it); the value is zeroed at once. */
  const probeNewVersions = async (produced: readonly CredentialRecord[]): Promise<ProbeResult[]> => {
    if (produced.length === 0) return [{ name: 'secret-version-active', passed: false, detail: 'the change produced no credential, so no new secret version exists' }];
    const results: ProbeResult[] = [];
    for (const credential of produced) {
      const version = await unitOfWork((tx) => tx.secrets.current(credential.id));
      if (version === null) {
        results.push({ name: 'secret-version-active', passed: false, detail: `the secret store holds no version of credential ${credential.id}` });
        continue;
      }
      const active = version.status === 'active' && version.sealed !== null;
      results.push({ name: 'secret-version-active', passed: active, detail: `version ${version.version} of ${credential.name} (credential ${credential.id}) is ${version.status}` });
      if (!active) continue;
      try {
        openSecretVersion(masterKey(), version).fill(0);
        results.push({ name: 'secret-sealed-intact', passed: true, detail: `the sealed value of version ${version.version} opens under key-encryption key ${masterKey().id} and is authentic` });
      } catch (error) {
        results.push({ name: 'secret-sealed-intact', passed: false, detail: failure(error) });
      }
    }
    return results;
  };

  /** After a rotation: the previous version overlaps until exactly the time the policy gave it, or is destroyed. */
  const probePreviousVersion = async (change: ProbeInput['change'], at: Date): Promise<ProbeResult> => {
    const evidence = await executionEvidence(change.id);
    const credentialId = typeof evidence.previousCredentialId === 'string' ? evidence.previousCredentialId : change.credentialIds[0] ?? '';
    const previousVersion = typeof evidence.previousVersion === 'number' ? evidence.previousVersion : null;
    const overlap = typeof evidence.overlap === 'string' ? evidence.overlap : null;
    const rotatedAt = typeof evidence.rotatedAt === 'string' ? Date.parse(evidence.rotatedAt) : Number.NaN;
    const version = previousVersion === null ? null : (await unitOfWork((tx) => tx.secrets.versions(credentialId))).find((entry) => entry.version === previousVersion) ?? null;
    if (version === null) return { name: 'previous-version-overlap', passed: false, detail: `the execution recorded no previous secret version of credential ${credentialId} that the store still knows` };
    const where = `version ${version.version} (credential ${credentialId})`;
    if (overlap === null) {
      return version.status === 'destroyed' && version.sealed === null
        ? { name: 'previous-version-destroyed', passed: true, detail: `${where} was destroyed at ${version.destroyedAt ?? '?'}: the class sets no overlap` }
        : { name: 'previous-version-destroyed', passed: false, detail: `${where} is ${version.status}, but the class sets no overlap, so it should have been destroyed at the rotation` };
    }
    const duration = parseDuration(overlap);
    const until = duration.ok && !Number.isNaN(rotatedAt) ? new Date(rotatedAt + duration.ms).toISOString() : null;
    if (until === null) return { name: 'previous-version-overlap', passed: false, detail: `the execution recorded an overlap (${overlap}) or rotation time that cannot be read` };
    if (version.status === 'overlap') {
      const exact = version.expiresAt === until && version.sealed !== null;
      return { name: 'previous-version-overlap', passed: exact, detail: exact
        ? `${where} stays valid until ${until}, ${overlap} after the rotation, as policy.secret.overlap says`
        : `${where} is in overlap until ${version.expiresAt ?? 'no time'}, but policy.secret.overlap (${overlap}) puts the end at ${until}` };
    }
    if (version.status === 'destroyed') {
      const afterOverlap = version.destroyedAt !== null && version.destroyedAt >= until && at.toISOString() >= until;
      return { name: 'previous-version-overlap', passed: afterOverlap, detail: afterOverlap
        ? `${where} overlapped until ${until} (${overlap}) and was destroyed at ${version.destroyedAt ?? '?'}`
        : `${where} was destroyed at ${version.destroyedAt ?? '?'}, before its overlap (${overlap}) ended at ${until}` };
    }
    return { name: 'previous-version-overlap', passed: false, detail: `${where} is still active; after the rotation it should overlap until ${until}` };
  };

  /** Revoke and retire: every version of every credential is destroyed, its sealed value gone. */
  const probeDestroyed = async (credentials: readonly CredentialRecord[]): Promise<ProbeResult[]> => {
    const results: ProbeResult[] = [];
    for (const credential of credentials) {
      const versions = await unitOfWork((tx) => tx.secrets.versions(credential.id));
      const remaining = versions.filter((version) => version.status !== 'destroyed' || version.sealed !== null);
      results.push(versions.length > 0 && remaining.length === 0
        ? { name: 'secret-destroyed', passed: true, detail: `every version of ${credential.name} (credential ${credential.id}: ${versions.map((version) => version.version).join(', ')}) is destroyed` }
        : { name: 'secret-destroyed', passed: false, detail: versions.length === 0 ? `the secret store holds no version of credential ${credential.id}` : `version ${remaining.map((version) => `${version.version} (${version.status})`).join(', ')} of credential ${credential.id} still holds a value` });
    }
    return results;
  };

  return {
    id: secretStoreConnectorId,
    description: 'the built-in secret store: generates API keys, passwords and tokens by policy, keeps them sealed, reveals each once, destroys them on revocation',
    sourceKinds: ['builtin_secret_store'],
    holds: (tx, credentialIds) => tx.secrets.holdsAny(credentialIds, secretKinds),

    checkEvidence(evidence) {
      if (evidence.pem !== undefined) return { problem: 'the secret store generates the value itself and takes no PEM; leave out --pem-file' };
      return { fingerprints: [] };
    },

    async execute(input) {
      try {
        switch (input.change.action) {
          case 'issue': return issue(input);
          case 'rotate': return await rotate(input);
          case 'revoke': return await destroyValues(input, 'revoked');
          case 'retire': return await destroyValues(input, 'retired');
          case 'renew': return failed('a secret has no validity period to extend, so the secret store does not renew it; request a rotate instead: it generates a new value and supersedes this one');
        }
      } catch (error) {
        // The message names what failed (no master key, a sealing error); it never carries a value.
        return failed(`the secret store could not ${input.change.action}: ${failure(error)}`);
      }
    },

    async probe({ change, credentials, produced, at }) {
      switch (change.action) {
        case 'issue': return probeNewVersions(produced);
        case 'rotate': return [...await probeNewVersions(produced), await probePreviousVersion(change, at)];
        case 'revoke': case 'retire': return probeDestroyed(credentials);
        case 'renew': return [];
      }
    },
  };
};
