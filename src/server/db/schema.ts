// Table types for Kysely. Portable across SQLite and PostgreSQL: timestamps are ISO-8601 UTC text of
// fixed width (so text order is time order), booleans are 0/1 integers, structured values are JSON text.
import type { Generated } from 'kysely';

export type IsoTime = string;
export type Flag = 0 | 1;

export type GovernanceVersionTable = {
  version: number;
  applied_at: IsoTime;
  applied_by: string;
  document_sha256: string;
  summary: string;
};

export type GovernanceEntityTable = {
  kind: string;
  id: string;
  spec: string;
  position: number;
  version: number;
};

export type CredentialTable = {
  id: string;
  fingerprint: string;
  kind: string;
  name: string;
  class_id: string | null;
  source_id: string | null;
  status: string;
  subject: string | null;
  issuer: string | null;
  serial: string | null;
  sans: string;
  not_before: IsoTime | null;
  not_after: IsoTime | null;
  /** not_after, or neverExpires when there is none: a sort key both databases order alike. */
  expiry_order: IsoTime;
  key_algorithm: string | null;
  key_size: number | null;
  is_ca: Flag;
  signature_algorithm: string | null;
  external_id: string | null;
  storage_location: string | null;
  managed_storage: Flag | null;
  exposed_to: string;
  last_rotated_at: IsoTime | null;
  supersedes: string | null;
  superseded_by: string | null;
  search_text: string;
  imported_from: string | null;
  created_at: IsoTime;
  updated_at: IsoTime;
};

export type CredentialWorkloadTable = {
  credential_id: string;
  workload_id: string;
};

export type ApiTokenTable = {
  id: string;
  name: string;
  principal: string;
  role: string;
  token_hash: string;
  created_at: IsoTime;
  created_by: string;
  expires_at: IsoTime;
  revoked_at: IsoTime | null;
  last_used_at: IsoTime | null;
};

export type AuditEventTable = {
  seq: Generated<number>;
  at: IsoTime;
  actor: string;
  action: string;
  target: string;
  request_id: string | null;
  governance_version: number | null;
  details: string;
};

export type DatabaseSchema = {
  governance_versions: GovernanceVersionTable;
  governance_entities: GovernanceEntityTable;
  credentials: CredentialTable;
  credential_workloads: CredentialWorkloadTable;
  api_tokens: ApiTokenTable;
  audit_events: AuditEventTable;
};
