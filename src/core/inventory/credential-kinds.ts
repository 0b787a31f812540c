// The kinds of trust material and the lifecycle statuses of DESIGN.md (Domain).

export const credentialKinds = [
  'x509_certificate', 'private_key', 'ssh_key', 'api_key', 'oauth_client_secret', 'token', 'password', 'signing_key',
] as const;
export type CredentialKind = typeof credentialKinds[number];

export const credentialStatuses = ['pending', 'active', 'superseded', 'revoked', 'expired', 'retired'] as const;
export type CredentialStatus = typeof credentialStatuses[number];

/** Key algorithms as Trustplane names them; anything else is `unknown:<oid>`. */
export const keyAlgorithms = ['RSA', 'ECDSA-P256', 'ECDSA-P384', 'ECDSA-P521', 'Ed25519', 'Ed448', 'DSA'] as const;
export type KeyAlgorithm = typeof keyAlgorithms[number] | `unknown:${string}`;
