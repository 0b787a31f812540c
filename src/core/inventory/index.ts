// Inventory: credential kinds, and trust material parsed into facts (DESIGN.md, Architecture).
export { credentialKinds, credentialStatuses, keyAlgorithms } from './credential-kinds.ts';
export type { CredentialKind, CredentialStatus, KeyAlgorithm } from './credential-kinds.ts';
export type { CredentialFacts } from './credential-facts.ts';
export { formatParseFailure } from './parse-result.ts';
export type { ImportedCredential, ParseFailure, ParseResult, TrustMaterialFormat } from './parse-result.ts';
export { parseTrustMaterial } from './parse-trust-material.ts';
export { normaliseFingerprint } from './fingerprint.ts';
export { credentialIdFor } from './credential-id.ts';
export { checkImportReferences } from './import-references.ts';
export type { ImportDefaults, ImportedEntry, ImportReferenceScope } from './import-references.ts';
export { credentialFactsWireSchema, wireProblem } from './credential-facts-schema.ts';
export { formatImportNotice, maxImportNotices, summariseImport } from './import-summary.ts';
export type { FileImportSummary, ImportNotice, ImportSummary } from './import-summary.ts';
export { heldBackReasons, restateKnownCredential } from './import-restatement.ts';
export type { HeldBack, HeldBackField, RecordedIdentity, Restatement, StatedIdentity } from './import-restatement.ts';
