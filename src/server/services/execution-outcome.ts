// Recording what a connector reported, once it has run outside any transaction: in one transaction, the
// change moves to executed (with what it produced in the inventory and the connector's own records) or
// to failed. If that transaction fails after the connector succeeded, the change fails in another, so
// that it does not wait out its execution lease.
import type { Change } from '../../core/changes/change-lifecycle.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { ConnectorResult } from '../connectors/connector.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { ChangeJournal } from './change-journal.ts';
import { toUpsert } from './inventory-service.ts';

type Executor = { ref: string; requestId?: string };

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

  return {
    /** Records what the connector reported about an executing change; the change as it ends. */
    async record(actor: Executor, change: Change, result: ConnectorResult): Promise<Change> {
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
