// What executes an approved change against the world: a CA, a vault, a person at a console. Each
// connector registers under its id (registry.ts); the change service never branches on which one runs.
// Execution runs after the transaction that claimed the change, never inside one (DESIGN.md).
import type { Change } from '../../core/changes/change-lifecycle.ts';
import type { CredentialClass, Governance, SourceKind } from '../../core/governance/index.ts';
import type { CredentialFacts } from '../../core/inventory/index.ts';
import type { UnitOfWorkContext } from '../db/unit-of-work.ts';
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
  /** The governance the change was claimed under, and the change's class in it. */
  governance: Governance;
  credentialClass: CredentialClass;
  /** Who executes: the person, partner or service account, or a playbook's responder. */
  executor: string;
  at: Date;
};

/**
 * A new credential and what the connector keeps about it. A certificate comes with its DER bytes, so
 * that who signed it is verified before it is recorded (produced-credential-policy.ts).
 */
export type ProducedCredential = { entry: string; facts: CredentialFacts; der?: Uint8Array };

/** What the change service applies to the inventory once execution is over, in the transaction that records it. */
export type ConnectorResult =
  | {
    ok: true;
    summary: string;
    /** Recorded with the change: identifiers, references, fingerprints. */
    evidence: Record<string, unknown>;
    /** New credentials (issue, renew, rotate); renew and rotate supersede the change's credentials. */
    produced: readonly ProducedCredential[];
    /**
     * Whether this execution made the produced credentials itself (a certificate the CA has just signed),
     * so none can be on record yet: they are inserted without being looked for first. Otherwise (a PEM
     * an executor hands over) they are merged with any record of them.
     */
    producedHere?: boolean;
    /** The status the change's own credentials end in, if any. */
    credentialStatus: 'revoked' | 'retired' | null;
    /**
     * The connector's own records (the issued certificate, the sealed secret, the revocation), written in
     * the transaction that records the outcome, so they commit or roll back with it.
     */
    record?: (tx: UnitOfWorkContext) => Promise<void>;
    /** Runs once that transaction has committed: publishing a new CRL, say. Its failure is logged, not fatal. */
    afterCommit?: () => Promise<void>;
  }
  | { ok: false; summary: string; evidence: Record<string, unknown> };

/** One check a connector makes after execution, recorded by the verify step. */
export type ProbeResult = { name: string; passed: boolean; detail: string };

export type ProbeInput = {
  change: Change;
  /** The change's own credentials (revoked, superseded) and what it produced (the new certificate, the new version). */
  credentials: readonly CredentialRecord[];
  produced: readonly CredentialRecord[];
  at: Date;
};

export type Connector = {
  id: string;
  description: string;
  /** The kinds of source whose issues it executes unless the executor names another connector. */
  sourceKinds: readonly SourceKind[];
  /** Whether it holds these credentials (issued or stores them), so that it executes their changes by default. */
  holds(tx: UnitOfWorkContext, credentialIds: readonly string[]): Promise<boolean>;
  /**
   * Checks the executor's evidence before the change is claimed, so a mistake refuses the step rather
   * than failing the change; says which credentials (by fingerprint) the evidence would add.
   */
  checkEvidence(evidence: ExecutionEvidence): { problem: string } | { fingerprints: readonly string[] };
  execute(input: ConnectorInput): Promise<ConnectorResult>;
  /** Checks, as a relying party would, that what execution claims is so; the verify step records the results. */
  probe?(input: ProbeInput): Promise<ProbeResult[]>;
};
