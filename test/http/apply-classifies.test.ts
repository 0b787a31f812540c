// An apply that adds a class or changes match rules classifies the unclassified credentials those rules
// claim, in the apply's transaction; credentials that have a class keep it. On both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { databaseTargets } from '../support/databases.ts';
import { bearer, exampleGovernance, startServerFixture } from '../support/server-fixture.ts';
import type { ServerFixture } from '../support/server-fixture.ts';
import { withLegacyClass } from '../support/legacy-class.ts';

const fixture = (name: string) => ({ name, content: readFileSync(new URL(`../fixtures/inventory/${name}`, import.meta.url)).toString('base64') });

/** The example governance with one more class, whose rule claims the test CAs' certificates. */
const governanceWithLegacyClass = withLegacyClass(exampleGovernance);

type Credential = { id: string; name: string; classId: string | null };

for (const target of databaseTargets) {
  describe(`apply classifies the inventory on ${target.name}`, () => {
    let server: ServerFixture;
    before(async () => { server = await startServerFixture(target, { governance: true }); });
    after(() => server.close());

    const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, headers: bearer(server.adminToken), payload });
    const list = async (query: string): Promise<Credential[]> =>
      (await server.app.inject({ method: 'GET', url: `/api/v1/credentials?pageSize=100&${query}`, headers: bearer(server.adminToken) })).json().items;

    test('a new class takes the unclassified credentials its rules match; the plan counts them; classified ones stay', async () => {
      // The chain's three certificates match no class of the example; the self-signed one is put in public-tls by hand.
      assert.equal((await post('/api/v1/credentials/import', { files: [fixture('chain.pem')] })).statusCode, 200);
      assert.equal((await post('/api/v1/credentials/import', { files: [fixture('ed25519-self-signed.pem')], class: 'public-tls' })).statusCode, 200);
      const unclassified = await list('unclassified=true&kind=x509_certificate');
      assert.equal(unclassified.length, 3);

      const dry = await post('/api/v1/governance/apply', { document: governanceWithLegacyClass, dryRun: true });
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual(dry.json().plan.classifies, [{ classId: 'legacy-tls', credentials: 3 }]);
      assert.match(dry.json().planText, /^> 3 unclassified credentials into classes\/legacy-tls$/m);
      assert.match(dry.json().planText, /Plan: 1 to add, 0 to change, 0 to remove; 3 unclassified credentials to classify\./);
      assert.equal((await list('unclassified=true&kind=x509_certificate')).length, 3, 'a dry run classifies nothing');

      const applied = await post('/api/v1/governance/apply', { document: governanceWithLegacyClass });
      assert.equal(applied.statusCode, 200, applied.body);
      assert.equal(applied.json().applied, true);
      assert.deepEqual(applied.json().plan.classifies, [{ classId: 'legacy-tls', credentials: 3 }]);
      assert.deepEqual((await list('class=legacy-tls')).map((credential) => credential.id).sort(), unclassified.map((credential) => credential.id).sort());
      assert.equal((await list('unclassified=true&kind=x509_certificate')).length, 0);
      const selfSigned = await list('class=public-tls');
      assert.equal(selfSigned.length, 1, 'a classified credential keeps its class, though the new rule matches it');

      const audit = await server.database.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'governance.apply').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      const classified = (JSON.parse(audit.details) as { classified: { classId: string; count: number; listed: string[]; leftOut: number }[] }).classified;
      assert.deepEqual(classified.map(({ classId, count, leftOut }) => ({ classId, count, leftOut })), [{ classId: 'legacy-tls', count: 3, leftOut: 0 }]);
      assert.deepEqual([...classified[0]!.listed].sort(), unclassified.map((credential) => credential.id).sort());

      const again = await post('/api/v1/governance/apply', { document: governanceWithLegacyClass, dryRun: true });
      assert.equal(again.json().plan.hasChanges, false);
      assert.equal(again.json().plan.classifies, undefined, 'without a change to classes, nothing is counted');
    });

    test('a changed match rule classifies too; a class changed otherwise counts what is left, here nothing', async () => {
      await post('/api/v1/credentials/import', { files: [fixture('authorized_keys')] });
      const keys = await list('unclassified=true&kind=ssh_key');
      assert.ok(keys.length > 0);
      const widened = governanceWithLegacyClass.replace('names: ["*@bastion-*"]', 'names: ["*"]');
      const plan = (await post('/api/v1/governance/apply', { document: widened, dryRun: true })).json().plan;
      assert.deepEqual(plan.sections.classes.changed, ['ssh-access']);
      assert.deepEqual(plan.classifies, [{ classId: 'ssh-access', credentials: keys.length }]);
      assert.equal((await post('/api/v1/governance/apply', { document: widened })).statusCode, 200);
      assert.equal((await list('unclassified=true&kind=ssh_key')).length, 0);
      const renamed = widened.replace('name: Legacy TLS', 'name: Legacy TLS certificates');
      assert.deepEqual((await post('/api/v1/governance/apply', { document: renamed, dryRun: true })).json().plan.classifies, [], 'a changed class counts, and finds nothing left to classify');
    });
  });
}
