// Recording what a connector reported, once it has run outside any transaction. What it made is first
// held to the class policy (produced-credential-policy.ts); a refusal fails the change, saying why, and
// records none of it. Then, in one transaction, the change moves to executed (with what it produced in
// the inventory and the connector's own records) or to failed. If that transaction fails after the
// connector succeeded, the change fails in another, so that it does not wait out its execution lease.
import type { Change } from '../../core/changes/change-lifecycle.ts';
import { producedCredentialProblems } from '../../core/changes/produced-credential-policy.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { Governance } from '../../core/governance/index.ts';
import type { ConnectorResult } from '../connectors/connector.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import { pemToDer } from './ca-service.ts';
import type { ChangeJournal } from './change-journal.ts';
import { issuingSourcesOf } from '../stores/ca-store.ts';
import { toUpsert } from './inventory-service.ts';

type Executor = { ref: string; requestId?: string };

/** The change as it was claimed: the credentials it acts on, and the governance it executes under. */
export type ExecutedChange = { change: Change; credentials: readonly CredentialRecord[]; governance: Governance };

export type ExecutionOutcomeDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  journal: ChangeJournal;
  loadChange(tx: UnitOfWorkContext, id: string): Promise<Change>;
  onSideEffectError: ((error: unknown, context: string) => void) | undefined;
};

export const createExecutionOutcome = ({ unitOfWork, clock, journal, loadChange, onSideEffectError }: ExecutionOutcomeDeps) => {
  const { record, notify, advance: next } = journal;

  const versionIn = async (tx: UnitOfWorkContext, change: Change): Promise<number> => (await tx.governance.currentVersion())?.version ?? change.governanceVersion;

  /** The change failed: recorded with why, and its requester and executor told. */
  const fail = async (tx: UnitOfWorkContext, actor: Executor, current: Change, version: number, details: { summary: string; evidence: Record<string, unknown> }): Promise<Change> => {
    const failed = next(current, { status: 'failed' });
    await tx.changes.update(failed);
    await record(tx, actor, failed, 'fail', version, null, details);
    await notify(tx, failed, 'failed', [failed.requester, ...(failed.executor === null ? [] : [failed.executor])]);
    return failed;
  };

  /**
   * The connector reported success but the transaction recording it failed (a key already on record, a
   * database that refused the write): nothing it made or changed was recorded, and a certificate it signed
   * was never handed out. The change fails now, with what the connector reported and why recording
   * failed, rather than staying `executing` until its lease runs out. If even that cannot be written, the
   * first error stands.
   */
  const failUnrecorded = async (actor: Executor, id: string, summary: string, evidence: Record<string, unknown>, error: unknown): Promise<Change> => {
    // The history, the audit log and the emails keep the words of Trustplane's own errors; a driver's
    // message goes to the server log only.
    onSideEffectError?.(error, `recording the outcome of change ${id}`);
    const why = error instanceof TrustplaneError ? error.message : 'the database refused the write; the server log has the details';
    try {
      return await unitOfWork(async (tx) => {
        const current = await loadChange(tx, id);
        if (current.status !== 'executing') throw error;
        return fail(tx, actor, current, await versionIn(tx, current), {
          summary: `the connector reported "${summary}", but recording it failed (${why}), so none of it is in the inventory; request a new change`, evidence,
        });
      });
    } catch (failing) {
      if (failing !== error) onSideEffectError?.(failing, `recording the failure of change ${id}`);
      throw error;
    }
  };

  /**
   * What the connector reported, with the source established for each credential it made; or, when the
   * class policy refuses any of it, a failure that says why. The CAs' certificates are read first and
   * signatures verified after, outside any transaction.
   */
  const withinPolicy = async ({ change, credentials, governance }: ExecutedChange, result: ConnectorResult): Promise<ConnectorResult> => {
    if (!result.ok || result.produced.length === 0) return result;
    const credentialClass = governance.classes.find((entry) => entry.id === change.classId);
    if (credentialClass === undefined) return { ok: false, summary: `class ${change.classId} is no longer in governance, so nothing the connector reported was recorded`, evidence: result.evidence };
    const certificates = result.produced.some((entry) => entry.facts.kind === 'x509_certificate');
    const authorities = certificates ? await unitOfWork((tx) => tx.ca.authorities()) : [];
    const verdict = producedCredentialProblems({ governance, sourcesWithCa: issuingSourcesOf(authorities) }, {
      action: change.action, spec: change.spec, credentialClass,
      replaced: credentials.map((credential) => ({ id: credential.id, subject: credential.subject, sans: credential.sans, sourceId: credential.sourceId })),
      authorities: authorities.map((ca) => ({ sourceId: ca.sourceId, der: pemToDer(ca.certificatePem) })),
      produced: result.produced, at: clock.now(),
    });
    if (verdict.problems.length > 0) {
      return {
        ok: false,
        summary: `the class policy refuses what the connector reported (${result.summary}), so nothing was recorded: ${verdict.problems.join('; ')}`,
        evidence: { ...result.evidence, policyProblems: verdict.problems },
      };
    }
    return {
      ...result,
      produced: result.produced.map((entry, index) => {
        const sourceId = verdict.sources[index] ?? null;
        return sourceId === null || entry.facts.source !== undefined ? entry : { ...entry, facts: { ...entry.facts, source: sourceId } };
      }),
    };
  };

  return {
    /** Records what the connector reported about an executing change; the change as it ends. */
    async record(actor: Executor, executed: ExecutedChange, reported: ConnectorResult): Promise<Change> {
      const { change } = executed;
      const result = await withinPolicy(executed, reported);
      let lapsed = false;
      return unitOfWork(async (tx) => {
        const current = await loadChange(tx, change.id);
        if (current.status !== 'executing') {
          lapsed = true;
          throw new TrustplaneError('CONFLICT', `change ${change.id} is ${current.status}: its execution lease ran out before the connector reported (${result.ok ? 'it succeeded' : result.summary}); check the system it acted on and request a new change`);
        }
        const now = clock.now().toISOString();
        const version = await versionIn(tx, change);
        if (!result.ok) return fail(tx, actor, current, version, { summary: result.summary, evidence: result.evidence });
        const produced = result.produced.map((entry) => toUpsert({ file: `change:${change.id}`, entry: entry.entry, facts: { ...entry.facts, classId: change.classId } }, {}, null));
        if (produced.length > 0) await (result.producedHere === true ? tx.credentials.insertNew(produced, now) : tx.credentials.upsert(produced, now));
        if (result.credentialStatus !== null) await tx.credentials.setStatus(change.credentialIds, result.credentialStatus, now);
        const replacement = produced[0];
        if (replacement !== undefined && (change.action === 'renew' || change.action === 'rotate')) {
          for (const previous of change.credentialIds) await tx.credentials.supersede(previous, replacement.id, now);
        }
        await result.record?.(tx);
        const executed = next(current, { status: 'executed', executedAt: now });
        await tx.changes.update(executed);
        await record(tx, actor, executed, 'executed', version, null, { summary: result.summary, evidence: result.evidence, produced: produced.map((upsert) => upsert.id) });
        await notify(tx, executed, 'executed', [executed.requester]);
        return executed;
      }).catch((error: unknown) => {
        if (lapsed || !result.ok) throw error;
        return failUnrecorded(actor, change.id, result.summary, result.evidence, error);
      });
    },
  };
};
