// Where signing keys live. Backends register by kind, as step-ca registers its CA backends by type
// (cas/apiv1/registry.go): a software key sealed under the master key, or a key inside a PKCS#11 token.
// What the database keeps of a key (StoredKey) never holds clear key bytes.
import { z } from 'zod';
import { TrustplaneError } from '../../core/errors.ts';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';
import { sealedValueSchema } from '../keys/key-envelope.ts';

/** A DER SubjectPublicKeyInfo in base64; RSA-3072's is 422 bytes. */
const publicKeySchema = z.string().min(4).max(2048).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

export const storedKeySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('software'),
    algorithm: z.enum(caKeyAlgorithms),
    publicKey: publicKeySchema,
    /** The PKCS #8 DER private key, sealed with the caller's additional authenticated data. */
    sealed: sealedValueSchema,
  }).strict(),
  z.object({
    kind: z.literal('pkcs11'),
    algorithm: z.enum(caKeyAlgorithms),
    publicKey: publicKeySchema,
    /** PKCS #11 token labels are at most 32 bytes (CK_TOKEN_INFO.label). */
    tokenLabel: z.string().min(1).max(32),
    /** CKA_ID in hex. */
    keyId: z.string().min(2).max(128).regex(/^(?:[0-9a-f]{2})+$/, 'must be lower-case hex'),
    /** CKA_LABEL. */
    label: z.string().max(255),
  }).strict(),
]);

export type StoredKey = z.infer<typeof storedKeySchema>;
export type StoredKeyKind = StoredKey['kind'];
export type StoredKeyOf<K extends StoredKeyKind> = Extract<StoredKey, { kind: K }>;

export type GenerateKeyInput = {
  algorithm: CaKeyAlgorithm;
  /** A name a person recognises the key by in the token (CKA_LABEL); software keys do not use it. */
  label: string;
  /** What the key is for (`ca-key:<id>`); a sealed key opens only for the same purpose. */
  aad: string;
};

export type SignerBackend = {
  kind: StoredKeyKind;
  generate(input: GenerateKeyInput): Promise<{ stored: StoredKey; signer: Signer }>;
  load(stored: StoredKey, aad: string): Promise<Signer>;
  close?(): Promise<void>;
};

export type SignerRegistry = {
  get(kind: StoredKeyKind): SignerBackend;
  kinds(): StoredKeyKind[];
  /** Loads a stored key through the backend of its kind. */
  load(stored: StoredKey, aad: string): Promise<Signer>;
  close(): Promise<void>;
};

const howToConfigure: Record<StoredKeyKind, string> = {
  software: 'configure the master key (TRUSTPLANE_MASTER_KEY or <data dir>/master.key)',
  pkcs11: 'set TRUSTPLANE_PKCS11_MODULE, TRUSTPLANE_PKCS11_TOKEN and TRUSTPLANE_PKCS11_PIN',
};

export const createSignerRegistry = (backends: readonly SignerBackend[]): SignerRegistry => {
  const byKind = new Map<StoredKeyKind, SignerBackend>();
  for (const backend of backends) {
    if (byKind.has(backend.kind)) throw new Error(`signer backend ${backend.kind} is registered twice`);
    byKind.set(backend.kind, backend);
  }
  const get = (kind: StoredKeyKind): SignerBackend => {
    const backend = byKind.get(kind);
    if (backend === undefined) {
      const registered = [...byKind.keys()].join(', ') || 'none';
      throw new TrustplaneError('NOT_READY', `no "${kind}" signer backend is configured (configured: ${registered}); ${howToConfigure[kind]}`);
    }
    return backend;
  };
  return {
    get,
    kinds: () => [...byKind.keys()],
    load: (stored, aad) => get(stored.kind).load(stored, aad),
    async close() {
      await Promise.all([...byKind.values()].map((backend) => backend.close?.()));
    },
  };
};

/** Narrows a stored key to the backend's kind; a key of another kind was routed to the wrong backend. */
export const storedKeyOfKind = <K extends StoredKeyKind>(stored: StoredKey, kind: K): StoredKeyOf<K> => {
  if (stored.kind !== kind) throw new TrustplaneError('INTERNAL', `a "${stored.kind}" key was given to the "${kind}" signer backend`);
  return stored as StoredKeyOf<K>;
};

export const parseStoredKey = (json: unknown): StoredKey => {
  const parsed = storedKeySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'stored key'}: ${issue.message}`);
    throw new TrustplaneError('VALIDATION_FAILED', `the stored signing key is not valid: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
};
