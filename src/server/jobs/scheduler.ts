// Periodic work with leader election (DESIGN.md, Storage: "scheduled work is claimed with … an
// advisory-lock lease"). Every node ticks; the node holding the `leader` lease runs what is due, so with
// several nodes on one PostgreSQL only one sweeps. The lease is a row: taken with a compare-and-set that
// succeeds only for its holder or once it has lapsed, renewed every tick (and while a long job runs), and
// lapsing after three ticks, so a leader that stops is replaced within about that. The same statements
// work on SQLite, where there is one node anyway.
//
// Each run of a job is claimed with a compare-and-set on its last run, so a leader paused past its lease
// and its successor never both run it. Node clocks are assumed to agree (NTP): leases and runs compare
// instants each node reads from its own clock.
import type { Database } from '../db/database.ts';
import type { Clock } from '../platform.ts';

export type ScheduledJob = {
  name: string;
  /** Whether the job is due, given when it last ran on any node (null: never). */
  due(lastRunAt: Date | null, now: Date): boolean;
  run(now: Date): Promise<void>;
  /** Every node runs it each tick, leader or not (work that claims its own items, such as the outbox). */
  everyNode?: boolean;
};

export type SchedulerDeps = {
  database: Database; clock: Clock; nodeId: string; tickMs: number; jobs: readonly ScheduledJob[];
  onError: (error: unknown, job: string) => void;
};

const leaseName = 'leader';

/** Due every `everyMs`, measured from the last run on any node. */
export const every = (everyMs: number) => (lastRunAt: Date | null, now: Date): boolean =>
  lastRunAt === null || now.getTime() - lastRunAt.getTime() >= everyMs;

/** Due once a day at `minutes` past midnight UTC: when that moment has come today and the last run was before it. */
export const dailyAt = (minutes: number) => (lastRunAt: Date | null, now: Date): boolean => {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + minutes * 60_000;
  return now.getTime() >= today && (lastRunAt === null || lastRunAt.getTime() < today);
};

export const createScheduler = ({ database, clock, nodeId, tickMs, jobs, onError }: SchedulerDeps) => {
  const { db } = database;
  const leaseMs = 3 * tickMs;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;

  /** Takes or renews the lease; true when this node leads until the lease's end. */
  const lead = async (): Promise<boolean> => {
    const now = clock.now();
    const nowIso = now.toISOString();
    const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
    const renewed = await db.updateTable('scheduler_leases')
      .set((eb) => ({ holder: nodeId, expires_at: expiresAt, acquired_at: eb.case().when('holder', '=', nodeId).then(eb.ref('acquired_at')).else(nowIso).end() }))
      .where('name', '=', leaseName)
      .where((eb) => eb.or([eb('holder', '=', nodeId), eb('expires_at', '<=', nowIso)]))
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) === 1) return true;
    try {
      await db.insertInto('scheduler_leases').values({ name: leaseName, holder: nodeId, acquired_at: nowIso, expires_at: expiresAt }).execute();
      return true;
    } catch (error) {
      if (database.capabilities.isUniqueViolation(error)) return false;
      throw error;
    }
  };

  const lastRuns = async (): Promise<Map<string, Date>> => {
    const rows = await db.selectFrom('job_runs').select(['name', 'last_run_at']).execute();
    return new Map(rows.map((row) => [row.name, new Date(row.last_run_at)]));
  };

  /**
   * Claims a due job for this run: a compare-and-set on its last run, so that of two nodes that both
   * think they lead (one paused past its lease) only one runs it. Recorded before it runs, so a job that
   * fails waits for its next turn rather than running every tick.
   */
  const claim = async (name: string, lastRunAt: Date | null, at: Date): Promise<boolean> => {
    if (lastRunAt === null) {
      try {
        await db.insertInto('job_runs').values({ name, last_run_at: at.toISOString(), last_node: nodeId }).execute();
        return true;
      } catch (error) {
        if (database.capabilities.isUniqueViolation(error)) return false;
        throw error;
      }
    }
    const updated = await db.updateTable('job_runs').set({ last_run_at: at.toISOString(), last_node: nodeId })
      .where('name', '=', name).where('last_run_at', '=', lastRunAt.toISOString()).executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  };

  const tick = async (): Promise<{ leader: boolean; ran: string[] }> => {
    const ran: string[] = [];
    // The lease first: work every node does (delivering the outbox) may take a while, and must not let it lapse.
    let leading = await lead();
    for (const job of jobs.filter((entry) => entry.everyNode === true)) {
      try {
        await job.run(clock.now());
        ran.push(job.name);
      } catch (error) {
        onError(error, job.name);
      }
    }
    if (!leading) return { leader: false, ran };
    const runs = await lastRuns();
    // A long job keeps the lease: renewed every tick while it runs; once lost, no further job starts here.
    const heartbeat = setInterval(() => {
      lead().then((still) => { leading = leading && still; }, (error: unknown) => onError(error, 'renewing the leader lease'));
    }, tickMs);
    try {
      for (const job of jobs.filter((entry) => entry.everyNode !== true)) {
        const now = clock.now();
        if (!leading || !job.due(runs.get(job.name) ?? null, now)) continue;
        if (!await claim(job.name, runs.get(job.name) ?? null, now)) continue;
        try {
          await job.run(now);
          ran.push(job.name);
        } catch (error) {
          onError(error, job.name);
        }
      }
    } finally {
      clearInterval(heartbeat);
    }
    return { leader: true, ran };
  };

  return {
    tick,
    start(): void {
      if (timer !== null) return;
      const run = (): void => {
        if (ticking !== null) return;
        ticking = tick().catch((error: unknown) => onError(error, 'the scheduler')).finally(() => { ticking = null; });
      };
      timer = setInterval(run, tickMs);
      timer.unref();
      setImmediate(run);
    },
    /** Stops ticking, waits for a tick under way, and gives the lease up so another node leads at once. */
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await ticking;
      await db.deleteFrom('scheduler_leases').where('name', '=', leaseName).where('holder', '=', nodeId).execute().catch(() => undefined);
    },
    /** Who leads now, and until when (null when nobody holds a live lease). */
    async leader(): Promise<{ holder: string; since: string; until: string } | null> {
      const row = await db.selectFrom('scheduler_leases').selectAll().where('name', '=', leaseName).executeTakeFirst();
      if (row === undefined || row.expires_at <= clock.now().toISOString()) return null;
      return { holder: row.holder, since: row.acquired_at, until: row.expires_at };
    },
  };
};

export type Scheduler = ReturnType<typeof createScheduler>;
