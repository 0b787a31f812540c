// An in-process Trustplane for decision-rights tests: services on a fixed clock, the HTTP app, the
// example governance (or a variant of it) applied, a pool of internal-mtls certificates and payments API
// keys in the inventory, and one full-scope token per person. Every step goes through the API as the
// person named, so what a test asserts is what a user of the API would see.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createHttpApp, createServices } from '../../src/server/main.ts';
import type { ServiceOptions, Services } from '../../src/server/main.ts';
import { fixedClock } from '../../src/server/platform.ts';
import { keyEncryptionKey } from '../../src/server/keys/key-envelope.ts';
import type { PkiFetch } from '../../src/server/connectors/certificate-probes.ts';
import type { Pkcs11Settings } from '../../src/server/signers/pkcs11-signer.ts';
import type { DatabaseTarget, TestDatabase } from './databases.ts';
import { bearer, exampleGovernance } from './server-fixture.ts';

/**
 * Instants the tests act at. Globex's delegation opens "0 22 * * 1-5" for 4h in Europe/Berlin, which is
 * UTC+1 in November: Tuesday 24 November 2026 22:30 Berlin is inside a window, Wednesday 12:00 is not,
 * and the next window opens on Wednesday at 22:00 Berlin (21:00Z).
 */
export const instants = {
  tuesdayNight: new Date('2026-11-24T21:30:00Z'),
  wednesdayNoon: new Date('2026-11-25T11:00:00Z'),
  wednesdayWindowOpens: '2026-11-25T21:00:00Z',
} as const;

/** Where certificates issued in tests say Trustplane is. */
export const fixturePublicUrl = 'http://trustplane.test';

export const people = ['carol', 'dave', 'ivan', 'erin', 'lena', 'frank', 'hana', 'kofi', 'gina', 'tom'] as const;
export type Person = (typeof people)[number];

export type Pools = { 'internal-mtls': string[]; 'payments-api-keys': string[] };

export type ChangeView = { id: string; status: string; revision: number; approvals: string[]; executor: string | null; events: { step: string; actor: string }[] };

export type DecisionRightsFixture = {
  database: TestDatabase;
  services: Services;
  app: FastifyInstance;
  clock: ReturnType<typeof fixedClock>;
  /** Sends a request as the person, with that person's token. */
  as(person: Person, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse>;
  /** A credential of the class that no change has touched yet. */
  freshCredential(classId: keyof Pools): string;
  /** Reads a change as the API shows it. */
  change(id: string): Promise<ChangeView>;
  close(): Promise<void>;
};

const day = 86_400_000;

/** An inventory export of `count` credentials of one class (metadata only, as a vault or CA would export it). */
const inventoryExport = (classId: keyof Pools, count: number): string => JSON.stringify({
  credentials: Array.from({ length: count }, (_, index) => (classId === 'internal-mtls'
    ? { kind: 'x509_certificate', id: `mtls-${index}`, name: `service-${index}.svc.acme.internal`, source: 'internal-ca', class: classId, notAfter: '2027-03-01T00:00:00Z' }
    : { kind: 'api_key', id: `pay-${index}`, name: `payments-key-${index}`, source: 'vault', class: classId, notAfter: '2027-03-01T00:00:00Z' })),
});

export const startDecisionRightsFixture = async (
  target: DatabaseTarget, options: { governance?: string; credentials?: number; at?: Date; pkcs11?: Pkcs11Settings; services?: Pick<ServiceOptions, 'monitor' | 'notifications'> } = {},
): Promise<DecisionRightsFixture> => {
  const database = await target.create();
  const clock = fixedClock(options.at ?? instants.tuesdayNight);
  // Verification probes fetch /pki URLs as a relying party would; here they reach the app in-process.
  let served: FastifyInstance | null = null;
  const pkiFetch: PkiFetch = async (url, init) => {
    if (served === null || !url.startsWith(fixturePublicUrl)) throw new Error(`the fixture serves only ${fixturePublicUrl}, not ${url}`);
    const response = await served.inject({
      method: init?.method ?? 'GET', url: url.slice(fixturePublicUrl.length),
      ...(init === undefined ? {} : { headers: { 'content-type': init.contentType }, payload: Buffer.from(init.body) }),
    });
    return { status: response.statusCode, body: response.rawPayload };
  };
  const services = createServices(database.database, {
    clock, masterKey: keyEncryptionKey(randomBytes(32)), publicUrl: () => fixturePublicUrl, pkiFetch, ...(options.pkcs11 === undefined ? {} : { pkcs11: options.pkcs11 }), ...options.services,
  });
  const app = await createHttpApp(database.database, services);
  served = app;
  await services.governance.apply({ document: options.governance ?? exampleGovernance, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
  const count = options.credentials ?? 40;
  const pools: Pools = { 'internal-mtls': [], 'payments-api-keys': [] };
  for (const classId of Object.keys(pools) as (keyof Pools)[]) {
    await services.inventory.importFiles([{ name: `${classId}.json`, bytes: Buffer.from(inventoryExport(classId, count)) }], {}, 'system:bootstrap');
    const page = await services.inventory.list({ classId, page: 1, pageSize: count, sort: 'name', descending: false });
    assert.equal(page.items.length, count, `the ${classId} pool was imported`);
    pools[classId] = page.items.map((credential) => credential.id);
  }
  const tokens = new Map<Person, string>();
  for (const person of people) {
    const created = await services.tokens.create({ principal: `person:${person}`, scope: 'full', name: 'decision-rights test', expiresInMs: 365 * day, actor: 'system:bootstrap' });
    tokens.set(person, created.token);
  }
  const as: DecisionRightsFixture['as'] = (person, method, url, payload) =>
    app.inject({ method, url, headers: bearer(tokens.get(person) ?? ''), ...(payload === undefined ? {} : { payload }) });
  return {
    database, services, app, clock, as,
    freshCredential(classId) {
      const id = pools[classId].shift();
      if (id === undefined) throw new Error(`the ${classId} pool is used up; start the fixture with more credentials`);
      return id;
    },
    async change(id) {
      const response = await as('carol', 'GET', `/api/v1/changes/${id}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    },
    close: async () => {
      await app.close();
      await services.signers?.close();
      await database.destroy();
    },
  };
};
