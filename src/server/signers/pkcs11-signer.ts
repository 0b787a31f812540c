// Signing keys inside a PKCS #11 token (an HSM; SoftHSM2 in tests), through graphene-pk11. The private
// key is generated in the token as a sensitive, non-extractable token object and never leaves it; the
// database keeps where it is (token label, CKA_ID) and its public key.
//
// graphene's calls are synchronous C calls on the event loop's thread, and they are kept short: signing
// blocks the event loop for the duration of one C_Sign (measured on SoftHSM2: ~0.2 ms for P-256, ~1.5 ms
// for P-384 and RSA-2048, ~3.4 ms for RSA-3072; a network HSM adds its round trip), and generating a key
// pair for as long as the token takes (~0.2–0.3 s on SoftHSM2), which is why keys are generated at set-up,
// not on a request path. Because the calls never yield, the operations of one session never interleave.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { Module, SessionFlag, TokenFlag } from 'graphene-pk11';
import type { ITemplate, PrivateKey, PublicKey, Session, Slot } from 'graphene-pk11';
import { z } from 'zod';
import { TrustplaneError } from '../../core/errors.ts';
import { signatureAlgorithmOf } from '../../core/pki/signer.ts';
import type { CaKeyAlgorithm, Signer } from '../../core/pki/signer.ts';
import type { RandomSource } from '../platform.ts';
import { secureRandom } from '../platform.ts';
import { ecdsaRawToDer } from './ecdsa-signature.ts';
import { storedKeyOfKind } from './signer-backend.ts';
import type { SignerBackend, StoredKeyOf } from './signer-backend.ts';

export type Pkcs11Settings = { modulePath: string; tokenLabel: string; pin: string };

const settingVariables = { modulePath: 'TRUSTPLANE_PKCS11_MODULE', tokenLabel: 'TRUSTPLANE_PKCS11_TOKEN', pin: 'TRUSTPLANE_PKCS11_PIN' } as const;

export const pkcs11SettingsSchema = z.object({
  modulePath: z.string().max(4096).refine(isAbsolute, `${settingVariables.modulePath} must be the absolute path of the token's PKCS #11 library`),
  // CK_TOKEN_INFO.label is 32 bytes, blank-padded.
  tokenLabel: z.string().min(1).refine((label) => Buffer.byteLength(label) <= 32, `${settingVariables.tokenLabel} is a token label of at most 32 bytes`),
  pin: z.string().min(1).max(255, `${settingVariables.pin} is at most 255 characters`),
});

/** The PKCS #11 settings, or null when none of the three variables is set; some but not all is an error. */
export const pkcs11SettingsFromEnv = (env: Readonly<Record<string, string | undefined>>): Pkcs11Settings | null => {
  const names = Object.values(settingVariables);
  const set = names.filter((name) => (env[name] ?? '') !== '');
  if (set.length === 0) return null;
  if (set.length < names.length) {
    const missing = names.filter((name) => !set.includes(name));
    throw new TrustplaneError('VALIDATION_FAILED',
      `PKCS #11 is configured only in part: ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set, ${missing.join(' and ')} not; ` +
      'set all three to keep CA keys in a token, or none to keep them in software');
  }
  const parsed = pkcs11SettingsSchema.safeParse({
    modulePath: env[settingVariables.modulePath],
    tokenLabel: env[settingVariables.tokenLabel],
    pin: env[settingVariables.pin],
  });
  if (!parsed.success) {
    // The messages are ours and name the variable; zod's issues would not echo the PIN, but say less.
    const problems = parsed.error.issues.map((issue) => issue.message);
    throw new TrustplaneError('VALIDATION_FAILED', `the PKCS #11 configuration is not valid: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
};

// Constants of pkcs11t.h (PKCS #11 v3.0); graphene's enums lack the Edwards-curve ones.
const CKO_PUBLIC_KEY = 2;
const CKO_PRIVATE_KEY = 3;
const CKK_RSA = 0x0;
const CKK_EC = 0x3;
const CKK_EC_EDWARDS = 0x40;
const CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0;
const CKM_SHA256_RSA_PKCS = 0x40;
const CKM_EC_KEY_PAIR_GEN = 0x1040;
const CKM_ECDSA = 0x1041;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKA_MODULUS = 0x120;
const CKA_PUBLIC_EXPONENT = 0x122;
const CKA_EC_POINT = 0x181;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;

const mechanismNames: Record<number, string> = {
  [CKM_RSA_PKCS_KEY_PAIR_GEN]: 'CKM_RSA_PKCS_KEY_PAIR_GEN', [CKM_SHA256_RSA_PKCS]: 'CKM_SHA256_RSA_PKCS',
  [CKM_EC_KEY_PAIR_GEN]: 'CKM_EC_KEY_PAIR_GEN', [CKM_ECDSA]: 'CKM_ECDSA',
  [CKM_EC_EDWARDS_KEY_PAIR_GEN]: 'CKM_EC_EDWARDS_KEY_PAIR_GEN', [CKM_EDDSA]: 'CKM_EDDSA',
};

/** How one CaKeyAlgorithm is made and used in a token. */
type TokenKeyProfile = {
  keyType: number;
  generateMechanism: number;
  signMechanism: number;
  /** The algorithm's own public-key attributes: curve parameters, or modulus size and exponent. */
  publicAttributes: ITemplate;
  /** The public key as a JWK, read from the token's public key object. */
  publicJwk(publicKey: PublicKey): JsonWebKey;
  /** The signature as X.509 carries it, from what C_Sign returned. */
  toX509Signature(signature: Buffer): Uint8Array;
};

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS #11 v3.0 §2.3.3); some tokens give the bare point. */
const ecPoint = (value: Buffer, pointLength: number): Buffer => {
  if (value.length === pointLength) return value;
  const lengthOctets = value[1] === 0x81 ? 2 : 1;
  const length = lengthOctets === 2 ? value[2] : value[1];
  if (value[0] !== 0x04 || length !== pointLength || value.length !== 1 + lengthOctets + pointLength) {
    throw new TrustplaneError('INTERNAL', `the token's CKA_EC_POINT is neither a ${pointLength}-byte point nor a DER OCTET STRING holding one`);
  }
  return value.subarray(1 + lengthOctets);
};

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

const ecdsaProfile = (curve: 'P-256' | 'P-384', curveOid: string, coordinateLength: number): TokenKeyProfile => ({
  keyType: CKK_EC,
  generateMechanism: CKM_EC_KEY_PAIR_GEN,
  signMechanism: CKM_ECDSA,
  publicAttributes: { paramsEC: Buffer.from(curveOid, 'hex') },
  publicJwk: (publicKey) => {
    // The uncompressed point of SEC 1 §2.3.3: 0x04 ‖ x ‖ y.
    const point = ecPoint(publicKey.getAttribute(CKA_EC_POINT), 1 + 2 * coordinateLength);
    if (point[0] !== 0x04) throw new TrustplaneError('INTERNAL', 'the token returned a compressed EC point; Trustplane reads uncompressed ones');
    return { kty: 'EC', crv: curve, x: base64url(point.subarray(1, 1 + coordinateLength)), y: base64url(point.subarray(1 + coordinateLength)) };
  },
  toX509Signature: (signature) => ecdsaRawToDer(signature),
});

const rsaProfile = (modulusBits: number): TokenKeyProfile => ({
  keyType: CKK_RSA,
  generateMechanism: CKM_RSA_PKCS_KEY_PAIR_GEN,
  signMechanism: CKM_SHA256_RSA_PKCS,
  publicAttributes: { modulusBits, publicExponent: Buffer.from([0x01, 0x00, 0x01]) },
  publicJwk: (publicKey) => ({
    kty: 'RSA',
    n: base64url(publicKey.getAttribute(CKA_MODULUS)),
    e: base64url(publicKey.getAttribute(CKA_PUBLIC_EXPONENT)),
  }),
  toX509Signature: (signature) => new Uint8Array(signature),
});

// The curves' DER OIDs for CKA_EC_PARAMS: prime256v1 1.2.840.10045.3.1.7, secp384r1 1.3.132.0.34 (RFC 5480
// §2.1.1.1), id-Ed25519 1.3.101.112 (RFC 8410 §3), which PKCS #11 v3.0 §2.3.10 accepts for Edwards curves.
const profileOf = (algorithm: CaKeyAlgorithm): TokenKeyProfile => {
  switch (algorithm) {
    case 'ECDSA-P256': return ecdsaProfile('P-256', '06082a8648ce3d030107', 32);
    case 'ECDSA-P384': return ecdsaProfile('P-384', '06052b81040022', 48);
    case 'Ed25519': return {
      keyType: CKK_EC_EDWARDS,
      generateMechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN,
      signMechanism: CKM_EDDSA,
      publicAttributes: { paramsEC: Buffer.from('06032b6570', 'hex') },
      publicJwk: (publicKey) => ({ kty: 'OKP', crv: 'Ed25519', x: base64url(ecPoint(publicKey.getAttribute(CKA_EC_POINT), 32)) }),
      toX509Signature: (signature) => new Uint8Array(signature),
    };
    case 'RSA-2048': return rsaProfile(2048);
    case 'RSA-3072': return rsaProfile(3072);
  }
};

/** pkcs11js errors carry the CK_RV as `code` and its name as the message. */
const returnValueOf = (error: unknown): { code: number; name: string } | null =>
  error instanceof Error && 'code' in error && typeof error.code === 'number' ? { code: error.code, name: error.message } : null;

const describeError = (error: unknown): string => returnValueOf(error)?.name ?? (error instanceof Error ? error.message : String(error));

// One process loads a PKCS #11 library once: C_Initialize and C_Finalize act on the whole library, so
// backends on the same module share it, and the last one to close finalises it.
const loadedModules = new Map<string, { module: Module; users: number }>();

const acquireModule = (modulePath: string): Module => {
  const loaded = loadedModules.get(modulePath);
  if (loaded !== undefined) {
    loaded.users += 1;
    return loaded.module;
  }
  let module: Module;
  try {
    module = Module.load(modulePath);
  } catch (error) {
    throw new TrustplaneError('NOT_READY',
      `the PKCS #11 module ${modulePath} cannot be loaded (${describeError(error)}); ` +
      `set ${settingVariables.modulePath} to the token's PKCS #11 library, e.g. /usr/lib/softhsm/libsofthsm2.so for SoftHSM2`);
  }
  try {
    module.initialize();
  } catch (error) {
    module.close();
    throw new TrustplaneError('NOT_READY', `the PKCS #11 module ${modulePath} failed to initialise (${describeError(error)}); check its own configuration`);
  }
  loadedModules.set(modulePath, { module, users: 1 });
  return module;
};

const releaseModule = (modulePath: string): void => {
  const loaded = loadedModules.get(modulePath);
  if (loaded === undefined) return;
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(modulePath);
  loaded.module.finalize();
  loaded.module.close();
};

const findSlot = (module: Module, { modulePath, tokenLabel }: Pkcs11Settings): Slot => {
  const slots = module.getSlots(true);
  const labels: string[] = [];
  const matching: Slot[] = [];
  for (let index = 0; index < slots.length; index += 1) {
    const slot = slots.items(index);
    const token = slot.getToken();
    if ((token.flags & TokenFlag.TOKEN_INITIALIZED) === 0) continue;
    labels.push(token.label);
    if (token.label === tokenLabel) matching.push(slot);
  }
  const [slot, ...others] = matching;
  if (slot === undefined) {
    const found = labels.length === 0 ? 'it has no initialised token' : `its tokens are labelled ${labels.map((label) => `"${label}"`).join(', ')}`;
    throw new TrustplaneError('NOT_READY', `no token labelled "${tokenLabel}" in the PKCS #11 module ${modulePath}: ${found}; check ${settingVariables.tokenLabel}`);
  }
  if (others.length > 0) {
    throw new TrustplaneError('NOT_READY', `${matching.length} tokens in ${modulePath} are labelled "${tokenLabel}"; give the CA's token a label of its own`);
  }
  return slot;
};

const login = (session: Session, tokenLabel: string, pin: string): void => {
  try {
    session.login(pin);
  } catch (error) {
    const returnValue = returnValueOf(error);
    // Login state belongs to the application, not the session: another backend of this process is
    // logged in to the token already, and the token does not check this PIN again.
    if (returnValue?.code === CKR_USER_ALREADY_LOGGED_IN) return;
    switch (returnValue?.name) {
      case 'CKR_PIN_INCORRECT':
      case 'CKR_PIN_INVALID':
      case 'CKR_PIN_LEN_RANGE':
        throw new TrustplaneError('NOT_READY', `the PKCS #11 token "${tokenLabel}" refused the PIN (${returnValue.name}); check ${settingVariables.pin}`);
      case 'CKR_PIN_LOCKED':
        throw new TrustplaneError('NOT_READY', `the user PIN of the PKCS #11 token "${tokenLabel}" is locked after too many wrong attempts; its security officer must unlock it`);
      case 'CKR_USER_PIN_NOT_INITIALIZED':
        throw new TrustplaneError('NOT_READY', `the PKCS #11 token "${tokenLabel}" has no user PIN yet; its security officer must set one`);
      default:
        throw new TrustplaneError('NOT_READY', `logging in to the PKCS #11 token "${tokenLabel}" failed (${describeError(error)})`);
    }
  }
};

export type Pkcs11SignerOptions = Pkcs11Settings & { random?: RandomSource };

/** Holds a session and the loaded module until closed. */
export type Pkcs11SignerBackend = SignerBackend & { close(): Promise<void> };

export const pkcs11SignerBackend = ({ random = secureRandom, ...settings }: Pkcs11SignerOptions): Pkcs11SignerBackend => {
  const { modulePath, tokenLabel, pin } = settings;
  const module = acquireModule(modulePath);
  let slot: Slot;
  let session: Session;
  try {
    slot = findSlot(module, settings);
    session = slot.open(SessionFlag.SERIAL_SESSION | SessionFlag.RW_SESSION);
  } catch (error) {
    releaseModule(modulePath);
    throw error instanceof TrustplaneError ? error : new TrustplaneError('NOT_READY', `opening a session on the PKCS #11 token "${tokenLabel}" failed (${describeError(error)})`);
  }
  try {
    login(session, tokenLabel, pin);
  } catch (error) {
    session.close();
    releaseModule(modulePath);
    throw error;
  }
  let closed = false;

  const liveSession = (): Session => {
    if (closed) throw new TrustplaneError('NOT_READY', `the PKCS #11 signer backend for token "${tokenLabel}" is closed`);
    return session;
  };

  const requireMechanisms = (algorithm: CaKeyAlgorithm, profile: TokenKeyProfile): void => {
    const offered = new Set<number>();
    const mechanisms = slot.getMechanisms();
    for (let index = 0; index < mechanisms.length; index += 1) offered.add(mechanisms.items(index).type);
    for (const mechanism of [profile.generateMechanism, profile.signMechanism]) {
      if (!offered.has(mechanism)) {
        throw new TrustplaneError('VALIDATION_FAILED',
          `the PKCS #11 token "${tokenLabel}" does not offer ${mechanismNames[mechanism]}, which ${algorithm} keys need; choose another key algorithm`);
      }
    }
  };

  const tokenSigner = (privateKey: PrivateKey, keyAlgorithm: CaKeyAlgorithm, publicKey: Uint8Array): Signer => {
    const profile = profileOf(keyAlgorithm);
    const { digest } = signatureAlgorithmOf(keyAlgorithm);
    return {
      keyAlgorithm,
      publicKey,
      sign: async (data) => {
        // CKM_ECDSA signs a digest the caller computed; CKM_SHA256_RSA_PKCS and CKM_EDDSA take the data.
        const input = profile.signMechanism === CKM_ECDSA && digest !== null ? createHash(digest).update(data).digest() : Buffer.from(data);
        let signature: Buffer;
        try {
          signature = liveSession().createSign({ name: profile.signMechanism, params: null }, privateKey).once(input);
        } catch (error) {
          if (error instanceof TrustplaneError) throw error;
          throw new TrustplaneError('NOT_READY', `the PKCS #11 token "${tokenLabel}" did not sign (${describeError(error)})`);
        }
        return profile.toX509Signature(signature);
      },
    };
  };

  return {
    kind: 'pkcs11',

    async generate({ algorithm, label }) {
      if (label.length > 255) throw new TrustplaneError('VALIDATION_FAILED', 'a key label is at most 255 characters');
      const profile = profileOf(algorithm);
      requireMechanisms(algorithm, profile);
      const id = random.bytes(16);
      const common = { keyType: profile.keyType, token: true, id, label };
      let keys: { publicKey: PublicKey; privateKey: PrivateKey };
      try {
        keys = liveSession().generateKeyPair({ name: profile.generateMechanism, params: null },
          { ...common, class: CKO_PUBLIC_KEY, private: false, verify: true, encrypt: false, wrap: false, ...profile.publicAttributes },
          { ...common, class: CKO_PRIVATE_KEY, private: true, sensitive: true, extractable: false, sign: true, decrypt: false, unwrap: false, derive: false });
      } catch (error) {
        if (error instanceof TrustplaneError) throw error;
        throw new TrustplaneError('NOT_READY', `the PKCS #11 token "${tokenLabel}" did not generate an ${algorithm} key pair (${describeError(error)})`);
      }
      try {
        const spki = new Uint8Array(createPublicKey({ key: profile.publicJwk(keys.publicKey), format: 'jwk' }).export({ type: 'spki', format: 'der' }));
        const stored: StoredKeyOf<'pkcs11'> = {
          kind: 'pkcs11', algorithm, publicKey: Buffer.from(spki).toString('base64'), tokenLabel, keyId: id.toString('hex'), label,
        };
        return { stored, signer: tokenSigner(keys.privateKey, algorithm, spki) };
      } catch (error) {
        // A key pair whose public key cannot be read is of no use: leave no orphans in the token.
        session.destroy(keys.privateKey);
        session.destroy(keys.publicKey);
        throw error;
      }
    },

    async load(storedKey) {
      const stored = storedKeyOfKind(storedKey, 'pkcs11');
      if (stored.tokenLabel !== tokenLabel) {
        throw new TrustplaneError('NOT_READY',
          `the key "${stored.label}" is in the PKCS #11 token "${stored.tokenLabel}", but the configured token is "${tokenLabel}"; check ${settingVariables.tokenLabel}`);
      }
      const found = liveSession().find({ class: CKO_PRIVATE_KEY, id: Buffer.from(stored.keyId, 'hex') });
      if (found.length !== 1) {
        throw new TrustplaneError('NOT_READY', found.length === 0
          ? `the PKCS #11 token "${tokenLabel}" holds no private key with CKA_ID ${stored.keyId} ("${stored.label}"); was the token re-initialised or replaced?`
          : `the PKCS #11 token "${tokenLabel}" holds ${found.length} private keys with CKA_ID ${stored.keyId}; remove the ones Trustplane did not make`);
      }
      const privateKey = found.items(0).toType<PrivateKey>();
      const keyType: unknown = privateKey.getAttribute('keyType');
      if (keyType !== profileOf(stored.algorithm).keyType) {
        throw new TrustplaneError('INTERNAL', `the private key with CKA_ID ${stored.keyId} in token "${tokenLabel}" is not an ${stored.algorithm} key, as its record says`);
      }
      const publicKey = new Uint8Array(Buffer.from(stored.publicKey, 'base64'));
      const signer = tokenSigner(privateKey, stored.algorithm, publicKey);
      // A key on record must sign what its recorded public key verifies, or certificates would not chain.
      const challenge = Buffer.from(`trustplane key check ${stored.keyId}`);
      const spki = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
      if (!verify(signatureAlgorithmOf(stored.algorithm).digest, challenge, spki, await signer.sign(challenge))) {
        throw new TrustplaneError('INTERNAL', `the private key with CKA_ID ${stored.keyId} in token "${tokenLabel}" does not match the public key on record`);
      }
      return signer;
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } finally {
        releaseModule(modulePath);
      }
    },
  };
};
