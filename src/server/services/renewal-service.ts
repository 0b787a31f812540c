// Automatic renewal (issue 6): for classes whose renew decision is pre-approved, certificates the built-in
// CA issued are renewed inside the class's renew-before window without anyone asking. Each renewal is an
// ordinary change, decided by Cedar step by step: the renewal job (system:renewal) requests it, the
// system principal approves it under the accountable person's pre-authorisation, the renewal job executes
// it through the built-in CA, and the probes (system:probes) verify it. A renewal that fails is left as a
// failed change, is not tried again for a day, and makes the certificate's expiring alert high at least,
// so its owners hear of it.
import { systemPrincipals } from '../../core/authz/governance-policies.ts';
import { durationMsOf } from '../../core/duration.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { AuthzService } from './authz-service.ts';
import type { ChangeService } from './change-service.ts';

export type RenewalOutcome = { credential: string; name: string; change: string | null; status: string; problem: string | null };
export type RenewalReport = { at: string; considered: number; renewed: number; failed: number; outcomes: RenewalOutcome[] };

/** A failed automatic renewal waits this long before the job tries that certificate again. */
export const renewalRetryAfterMs = 86_400_000;

/** At most this many renewals a run: a backlog drains over several runs instead of holding one for long. */
const perRun = 200;

export const createRenewalService = ({ unitOfWork, clock, authz, changes }: { unitOfWork: UnitOfWork; clock: Clock; authz: AuthzService; changes: ChangeService }) => {
  const renewer = { ref: systemPrincipals.renewal, readOnly: false };
  const probes = { ref: systemPrincipals.probes, readOnly: false };

  const due = () => unitOfWork(async (tx) => {
    const snapshot = await authz.snapshot(tx);
    const now = clock.now();
    const failedSince = { requester: renewer.ref, since: new Date(now.getTime() - renewalRetryAfterMs).toISOString() };
    const found: { id: string; name: string; notAfter: string; classId: string; renewBefore: string }[] = [];
    for (const entry of snapshot.governance?.classes ?? []) {
      const renewBeforeMs = durationMsOf(entry.policy.renewBefore);
      if (entry.decisionRights.renew?.preApproved !== true || renewBeforeMs === null) continue;
      const before = new Date(now.getTime() + renewBeforeMs).toISOString();
      for (const credential of await tx.monitor.renewable(entry.id, now.toISOString(), before, perRun, failedSince)) {
        found.push({ ...credential, classId: entry.id, renewBefore: entry.policy.renewBefore as string });
      }
    }
    return found.slice(0, perRun);
  });

  // Runs on one node go one after another (the scheduler's and an administrator's sweep), so that two
  // never request the same renewal; across nodes only the leader runs them, and a change already in
  // progress keeps a second request out.
  let running: Promise<unknown> = Promise.resolve();

  const renewDueNow = async (): Promise<RenewalReport> => {
    const at = clock.now().toISOString();
    const outcomes: RenewalOutcome[] = [];
    for (const credential of await due()) {
      let changeId: string | null = null;
      try {
        const requested = await changes.request(renewer, {
          action: 'renew', credentialIds: [credential.id],
          reason: `automatic renewal: expires at ${credential.notAfter}, inside ${credential.classId}'s renew-before window (${credential.renewBefore})`,
        });
        changeId = requested.id;
        if (requested.status !== 'approved') {
          outcomes.push({ credential: credential.id, name: credential.name, change: changeId, status: requested.status, problem: 'the pre-approval did not approve it; it waits for its approvers' });
          continue;
        }
        const executed = await changes.execute(renewer, changeId, {});
        if (executed.status !== 'executed') {
          outcomes.push({ credential: credential.id, name: credential.name, change: changeId, status: executed.status, problem: String(executed.events.at(-1)?.details.summary ?? 'the execution failed') });
          continue;
        }
        const verified = await changes.verify(probes, changeId, { checks: [] }).catch(async (error: unknown) => {
          // The probes could not run (the CA's URLs unreachable, say): recorded as a failed verification,
          // so the change does not wait for a verifier forever and the owners hear of it.
          const why = error instanceof Error ? error.message : String(error);
          return changes.verify(probes, changeId as string, { outcome: 'failed', checks: [`the verification probes could not run: ${why}`] });
        });
        const failedProbes = (verified.events.at(-1)?.details.probes as { name: string; passed: boolean; detail?: string }[] | undefined)?.filter((probe) => !probe.passed) ?? [];
        outcomes.push({
          credential: credential.id, name: credential.name, change: changeId, status: verified.status,
          problem: verified.status === 'verified' ? null : failedProbes.length > 0 ? `probes failed: ${failedProbes.map((probe) => `${probe.name}${probe.detail === undefined ? '' : ` (${probe.detail})`}`).join('; ')}` : String(verified.events.at(-1)?.details.checks ?? 'verification failed'),
        });
      } catch (error) {
        outcomes.push({ credential: credential.id, name: credential.name, change: changeId, status: 'refused', problem: error instanceof Error ? error.message : String(error) });
      }
    }
    const renewed = outcomes.filter((outcome) => outcome.status === 'verified').length;
    return { at, considered: outcomes.length, renewed, failed: outcomes.length - renewed, outcomes };
  };

  return {
    /** Renews what is due now, one change each, and reports how each went. */
    renewDue(): Promise<RenewalReport> {
      const run = running.then(renewDueNow);
      running = run.catch(() => undefined);
      return run;
    },
  };
};

export type RenewalService = ReturnType<typeof createRenewalService>;
