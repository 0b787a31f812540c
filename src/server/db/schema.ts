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
  scope: string;
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
  /** Dense, from 0, in the order appended: the entry's leaf in the Merkle tree. Null only before migration 0004 ran. */
  leaf_index: number | null;
  leaf_hash: string | null;
};

/** A complete node of the audit log's Merkle tree: level 0 the leaves, then the perfect subtrees above them. */
export type AuditTreeNodeTable = { level: number; idx: number; hash: string };

/** The audit log's one state row (id 1): its size and right edge. */
export type AuditLogStateTable = { id: number; size: number; frontier: string; key_id: string | null; origin: string | null };

/** A signed checkpoint of the audit log, one per size. */
export type AuditCheckpointTable = { size: number; root: string; at: string; note: string };

export type ChangeTable = {
  id: string;
  class_id: string;
  action: string;
  status: string;
  requester: string;
  reason: string;
  ticket: string | null;
  trigger: string | null;
  due_at: IsoTime | null;
  requested_at: IsoTime;
  stale_at: IsoTime;
  updated_at: IsoTime;
  governance_version: number;
  approvals_needed: number;
  pre_approved_by: string | null;
  executor: string | null;
  executed_at: IsoTime | null;
  verifier: string | null;
  verified_at: IsoTime | null;
  playbook_id: string | null;
  /** Who ordered a change the system principal requested (an offboarding's administrator). */
  ordered_by: string | null;
  connector: string | null;
  /** JSON ChangeSpec: what the change asks for (a CSR, names, a workload, a secret's name). */
  spec: string;
  /** Bumped by every transition; an update names the revision it read, so racing transitions cannot both win. */
  revision: number;
};

export type ChangeCredentialTable = { change_id: string; credential_id: string; position: number };

export type ChangeEventTable = {
  change_id: string;
  seq: number;
  at: IsoTime;
  actor: string;
  /** The person behind the actor when the step was taken (a service account's owner); null: the actor itself. */
  person: string | null;
  step: string;
  governance_version: number;
  /** JSON: the Cedar policies that decided the step. */
  policies: string;
  /** JSON: what the step recorded (approval note, evidence, checks). Never secret values. */
  details: string;
};

export type ReviewTable = {
  id: string;
  change_id: string;
  playbook_id: string;
  class_id: string;
  accountable: string;
  /** Who executed the emergency change: never its reviewer. */
  executor: string;
  opened_at: IsoTime;
  due_at: IsoTime;
  status: string;
  completed_by: string | null;
  completed_at: IsoTime | null;
  note: string | null;
};

export type DeniedAttemptTable = {
  seq: Generated<number>;
  at: IsoTime;
  principal: string;
  action: string;
  resource: string;
  class_id: string | null;
  code: string;
  reason: string;
  governance_version: number | null;
  request_id: string | null;
};

export type DelegationRevocationTable = { delegation_id: string; revoked_at: IsoTime; revoked_by: string; reason: string };

export type OutboxTable = {
  seq: Generated<number>; created_at: IsoTime; topic: string; payload: string; delivered_at: IsoTime | null;
  /** Deliveries tried so far; the next waits until next_attempt_at (null: at once). */
  attempts: Generated<number>; next_attempt_at: IsoTime | null; last_error: string | null;
};

export type SigningKeyTable = { id: string; purpose: string; backend: string; algorithm: string; stored: string; created_at: IsoTime };

export type CertificateAuthorityTable = {
  id: string;
  source_id: string;
  name: string;
  parent_id: string | null;
  key_id: string;
  /** PEM. */
  certificate: string;
  serial: string;
  not_after: IsoTime;
  ocsp_certificate: string | null;
  ocsp_key_id: string | null;
  /** The number of the last CRL issued (RFC 5280 §5.2.3). */
  crl_number: number;
  created_at: IsoTime;
};

export type IssuedCertificateTable = {
  ca_id: string;
  serial: string;
  credential_id: string;
  change_id: string | null;
  issued_at: IsoTime;
  not_after: IsoTime;
  certificate: string;
  revoked_at: IsoTime | null;
  revocation_reason: string | null;
  /** The number of the first CRL recorded to name it once revoked (0: named before that was recorded); null while none has (migration 0009). */
  listed_in_crl: number | null;
};

/** The latest CRL of each CA; its DER is in crl_parts under its number. */
export type CrlTable = { ca_id: string; crl_number: number; this_update: IsoTime; next_update: IsoTime; revoked_count: number; bytes: number };
/** A CRL's DER in parts of at most crlPartBytes (migration 0008), in order of `part`. */
export type CrlPartTable = { ca_id: string; crl_number: number; part: number; der: Buffer };

export type SecretVersionTable = {
  credential_id: string;
  version: number;
  sealed: string | null;
  status: string;
  created_at: IsoTime;
  expires_at: IsoTime | null;
  change_id: string | null;
  reveal_to: string | null;
  revealed_at: IsoTime | null;
  revealed_by: string | null;
  destroyed_at: IsoTime | null;
};

export type AlertTable = {
  id: string; type: string; target: string; class_id: string | null;
  /** "type target" while the alert is not resolved, null after: unique, so an open finding has one alert. */
  open_key: string | null;
  severity: string; stage: string; state: string; summary: string;
  /** JSON: the finding's facts (expiry, window, partner…). */
  details: string;
  /** JSON person ids: who is told now, and who is told if nobody acknowledges in time. */
  recipients: string; escalate_to: string;
  opened_at: IsoTime; updated_at: IsoTime;
  acknowledged_by: string | null; acknowledged_at: IsoTime | null; note: string | null;
  escalated_at: IsoTime | null; resolved_at: IsoTime | null; resolved_by: string | null;
};

/** Who holds the right to run a kind of scheduled work, until when (leader election). */
export type SchedulerLeaseTable = { name: string; holder: string; acquired_at: IsoTime; expires_at: IsoTime };

export type JobRunTable = { name: string; last_run_at: IsoTime; last_node: string };

export type OffboardingTable = {
  id: string; subject: string; at: IsoTime; by: string; reason: string; plan: string;
  reinstated_at: IsoTime | null; reinstated_by: string | null; reinstated_reason: string | null;
};

export type PostureSnapshotTable = { day: string; at: IsoTime; metrics: string };

export type DatabaseSchema = {
  governance_versions: GovernanceVersionTable;
  governance_entities: GovernanceEntityTable;
  credentials: CredentialTable;
  credential_workloads: CredentialWorkloadTable;
  api_tokens: ApiTokenTable;
  audit_events: AuditEventTable;
  audit_tree_nodes: AuditTreeNodeTable;
  audit_log_state: AuditLogStateTable;
  audit_checkpoints: AuditCheckpointTable;
  changes: ChangeTable;
  change_credentials: ChangeCredentialTable;
  change_events: ChangeEventTable;
  reviews: ReviewTable;
  denied_attempts: DeniedAttemptTable;
  delegation_revocations: DelegationRevocationTable;
  outbox: OutboxTable;
  signing_keys: SigningKeyTable;
  certificate_authorities: CertificateAuthorityTable;
  issued_certificates: IssuedCertificateTable;
  crls: CrlTable;
  crl_parts: CrlPartTable;
  secret_versions: SecretVersionTable;
  alerts: AlertTable;
  scheduler_leases: SchedulerLeaseTable;
  job_runs: JobRunTable;
  offboardings: OffboardingTable;
  posture_snapshots: PostureSnapshotTable;
};
