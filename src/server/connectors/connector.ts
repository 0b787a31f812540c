// What executes an approved change against the world: a CA, a vault, a person at a console. Each
// connector registers under its id (registry.ts); the change service never branches on which one runs.
// Execution runs after the transaction that claimed the change, never inside one (DESIGN.md).
import type { Change } from '../../core/changes/change-lifecycle.ts';
import type { CredentialFacts } from '../../core/inventory/index.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';

/** What the executor hands over: evidence of what was done. Never a private key or a secret value. */
export type ExecutionEvidence = {
  /** A ticket, a console URL, a job id. */
  reference?: string;
  /** The new certificate (or public key) in PEM, for issue, renew and rotate. */
  pem?: string;
  note?: string;
};

export type ConnectorInput = {
  change: Change;
  credentials: readonly CredentialRecord[];
  evidence: ExecutionEvidence;
  at: Date;
};

/** What the change service applies to the inventory once execution is over, in the transaction that records it. */
export type ConnectorResult =
  | {
    ok: true;
    summary: string;
    /** Recorded with the change: identifiers, references, fingerprints. */
    evidence: Record<string, unknown>;
    /** New credentials (issue, renew, rotate); renew and rotate supersede the change's credentials. */
    produced: readonly { entry: string; facts: CredentialFacts }[];
    /** The status the change's own credentials end in, if any. */
    credentialStatus: 'revoked' | 'retired' | null;
  }
  | { ok: false; summary: string; evidence: Record<string, unknown> };

export type Connector = {
  id: string;
  description: string;
  /**
   * Checks the executor's evidence before the change is claimed, so a mistake refuses the step rather
   * than failing the change; says which credentials (by fingerprint) the evidence would add.
   */
  checkEvidence(evidence: ExecutionEvidence): { problem: string } | { fingerprints: readonly string[] };
  execute(input: ConnectorInput): Promise<ConnectorResult>;
};
