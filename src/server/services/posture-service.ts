// Posture (issue 6): where the organisation stands, as the metrics of frameworks.md §10.2 that its data
// supports, each beside the industry figure it answers; computed with aggregates over the inventory and
// the changes (never by reading every credential), and kept once a day for a trend.
import { durationMsOf } from '../../core/duration.ts';
import { departedPeopleOf, monitorContext } from '../../core/monitor/monitor-context.ts';
import { computePosture, isPublicTlsClass } from '../../core/monitor/posture.ts';
import type { Posture, PostureGovernance } from '../../core/monitor/posture.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import { createPostureStore } from '../stores/posture-store.ts';
import type { AuthzService } from './authz-service.ts';
import type { Database } from '../db/database.ts';

export type PostureTrendPoint = { day: string; at: string; values: Record<string, number | null> };
export type PostureReport = { posture: Posture; trend: PostureTrendPoint[] };

/** Days of snapshots a report shows as its trend. */
const trendDays = 90;

export const createPostureService = ({ unitOfWork, clock, authz, database }: { unitOfWork: UnitOfWork; clock: Clock; authz: AuthzService; database: Database }) => {
  // Aggregates only read: they run outside a transaction, so a large inventory never holds the database.
  const store = createPostureStore(database.db, database.capabilities);

  const governanceFacts = async (at: Date): Promise<PostureGovernance> => unitOfWork(async (tx) => {
    const snapshot = await authz.snapshot(tx);
    const governance = snapshot.governance;
    const offboarded = await tx.monitor.offboarded();
    const revoked = await tx.authz.revocations();
    const context = monitorContext(governance, { offboarded, revokedDelegations: new Set(revoked.keys()) }, at, []);
    const departed = departedPeopleOf(offboarded);
    return {
      classes: (governance?.classes ?? []).map((entry) => ({
        id: entry.id, technicalOwner: entry.technicalOwner, businessOwner: entry.businessOwner,
        rotateEveryMs: durationMsOf(entry.policy.rotateEvery), maxLifetimeMs: durationMsOf(entry.policy.maxLifetime),
        renewPreApproved: entry.decisionRights.renew?.preApproved === true, public: isPublicTlsClass(entry.id),
      })),
      currentPeople: context.currentPeople, departedPeople: departed, customerOrg: governance?.organization.id ?? null, liveDelegations: context.liveDelegations,
    };
  });

  const compute = async (at: Date): Promise<Posture> => computePosture(await store.inputs({ at, governance: await governanceFacts(at) }), at);

  return {
    /** The posture now, with the daily snapshots before it. */
    async report(): Promise<PostureReport> {
      const posture = await compute(clock.now());
      const snapshots = await store.snapshots(trendDays);
      const trend = snapshots.map((snapshot) => ({
        day: snapshot.day, at: snapshot.at, values: Object.fromEntries(snapshot.posture.metrics.map((metric) => [metric.id, metric.value])),
      }));
      return { posture, trend };
    },

    /** Records today's posture (the scheduler does, once a day); returns it. */
    async snapshot(): Promise<Posture> {
      const at = clock.now();
      const posture = await compute(at);
      await unitOfWork((tx) => tx.posture.saveSnapshot(at.toISOString().slice(0, 10), at, posture));
      return posture;
    },
  };
};

export type PostureService = ReturnType<typeof createPostureService>;
