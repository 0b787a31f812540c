import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../support/databases.ts';
import { bearer, exampleGovernance, startServerFixture } from '../support/server-fixture.ts';
import type { ServerFixture } from '../support/server-fixture.ts';

for (const target of databaseTargets) {
  describe(`governance API on ${target.name}`, () => {
    let server: ServerFixture;
    before(async () => { server = await startServerFixture(target, { governance: false }); });
    after(() => server.close());

    const apply = (document: string, dryRun = false, token = server.adminToken) => server.app.inject({
      method: 'POST', url: '/api/v1/governance/apply', headers: bearer(token), payload: { document, fileName: 'governance.yaml', dryRun },
    });

    test('an invalid file is refused with file:line path errors and changes nothing', async () => {
      const broken = exampleGovernance
        .replace('revoke: { responsible: [team:platform], accountable: person:carol, approvals: 1 }', 'revoke: { responsible: [team:platform], accountable: person:zed, approvals: 1 }')
        .replace('businessOwner: person:frank', 'businessOwner: person:gina');
      const response = await apply(broken);
      assert.equal(response.statusCode, 422);
      assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, 'GOVERNANCE_INVALID');
      const zedLine = broken.split('\n').findIndex((line) => line.includes('person:zed')) + 1;
      assert.ok(problem.errors.includes(`governance.yaml:${zedLine} classes[1].decisionRights.revoke.accountable: person "zed" is not declared`), problem.errors.join('\n'));
      assert.ok(problem.errors.some((line: string) => /^governance\.yaml:\d+ classes\[2\]\.businessOwner: .*gina.*partner/.test(line)), problem.errors.join('\n'));
      const current = await server.app.inject({ method: 'GET', url: '/api/v1/governance', headers: bearer(server.adminToken) });
      assert.equal(current.json().version, null, 'nothing was applied');
    });

    test('a dry run shows the plan and applies nothing; the apply is atomic and audited; a re-apply has nothing to change', async () => {
      const dry = await apply(exampleGovernance, true);
      assert.equal(dry.statusCode, 200);
      assert.equal(dry.json().applied, false);
      assert.match(dry.json().planText, /\+ classes\/internal-mtls/);
      assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(server.adminToken) })).json().items.length, 0);

      const applied = await apply(exampleGovernance);
      assert.equal(applied.json().applied, true);
      assert.equal(applied.json().version, 1);
      const classes = await server.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(server.adminToken) });
      assert.deepEqual(classes.json().items.map((entry: { id: string }) => entry.id),
        ['public-tls', 'internal-mtls', 'payments-api-keys', 'code-signing', 'ssh-access', 'agent-tokens', 'data-db-passwords']);
      const audit = await server.database.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'governance.apply').execute();
      assert.equal(audit.length, 1);

      const again = await apply(exampleGovernance);
      assert.equal(again.json().applied, false);
      assert.equal(again.json().plan.hasChanges, false);
      assert.match(again.json().planText, /No changes/);
    });

    test('export writes YAML that applies back with no changes, and a change shows in the plan', async () => {
      const exported = await server.app.inject({ method: 'GET', url: '/api/v1/governance/export', headers: bearer(server.adminToken) });
      assert.equal(exported.statusCode, 200);
      const { yaml } = exported.json();
      assert.equal((await apply(yaml, true)).json().plan.hasChanges, false);
      const changed = yaml.replace('name: Lena Fischer', 'name: Lena Fischer-Wolf');
      const plan = (await apply(changed, true)).json();
      assert.deepEqual(plan.plan.sections.people, { added: [], changed: ['lena'], removed: [] });
    });

    test('the directory lists what governance declares', async () => {
      const people = await server.app.inject({ method: 'GET', url: '/api/v1/people', headers: bearer(server.adminToken) });
      assert.equal(people.json().items.length, 12);
      const organizations = await server.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(server.adminToken) });
      assert.deepEqual(organizations.json().items.map((org: { id: string; kind: string }) => `${org.id}:${org.kind}`), ['acme:customer', 'globex:managed_service', 'initech:integrator']);
      const missing = await server.app.inject({ method: 'GET', url: '/api/v1/workloads/nope', headers: bearer(server.adminToken) });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'NOT_FOUND');
    });
  });
}
