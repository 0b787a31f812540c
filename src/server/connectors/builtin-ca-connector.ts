// The builtin-ca connector executes changes on X.509 classes against Trustplane's own CA: issue (from
// the requester's CSR, or with a key it generates and seals in the secret store for the executor to
// reveal once), renew (same key, new validity), rotate (new key), revoke (with its reason code; a new
// CRL is published through the outbox once the revocation has committed) and retire. Signing happens here, outside any
// transaction; what was issued or revoked is recorded in the transaction that records the outcome.
import { createPublicKey, generateKeyPair } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { ChangeSpec } from '../../core/changes/change-spec.ts';
import { parseDuration } from '../../core/duration.ts';
import type { CredentialClass, Governance, PolicyKeyAlgorithm } from '../../core/governance/index.ts';
import { credentialIdFor } from '../../core/inventory/index.ts';
import { parseCsr } from '../../core/pki/csr.ts';
import { issuedCertificateFacts } from '../../core/pki/issued-certificate-facts.ts';
import { crlReasonForTrigger } from '../../core/pki/revocation-reasons.ts';
import { seal } from '../keys/key-envelope.ts';
import type { KeyEncryptionKey } from '../keys/key-envelope.ts';
import type { CaService, Issued } from '../services/ca-service.ts';
import { crlPublishHoldMs, crlPublishMessage } from '../services/crl-publication.ts';
import type { UnitOfWorkContext } from '../db/unit-of-work.ts';
import { secretAad } from '../stores/secret-store.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import type { Connector, ConnectorInput, ConnectorResult, ProducedCredential } from './connector.ts';
import type { CertificateProbes } from './certificate-probes.ts';

const generate = promisify(generateKeyPair);

/** Used when a class sets no maxLifetime. */
const defaultLifetime = '30d';

/** Where a generated private key is kept until the executor reveals it. */
export const secretStoreLocation = 'trustplane-secret-store';

export type BuiltinCaDeps = {
  ca: Pick<CaService, 'issueAll' | 'issuedFor'>;
  /** Publishes fresh CRLs for these CAs right after a revocation commits (its outbox messages are the fallback). */
  publishCrls(caIds: readonly string[]): Promise<void>;
  masterKey: () => KeyEncryptionKey;
  probes: CertificateProbes;
};

/** Node generates keys off the event loop (libuv's pool), RSA above all. */
const generateKey = async (algorithm: PolicyKeyAlgorithm): Promise<KeyObject> => {
  switch (algorithm) {
    case 'ECDSA-P256': return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'ECDSA-P384': return (await generate('ec', { namedCurve: 'P-384' })).privateKey;
    case 'Ed25519': return (await generate('ed25519')).privateKey;
    case 'RSA-2048': return (await generate('rsa', { modulusLength: 2048 })).privateKey;
    case 'RSA-3072': return (await generate('rsa', { modulusLength: 3072 })).privateKey;
    case 'RSA-4096': return (await generate('rsa', { modulusLength: 4096 })).privateKey;
  }
};

const lifetimeOf = (spec: ChangeSpec, credentialClass: CredentialClass): number => {
  const parsed = parseDuration(spec.lifetime ?? credentialClass.policy.maxLifetime ?? defaultLifetime);
  return parsed.ok ? parsed.ms : 0;
};

/** The built-in CA source an issue draws on: the one the spec names, else the class's first allowed one. */
const sourceFor = (governance: Governance, credentialClass: CredentialClass, spec: ChangeSpec): string | null => {
  const builtIn = new Set(governance.sources.filter((source) => source.kind === 'builtin_ca').map((source) => source.id));
  if (spec.source !== undefined) return builtIn.has(spec.source) ? spec.source : null;
  return (credentialClass.policy.allowedSources ?? [...builtIn]).find((id) => builtIn.has(id)) ?? null;
};

type NewKey = { publicKey: Uint8Array; keyAlgorithm: string; generated: KeyObject | null; sans: string[]; commonName: string | null };

/** The key to certify: the CSR's (the requester keeps the private key), or one generated here. */
/** The requester's key from a CSR, with the CSR's names, else `names`; `which` says which CSR a refusal is about. */
const keyFromCsr = (text: string, names: readonly string[], which: string): NewKey | { problem: string } => {
  const parsed = parseCsr(text);
  if (!parsed.ok) return { problem: `${which} cannot be used: ${parsed.problem}` };
  const sans = parsed.csr.sans.length > 0 ? parsed.csr.sans : [...names];
  return { publicKey: parsed.csr.subjectPublicKey, keyAlgorithm: parsed.csr.keyAlgorithm, generated: null, sans, commonName: parsed.csr.commonName };
};

const newKeyFor = async (spec: ChangeSpec, credentialClass: CredentialClass, names: readonly string[]): Promise<NewKey | { problem: string }> => {
  if (spec.csr !== undefined) {
    const key = keyFromCsr(spec.csr, names, 'the CSR');
    return 'problem' in key || spec.names === undefined ? key : { ...key, sans: spec.names.map((name) => `dns:${name}`) };
  }
  const sans = spec.names === undefined ? [...names] : spec.names.map((name) => `dns:${name}`);
  if (sans.length === 0) return { problem: 'an issue needs a CSR (spec.csr) or the names to certify (spec.names)' };
  const algorithm = spec.keyAlgorithm ?? credentialClass.policy.keyAlgorithms?.[0] ?? 'ECDSA-P256';
  const generated = await generateKey(algorithm);
  const publicKey = new Uint8Array(createPublicKey(generated).export({ type: 'spki', format: 'der' }));
  return { publicKey, keyAlgorithm: algorithm, generated, sans, commonName: null };
};

/** The keys and names of an issue with several CSRs, each as its CSR gives them. */
const keysFromCsrs = (csrs: readonly string[]): NewKey[] | { problem: string } => {
  const keys: NewKey[] = [];
  for (const [index, text] of csrs.entries()) {
    const key = keyFromCsr(text, [], `CSR ${index + 1} of ${csrs.length}`);
    if ('problem' in key) return key;
    keys.push(key);
  }
  return keys;
};

/** The inventory's facts of the certificate just issued, as the CA gives them, with where it came from. */
const producedFrom = (issued: Extract<Issued, { ok: true }>, facts: { sourceId: string; workloads: readonly string[]; generated: boolean }): ProducedCredential => ({
  entry: `certificate ${issued.serial}`,
  der: issued.der,
  facts: {
    ...issued.facts, source: facts.sourceId,
    ...(facts.workloads.length === 0 ? {} : { workloads: [...facts.workloads] }),
    ...(facts.generated ? { managedStorage: true, storageLocation: secretStoreLocation } : {}),
  },
});

const failure = (summary: string, evidence: Record<string, unknown> = {}): ConnectorResult => ({ ok: false, summary, evidence });

export const createBuiltinCaConnector = (deps: BuiltinCaDeps): Connector => {
  type IssueRequest = { sourceId: string; key: NewKey; workloads: readonly string[] };

  /** Issues certificates, all or none, and says how to record them: one for most changes, one per CSR for an issue with spec.csrs. */
  const issueCertificates = async (input: ConnectorInput, requests: readonly IssueRequest[]): Promise<ConnectorResult> => {
    const { change, credentialClass, at } = input;
    const lifetimeMs = lifetimeOf(change.spec, credentialClass);
    const issued = await deps.ca.issueAll(requests.map((request) => ({
      sourceId: request.sourceId, policy: credentialClass.policy, subjectPublicKey: request.key.publicKey, keyAlgorithm: request.key.keyAlgorithm,
      sans: request.key.sans, commonName: request.key.commonName, lifetimeMs, at,
    })));
    if (!issued.ok) return failure(issued.problem);
    const made = issued.certificates.map((certificate, index) => {
      const request = requests[index] as IssueRequest;
      const produced = producedFrom(certificate, { sourceId: request.sourceId, workloads: request.workloads, generated: request.key.generated !== null });
      const credentialId = credentialIdFor(produced.facts.fingerprint);
      // A generated private key is sealed now (crypto stays outside the transaction) and stored with the record.
      const privateKeyPem = request.key.generated?.export({ type: 'pkcs8', format: 'pem' }).toString();
      const sealed = privateKeyPem === undefined ? null : seal(deps.masterKey(), Buffer.from(privateKeyPem), secretAad(credentialId, 1));
      return { certificate, request, produced, credentialId, sealed };
    });
    const notAfterOf = (produced: ProducedCredential) => produced.facts.notAfter?.toISOString() ?? null;
    const [first] = made;
    const one = made.length === 1 && first !== undefined;
    const generated = made.some((entry) => entry.sealed !== null);
    const verb = change.action === 'issue' ? 'issued' : change.action === 'renew' ? 'renewed as' : 'rotated to';
    return {
      ok: true,
      summary: (one ? `${verb} certificate ${first.certificate.serial} for ${first.request.key.sans.join(', ')} from CA ${first.certificate.caId}` : `${verb} ${made.length} certificates from CA ${[...new Set(made.map((entry) => entry.certificate.caId))].join(', ')}`)
        + (generated ? '; its private key waits in the secret store for the executor to reveal once' : ''),
      evidence: {
        ...(one
          ? { ca: first.certificate.caId, serial: first.certificate.serial, fingerprint: first.produced.facts.fingerprint, notAfter: notAfterOf(first.produced) }
          : { certificates: made.map((entry) => ({ ca: entry.certificate.caId, serial: entry.certificate.serial, fingerprint: entry.produced.facts.fingerprint, notAfter: notAfterOf(entry.produced) })) }),
        key: generated ? `generated by Trustplane (${first?.request.key.keyAlgorithm})` : `the requester's own (CSR${one ? '' : 's'})`,
        lints: (first?.certificate.lints ?? []).map((lint) => lint.name),
      },
      produced: made.map((entry) => entry.produced),
      producedHere: true,
      credentialStatus: null,
      record: async (tx: UnitOfWorkContext) => {
        await tx.ca.insertIssued(made.map(({ certificate, produced, credentialId }) => ({
          caId: certificate.caId, serial: certificate.serial, credentialId, changeId: change.id, issuedAt: at.toISOString(),
          notAfter: notAfterOf(produced) ?? at.toISOString(), certificatePem: certificate.pem, revokedAt: null, revocationReason: null,
        })));
        for (const { credentialId, sealed, produced } of made) {
          if (sealed === null) continue;
          await tx.secrets.insert({
            credentialId, version: 1, sealed: JSON.stringify(sealed), status: 'active', createdAt: at.toISOString(), expiresAt: notAfterOf(produced),
            changeId: change.id, revealTo: [input.executor], revealedAt: null, revealedBy: null, destroyedAt: null,
          });
        }
      },
    };
  };

  /** The certificate a renew or rotate replaces: exactly one, issued here. */
  const predecessor = async (input: ConnectorInput): Promise<{ credential: CredentialRecord; pem: string; sourceId: string } | { problem: string }> => {
    if (input.credentials.length !== 1) return { problem: `a ${input.change.action} through the built-in CA replaces one certificate at a time; this change names ${input.credentials.length}` };
    const credential = input.credentials[0] as CredentialRecord;
    const issued = await deps.ca.issuedFor([credential.id]);
    const record = issued[0];
    if (record === undefined) return { problem: `credential ${credential.id} was not issued by the built-in CA; execute with --connector manual` };
    return { credential, pem: record.certificatePem, sourceId: record.sourceId };
  };

  return {
    id: 'builtin-ca',
    description: 'Trustplane\'s own CA signs, renews, rotates and revokes, under the class policy and the pre-issuance lints',
    sourceKinds: ['builtin_ca'],
    holds: async (tx, credentialIds) => (await tx.ca.issuedFor(credentialIds)).length > 0,

    checkEvidence(evidence) {
      if (evidence.pem !== undefined) return { problem: 'the built-in CA makes the certificate itself; it takes no PEM evidence (use --connector manual to record one made elsewhere)' };
      return { fingerprints: [] };
    },

    async execute(input): Promise<ConnectorResult> {
      const { change, credentialClass, governance } = input;
      if (!credentialClass.kinds.includes('x509_certificate')) return failure(`class ${credentialClass.id} holds no X.509 certificates; the built-in CA cannot act on it`);
      switch (change.action) {
        case 'issue': {
          const sourceId = sourceFor(governance, credentialClass, change.spec);
          if (sourceId === null) return failure(`class ${credentialClass.id} allows no built-in CA source${change.spec.source === undefined ? '' : ` (spec.source ${change.spec.source} is not one)`}; add one to policy.allowedSources`);
          const workloads = change.spec.workload === undefined ? [] : [change.spec.workload];
          if (change.spec.csrs !== undefined) {
            const keys = keysFromCsrs(change.spec.csrs);
            if ('problem' in keys) return failure(keys.problem);
            return issueCertificates(input, keys.map((key) => ({ sourceId, key, workloads })));
          }
          const key = await newKeyFor(change.spec, credentialClass, []);
          if ('problem' in key) return failure(key.problem);
          return issueCertificates(input, [{ sourceId, key, workloads }]);
        }
        case 'renew':
        case 'rotate': {
          const previous = await predecessor(input);
          if ('problem' in previous) return failure(previous.problem);
          const facts = issuedCertificateFacts(previous.pem);
          const key: NewKey | { problem: string } = change.action === 'renew'
            ? { publicKey: facts.publicKey, keyAlgorithm: facts.keyAlgorithm, generated: null, sans: facts.sans, commonName: facts.commonName }
            : await newKeyFor(change.spec, credentialClass, facts.sans);
          if ('problem' in key) return failure(key.problem);
          return issueCertificates(input, [{ sourceId: previous.sourceId, key, workloads: previous.credential.workloads }]);
        }
        case 'revoke': {
          const issued = await deps.ca.issuedFor(change.credentialIds);
          const missing = change.credentialIds.filter((id) => !issued.some((entry) => entry.credentialId === id));
          if (missing.length > 0) return failure(`credential ${missing.slice(0, 3).join(', ')} was not issued by the built-in CA, which can revoke only its own; execute with --connector manual`);
          const reason = change.trigger === null ? null : crlReasonForTrigger(change.trigger);
          const byCa = new Map<string, string[]>();
          for (const entry of issued) byCa.set(entry.caId, [...byCa.get(entry.caId) ?? [], entry.serial]);
          return {
            ok: true,
            summary: `revoked ${issued.length} certificate${issued.length === 1 ? '' : 's'} (${[...byCa.keys()].join(', ')}); new CRLs are published`,
            evidence: { revoked: issued.map((entry) => ({ ca: entry.caId, serial: entry.serial })), reason: reason?.name ?? 'unspecified' },
            produced: [],
            credentialStatus: 'revoked',
            record: async (tx) => {
              for (const [caId, serials] of byCa) {
                await tx.ca.revoke(caId, serials, input.at.toISOString(), reason?.name ?? null);
                // Committed with the revocation, so a process that dies before publishing leaves it to the outbox.
                await tx.outbox.add(crlPublishMessage(caId), { heldForMs: crlPublishHoldMs });
              }
            },
            afterCommit: () => deps.publishCrls([...byCa.keys()]),
          };
        }
        case 'retire':
          return { ok: true, summary: 'retired: the certificates are no longer in use and stay valid until they expire', evidence: {}, produced: [], credentialStatus: 'retired' };
      }
    },

    probe: (input) => deps.probes.run(input),
  };
};
