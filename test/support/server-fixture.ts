// An in-process Trustplane (services and Fastify app, no socket) on a test database, with the
// example governance applied on request and an admin and a reader token.
import type { FastifyInstance } from 'fastify';
import { createHttpApp, createServices } from '../../src/server/main.ts';
import type { Services } from '../../src/server/main.ts';
import { exampleGovernanceAt } from '../../src/server/demo/example-governance.ts';
import { systemClock } from '../../src/server/platform.ts';
import type { DatabaseTarget, TestDatabase } from './databases.ts';

/** examples/governance.yaml, its delegations' ends moved so that none has ended today (see example-governance.ts). */
export const exampleGovernance = exampleGovernanceAt(new Date());

export type ServerFixture = {
  database: TestDatabase;
  services: Services;
  app: FastifyInstance;
  adminToken: string;
  readerToken: string;
  close(): Promise<void>;
};

export const startServerFixture = async (target: DatabaseTarget, options: { governance: boolean }): Promise<ServerFixture> => {
  const database = await target.create();
  const services = createServices(database.database, { clock: systemClock });
  const app = await createHttpApp(database.database, services);
  const { token: bootstrap } = await services.tokens.createBootstrap({ name: 'test', expiresInMs: 86_400_000, actor: 'system:bootstrap' });
  let adminToken = bootstrap;
  let readerToken = '';
  if (options.governance) {
    await services.governance.apply({ document: exampleGovernance, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    adminToken = (await services.tokens.create({ principal: 'person:carol', scope: 'full', name: 'test', expiresInMs: 86_400_000, actor: 'system:bootstrap' })).token;
    readerToken = (await services.tokens.create({ principal: 'person:frank', scope: 'read-only', name: 'test', expiresInMs: 86_400_000, actor: 'system:bootstrap' })).token;
  }
  return {
    database, services, app, adminToken, readerToken,
    close: async () => {
      await app.close();
      await database.destroy();
    },
  };
};

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
