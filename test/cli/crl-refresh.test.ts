// The CRLs' scheduled refresh is the leader's work: a server started on a data directory whose CA has no
// CRL yet publishes one within a tick of the scheduler, without anyone asking for it, and records the
// run as the job `crls.refresh`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import { loadConfig } from '../../src/server/config/config.ts';
import { startServer } from '../../src/server/main.ts';
import { databaseTargets } from '../support/databases.ts';
import { initialisedDataDir } from '../support/cli-runner.ts';
import { waitFor } from '../support/processes.ts';

for (const target of databaseTargets) {
  describe(`the CRLs' scheduled refresh on ${target.name}`, () => {
    let initialised: Awaited<ReturnType<typeof initialisedDataDir>>;
    let databaseEnv: NodeJS.ProcessEnv;
    let dataDir: string;

    before(async () => {
      initialised = await initialisedDataDir(target);
      ({ databaseEnv, dataDir } = initialised);
    });
    after(() => initialised?.drop());

    test('the leader publishes a CRL for a CA that has none, unasked', async () => {
      const database = await openDatabase(locateDatabase(dataDir, databaseEnv.TRUSTPLANE_DATABASE_URL || undefined));
      try {
        const crls = async () => (await sql<{ ca_id: string; crl_number: number | string }>`select ca_id, crl_number from crls order by ca_id`.execute(database.db)).rows;
        const before = await crls();
        await sql`delete from crl_parts`.execute(database.db);
        await sql`delete from crls`.execute(database.db);
        const server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }, { ...databaseEnv, TRUSTPLANE_SCHEDULER_TICK: '200ms' }));
        try {
          const published = await waitFor('the leader to publish the CRLs', async () => {
            const rows = await crls();
            return rows.length > 0 && rows.length >= before.length ? rows : undefined;
          }, 20_000);
          assert.ok(published.some((row) => row.ca_id === 'internal-ca'), JSON.stringify(published));
          const runs = await sql<{ last_node: string }>`select last_node from job_runs where name = 'crls.refresh'`.execute(database.db);
          assert.equal(runs.rows.length, 1, 'recorded as a run of crls.refresh');
        } finally {
          await server.close();
        }
      } finally {
        await database.close();
      }
    });
  });
}
