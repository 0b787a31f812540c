// The closed word lists of governance.yaml (DESIGN.md, Domain language). Each list is the single source
// for its zod enum and its TypeScript union.

export const partnerKinds = ['integrator', 'managed_service', 'platform_provider', 'vendor'] as const;
export type PartnerKind = (typeof partnerKinds)[number];

export const sourceKinds = ['builtin_ca', 'builtin_secret_store', 'external_ca', 'vault', 'cloud_kms', 'ci_cd', 'saas', 'scanner', 'other'] as const;
export type SourceKind = (typeof sourceKinds)[number];

export { credentialKinds } from '../inventory/credential-kinds.ts';
export type { CredentialKind } from '../inventory/credential-kinds.ts';

export const governedActions = ['issue', 'renew', 'rotate', 'revoke', 'retire'] as const;
export type GovernedAction = (typeof governedActions)[number];

/** Why something must be revoked; also what triggers a playbook. */
export const revocationReasons = [
  'key_compromise', 'workload_decommissioned', 'owner_departed', 'partner_offboarded', 'superseded', 'policy_violation',
] as const;
export type RevocationReason = (typeof revocationReasons)[number];

/** Key algorithms a class policy may allow; RSA names its modulus size, unlike the facts of inventory. */
export const policyKeyAlgorithms = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384', 'Ed25519'] as const;
export type PolicyKeyAlgorithm = (typeof policyKeyAlgorithms)[number];

export const workloadLifecycles = ['active', 'decommissioned'] as const;
export type WorkloadLifecycle = (typeof workloadLifecycles)[number];

/** Named alphabets for generated secrets; named so a policy never carries a hand-typed character set. */
export const secretAlphabets = ['alphanumeric', 'hex', 'base32', 'base64url'] as const;
export type SecretAlphabet = (typeof secretAlphabets)[number];

/** Prefixes of principal references (`person:carol`, `org:globex`). */
export const principalKinds = ['person', 'team', 'org', 'service-account', 'agent'] as const;
export type PrincipalKind = (typeof principalKinds)[number];
