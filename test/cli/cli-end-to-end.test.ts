// The foundation as a new user meets it: init, serve, apply, export, import, list and show through the
// real command line, on SQLite and on PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrustMaterial } from '../../src/core/inventory/index.ts';
import { databaseTargets } from '../support/databases.ts';
import { databaseEnvFor, runCli, startCliServer } from '../support/cli-runner.ts';
import { withLegacyClass } from '../support/legacy-class.ts';
import { exampleGovernanceAt } from '../../src/server/demo/example-governance.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/inventory/${name}`, import.meta.url));

for (const target of databaseTargets) {
  describe(`trustplane CLI on ${target.name}`, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let server: Awaited<ReturnType<typeof startCliServer>>;
    let env: NodeJS.ProcessEnv;
    /** examples/governance.yaml as a user would apply it today (see example-governance.ts). */
    let examplePath: string;

    before(async () => {
      empty = await target.createEmpty();
      mkdirSync(join(empty.dataDir, 'example'));
      examplePath = join(empty.dataDir, 'example', 'governance.yaml');
      writeFileSync(examplePath, exampleGovernanceAt(new Date()));
      const databaseEnv = databaseEnvFor(empty.location);
      const dataDir = join(empty.dataDir, 'data');
      const init = await runCli(['init', '--data-dir', dataDir, '--json'], databaseEnv);
      assert.equal(init.code, 0, init.stderr);
      const { token } = JSON.parse(init.stdout);
      assert.match(token, /^tpat_/);
      const again = await runCli(['init', '--data-dir', dataDir], databaseEnv);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already initialised/);
      server = await startCliServer(dataDir, databaseEnv);
      env = { ...databaseEnv, TRUSTPLANE_URL: server.url, TRUSTPLANE_TOKEN: token };
    });
    after(async () => {
      await server?.stop();
      await empty?.drop();
    });

    test('apply shows the plan, applies, and says plainly when there is nothing to change', async () => {
      const dry = await runCli(['apply', '-f', examplePath, '--dry-run'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /\+ classes\/internal-mtls/);
      assert.match(dry.stdout, /Dry run: nothing was applied\./);
      const applied = await runCli(['apply', '-f', examplePath], env);
      assert.match(applied.stdout, /Applied as governance version 1\./);
      const again = await runCli(['apply', '-f', examplePath], env);
      assert.match(again.stdout, /No changes/);
      assert.doesNotMatch(again.stdout, /Applied/);
    });

    test('an invalid governance file prints file:line path errors, exits 1 and changes nothing', async () => {
      const bad = join(empty.dataDir, 'governance.yaml');
      const text = readFileSync(examplePath, 'utf8').replace('accountable: person:julia }', 'accountable: person:zed }').replace('buisness', 'business');
      writeFileSync(bad, text);
      const line = text.split('\n').findIndex((row) => row.includes('person:zed')) + 1;
      const result = await runCli(['apply', '-f', bad], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error \[GOVERNANCE_INVALID\]: governance\.yaml has \d+ problems?; nothing was applied/);
      assert.match(result.stderr, new RegExp(`governance\\.yaml:${line} classes\\[\\d\\]\\.decisionRights\\.\\w+\\.accountable: person "zed" is not declared`));
      const plan = await runCli(['apply', '-f', examplePath, '--dry-run', '--json'], env);
      assert.equal(JSON.parse(plan.stdout).plan.hasChanges, false, 'the refused file changed nothing');
      const missing = await runCli(['apply', '-f', join(empty.dataDir, 'nope.yaml')], env);
      assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file/);
    });

    test('export writes YAML that applies back with no changes', async () => {
      const out = join(empty.dataDir, 'exported.yaml');
      const exported = await runCli(['export', '-o', out], env);
      assert.equal(exported.code, 0, exported.stderr);
      const reapplied = await runCli(['apply', '-f', out, '--json'], env);
      assert.equal(JSON.parse(reapplied.stdout).plan.hasChanges, false);
    });

    test('tokens: create for a person, use it, list it, revoke it', async () => {
      const created = await runCli(['tokens', 'create', '--for', 'person:frank', '--scope', 'read-only', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const { token, record } = JSON.parse(created.stdout);
      const asFrank = await runCli(['classes', 'list', '--json'], { ...env, TRUSTPLANE_TOKEN: token });
      assert.equal(asFrank.code, 0, asFrank.stderr);
      const refused = await runCli(['apply', '-f', examplePath], { ...env, TRUSTPLANE_TOKEN: token });
      assert.match(refused.stderr, /\[FORBIDDEN\]/);
      const listed = await runCli(['tokens', 'list'], env);
      assert.match(listed.stdout, new RegExp(record.id));
      assert.doesNotMatch(listed.stdout, new RegExp(token));
      await runCli(['tokens', 'revoke', record.id], env);
      const revoked = await runCli(['classes', 'list'], { ...env, TRUSTPLANE_TOKEN: token });
      assert.match(revoked.stderr, /\[TOKEN_REVOKED\]/);
    });

    test('import, list and show credentials; a corrupt file imports nothing', async () => {
      const imported = await runCli(['credentials', 'import', fixture('chain.pem'), fixture('authorized_keys'), fixture('api-keys.csv'), '--source', 'internal-ca', '--json'], env);
      assert.equal(imported.code, 1, 'api-keys.csv refers to sources the example does not declare');
      assert.match(imported.stdout, /source \\"aws-iam\\" is not declared/);
      const good = await runCli(['credentials', 'import', fixture('chain.pem'), fixture('authorized_keys'), '--workload', 'payments-api', '--json'], env);
      assert.equal(good.code, 0, good.stderr + good.stdout);
      const summary = JSON.parse(good.stdout);
      assert.equal(summary.created, summary.files.reduce((sum: number, file: { credentials: number }) => sum + file.credentials, 0));
      const corrupt = await runCli(['credentials', 'import', fixture('ed25519-self-signed.pem'), fixture('chain-truncated-second.pem')], env);
      assert.equal(corrupt.code, 1);
      assert.match(corrupt.stderr, /chain-truncated-second\.pem: certificate #2 \(line \d+\)/);
      const listed = JSON.parse((await runCli(['credentials', 'list', '--kind', 'ssh_key', '--json'], env)).stdout);
      assert.ok(listed.total > 0);
      const all = JSON.parse((await runCli(['credentials', 'list', '--json', '--page-size', '1000'], env)).stdout);
      assert.equal(all.total, summary.created, 'the corrupt import added nothing');
      const table = await runCli(['credentials', 'list', '--workload', 'payments-api'], env);
      assert.match(table.stdout, /^ID\s+KIND\s+NAME\s+CLASS\s+STATUS\s+NOT AFTER\s+SOURCE/m);
      assert.match(table.stdout, /Page 1 of 1 \(\d+ credentials\)\./);
      const shown = await runCli(['credentials', 'show', listed.items[0].id], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /fingerprint\s+SHA-256 [0-9a-f]{64}/);
      assert.match(shown.stdout, /workloads\s+payments-api/);
      const classShown = await runCli(['classes', 'show', 'internal-mtls'], env);
      assert.match(classShown.stdout, /technical owner\s+person:dave/);
    });

    test('an import that asks to re-kind a certificate is skipped and says why; an apply classifies what a new class claims', async () => {
      const chain = parseTrustMaterial({ name: 'chain.pem', bytes: readFileSync(fixture('chain.pem')) });
      assert.ok(chain.ok);
      const leaf = chain.credentials[0]!.facts;
      const rows = join(empty.dataDir, 'keys-export.json');
      writeFileSync(rows, JSON.stringify({ credentials: [{ kind: 'private_key', fingerprint: leaf.fingerprint, name: 'renamed' }] }));
      const imported = await runCli(['credentials', 'import', rows], env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^keys-export\.json\s+1\s+0\s+0\s+0\s+1\s+0\s+1$/m, 'FILE CREDENTIALS NEW UPDATED UNCHANGED SKIPPED HELD BACK UNCLASSIFIED');
      assert.match(imported.stdout, /1 entry asked for what an import does not change \(1 skipped whole, 0 applied without it\)/);
      assert.match(imported.stdout, new RegExp(`keys-export\\.json: credentials\\[0\\]: credential cr_${leaf.fingerprint.slice(0, 20)} skipped; kind "private_key" asked, "x509_certificate" stands`));
      const asJson = JSON.parse((await runCli(['credentials', 'import', rows, '--json'], env)).stdout);
      assert.deepEqual({ skipped: asJson.skipped, outcome: asJson.notices[0].outcome, field: asJson.notices[0].heldBack[0].field }, { skipped: 1, outcome: 'skipped', field: 'kind' });
      const shown = JSON.parse((await runCli(['credentials', 'show', leaf.fingerprint, '--json'], env)).stdout);
      assert.deepEqual({ kind: shown.credential.kind, name: shown.credential.name }, { kind: 'x509_certificate', name: 'api.acme.example' });

      // The tour's edit: give the legacy certificates (here, the test chain's) a class.
      const withClass = join(empty.dataDir, 'with-legacy-class.yaml');
      writeFileSync(withClass, withLegacyClass(readFileSync(examplePath, 'utf8')));
      const dry = await runCli(['apply', '-f', withClass, '--dry-run'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^\+ classes\/legacy-tls$/m);
      assert.match(dry.stdout, /^> 3 unclassified credentials into classes\/legacy-tls$/m);
      assert.match(dry.stdout, /Plan: 1 to add, 0 to change, 0 to remove; 3 unclassified credentials to classify\./);
      const applied = await runCli(['apply', '-f', withClass, '--json'], env);
      assert.deepEqual(JSON.parse(applied.stdout).plan.classifies, [{ classId: 'legacy-tls', credentials: 3 }]);
      const listed = JSON.parse((await runCli(['credentials', 'list', '--class', 'legacy-tls', '--json'], env)).stdout);
      assert.equal(listed.total, 3);
      const restored = await runCli(['apply', '-f', examplePath], env);
      assert.equal(restored.code, 1, 'the class now holds credentials, so it stays');
      assert.match(restored.stderr, /class "legacy-tls" is removed but still governs 3 credentials; keep the class/);
    });

    test('a second server on the same port is refused with the reason', async () => {
      const port = new URL(server.url).port;
      const result = await runCli(['serve', '--data-dir', join(empty.dataDir, 'data'), '--port', port, '--log-level', 'silent'], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`\\[CONFLICT\\]: 127\\.0\\.0\\.1:${port} is already in use`));
    });

    test('without a server the CLI says where it looked', async () => {
      const result = await runCli(['classes', 'list'], { ...env, TRUSTPLANE_URL: 'http://127.0.0.1:9' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot reach Trustplane at http:\/\/127\.0\.0\.1:9/);
    });
  });
}
