// Decision rights as people meet them on the command line: a partner's rotation walked through request,
// approve, execute and verify under separation of duties; a delegation revoked at once; an emergency
// playbook and the review it opens; `can` and `lint`. The real CLI against a real `trustplane serve`,
// on SQLite and on PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseTargets } from '../support/databases.ts';
import { createExternalCa } from '../support/external-ca.ts';
import { personaCommands, databaseEnvFor, fullTokensFor, initDataDir, runCli, startCliServer } from '../support/cli-runner.ts';
import type { CliResult } from '../support/cli-runner.ts';
import { exampleGovernanceAt } from '../../src/server/demo/example-governance.ts';


/** The example governance plus a delegation whose fixed window is open now, so Globex may rotate without a fake clock. */
const governanceWithOpenWindow = (now: Date): string => {
  const from = new Date(now.getTime() - 3_600_000).toISOString();
  const to = new Date(now.getTime() + 86_400_000).toISOString();
  const entry = `  - { id: globex-now, to: org:globex, classes: [internal-mtls], actions: [rotate], windows: [{ from: "${from}", to: "${to}" }], until: ${now.getUTCFullYear() + 1}-12-31, grantedBy: person:dave }\n`;
  // Globex's certificates for internal-mtls come from an external CA too, which a manual execution can show.
  return exampleGovernanceAt(now).replace('\nplaybooks:', `${entry}\nplaybooks:`).replace('allowedSources: [internal-ca]\n', 'allowedSources: [internal-ca, letsencrypt]\n');
};

/** A self-signed ECDSA P-256 certificate for `name`, as an inventory import might hold. */
const certificate = (dir: string, name: string): string => {
  const file = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`),
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-days', '20', '-out', file], { stdio: 'ignore' });
  return file;
};

const people = ['gina', 'dave', 'erin', 'carol'] as const;
type Person = (typeof people)[number];

for (const target of databaseTargets) {
  describe(`decision rights on the command line, on ${target.name}`, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let server: Awaited<ReturnType<typeof startCliServer>>;
    let env: NodeJS.ProcessEnv;
    let applied: CliResult;
    const tokens = new Map<Person, string>();
    const credentials = new Map<string, string>();
    const externalCa = createExternalCa("Let's Encrypt (test)");

    const { as, json } = personaCommands<Person>(() => env, tokens);

    before(async () => {
      empty = await target.createEmpty();
      const databaseEnv = databaseEnvFor(empty.location);
      const dataDir = join(empty.dataDir, 'data');
      const bootstrap = await initDataDir(dataDir, databaseEnv);
      server = await startCliServer(dataDir, databaseEnv);
      env = { ...databaseEnv, TRUSTPLANE_URL: server.url, TRUSTPLANE_TOKEN: bootstrap };
      const governanceFile = join(empty.dataDir, 'governance.yaml');
      writeFileSync(governanceFile, governanceWithOpenWindow(new Date()));
      applied = await runCli(['apply', '-f', governanceFile], env);
      assert.equal(applied.code, 0, applied.stderr);
      const names = ['svc1', 'svc2', 'svc3'].map((service) => `${service}.svc.acme.internal`);
      const files = names.map((name) => certificate(empty.dataDir, name));
      // The rotated svc1: a new key, the same name, from the CA the class allows.
      writeFileSync(join(empty.dataDir, 'svc1-next.pem'), externalCa.issue({ names: ['svc1.svc.acme.internal'] }));
      const imported = await runCli(['credentials', 'import', ...files, '--class', 'internal-mtls', '--source', 'letsencrypt'], env);
      assert.equal(imported.code, 0, imported.stderr);
      const listed = JSON.parse((await runCli(['credentials', 'list', '--class', 'internal-mtls', '--json'], env)).stdout);
      for (const item of listed.items as { id: string; name: string }[]) credentials.set(item.name.split('.')[0] as string, item.id);
      for (const [person, token] of await fullTokensFor(people, env)) tokens.set(person, token);
    });
    after(async () => {
      externalCa.cleanUp();
      await server?.stop();
      await empty?.drop();
    });

    test('apply prints the lint warnings of the file it applies', () => {
      assert.match(applied.stdout, /^warning governance\.yaml:\d+ classes\[\d\]\.policy\.revocationSla: class "data-db-passwords": no revocation SLA/m);
      assert.match(applied.stdout, /Applied as governance version 1\./);
    });

    test('a partner rotation: request, approve, execute, verify, each by someone else', async () => {
      const requested = await as('gina', ['changes', 'request', 'rotate', '--credential', credentials.get('svc1') as string, '--reason', 'yearly key rotation', '--ticket', 'OPS-7']);
      assert.equal(requested.code, 0, requested.stderr);
      const id = /Requested change (ch_\w+) \(rotate on internal-mtls, 1 credential\): requested, needs 1 approval from person:dave\./.exec(requested.stdout)?.[1];
      assert.ok(id, requested.stdout);

      assert.equal((await json('dave', ['changes', 'approve', id, '--note', 'fine by me'])).status, 'approved');
      const daveExecutes = await as('dave', ['changes', 'execute', id, '--reference', 'OPS-7']);
      assert.equal(daveExecutes.code, 1);
      assert.match(daveExecutes.stderr, /error \[SOD_VIOLATION\]: .*an approver of a change never executes it/);

      const executed = await json('gina', ['changes', 'execute', id, '--reference', 'OPS-7', '--pem-file', join(empty.dataDir, 'svc1-next.pem')]);
      assert.equal(executed.status, 'executed');
      assert.equal(executed.executor, 'person:gina');

      const ginaVerifies = await as('gina', ['changes', 'verify', id, '--outcome', 'passed', '--check', 'served']);
      assert.equal(ginaVerifies.code, 1);
      assert.match(ginaVerifies.stderr, /\[SOD_VIOLATION\]/);
      const verified = await json('erin', ['changes', 'verify', id, '--outcome', 'passed', '--check', 'new certificate served', '--check', 'old key removed']);
      assert.equal(verified.status, 'verified');

      const shown = await as('erin', ['changes', 'show', id]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^status\s+verified$/m);
      for (const [actor, step] of [['gina', 'request'], ['dave', 'approve'], ['gina', 'execute'], ['gina', 'executed'], ['erin', 'verify']]) {
        assert.match(shown.stdout, new RegExp(`^  \\d+\\s+\\S+Z\\s+person:${actor}\\s+${step}\\s`, 'm'), `${actor} ${step} in\n${shown.stdout}`);
      }
      assert.match(shown.stdout, /evidence\.reference: OPS-7/);
      assert.match(shown.stdout, /checks: new certificate served, old key removed/);
      const events = (await json('erin', ['changes', 'show', id])).events as { step: string }[];
      assert.deepEqual(events.map((event) => event.step), ['request', 'approve', 'execute', 'executed', 'verify']);
      const listed = await as('erin', ['changes', 'list', '--status', 'verified']);
      assert.match(listed.stdout, /^ID\s+ACTION\s+CLASS\s+STATUS\s+REQUESTER\s+REQUESTED\s+DUE$/m);
      assert.match(listed.stdout, new RegExp(`^${id}\\s+rotate\\s+internal-mtls\\s+verified\\s+person:gina`, 'm'));

      const can = await as('erin', ['can', 'person:dave', 'execute', `change:${id}`]);
      assert.equal(can.code, 0, 'a denial is an answer, not an error');
      const [first, , ...policies] = can.stdout.trimEnd().split('\n');
      assert.equal(first, 'deny SOD_VIOLATION');
      assert.ok(policies.some((line) => /^ {2}forbid sod\.approver-executes +\(built-in separation of duties\): /.test(line)), can.stdout);
      const answer = await json('erin', ['can', 'person:dave', 'execute', `change:${id}`]);
      assert.equal(answer.decision, 'deny');
      assert.ok(answer.policies.some((policy: { id: string }) => policy.id === 'sod.approver-executes'));
      assert.equal((await as('erin', ['can', 'person:erin', 'read', 'governance'])).stdout.split('\n')[0], 'allow');
    });

    test('a revoked delegation stops the partner at once', async () => {
      const svc2 = credentials.get('svc2') as string;
      const delegations = await json('dave', ['delegations', 'list']);
      assert.equal(delegations.items.find((delegation: { id: string }) => delegation.id === 'globex-now').state, 'open');
      const requested = await json('gina', ['changes', 'request', 'rotate', '--credential', svc2, '--reason', 'rotate svc2']);
      const unexplained = await as('dave', ['changes', 'reject', requested.id]);
      assert.match(unexplained.stderr, /\[VALIDATION_FAILED\]: --note is required/);
      assert.equal((await json('dave', ['changes', 'reject', requested.id, '--note', 'svc2 moves next week'])).status, 'rejected');

      const partnerRevokes = await as('gina', ['delegations', 'revoke', 'globex-now', '--reason', 'we are done']);
      assert.match(partnerRevokes.stderr, /\[FORBIDDEN\]/);
      const revoked = await json('dave', ['delegations', 'revoke', 'globex-now', '--reason', 'Globex contract paused']);
      assert.equal(revoked.state, 'revoked');
      assert.match((await as('dave', ['delegations', 'list'])).stdout, /^globex-now\s+org:globex\s+internal-mtls\s+rotate\s+revoked/m);

      const refused = await as('gina', ['changes', 'request', 'rotate', '--credential', svc2, '--reason', 'rotate svc2 again']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /error \[DELEGATION_REVOKED\]: delegation globex-now .*revoked .*by person:dave/);
      const listed = await json('dave', ['changes', 'list', '--credential', svc2]);
      assert.equal(listed.items.length, 1, 'the refused request left no change behind');
    });

    test('an emergency playbook executes at once and opens a review the accountable person completes', async () => {
      const playbooks = await as('erin', ['playbooks', 'list']);
      assert.match(playbooks.stdout, /^key-compromise\s+key_compromise\s+\*\s+revoke,rotate\s+team:security\s+500\s+1d$/m);
      const invoked = await as('erin', ['playbooks', 'invoke', 'key-compromise', '--credential', credentials.get('svc3') as string, '--trigger', 'key_compromise', '--reason', 'key found in a CI log']);
      assert.equal(invoked.code, 0, invoked.stderr);
      assert.match(invoked.stdout, /^Invoked playbook key-compromise: 1 change executed, 1 review opened\.$/m);
      assert.match(invoked.stdout, /^ {2}change ch_\w+ +revoke on internal-mtls, 1 credential: executed by person:erin/m);
      assert.match(invoked.stdout, /^ {2}review rv_\w+ +for person:carol, due \d{4}-/m);

      const open = await json('carol', ['reviews', 'list', '--status', 'open']);
      assert.equal(open.items.length, 1);
      const [review] = open.items;
      assert.equal(review.accountable, 'person:carol');
      assert.match((await as('carol', ['reviews', 'list'])).stdout, new RegExp(`^${review.id}\\s+${review.changeId}\\s+key-compromise\\s+internal-mtls\\s+person:carol\\s+open\\s`, 'm'));
      const neither = await as('carol', ['reviews', 'complete', review.id]);
      assert.match(neither.stderr, /\[VALIDATION_FAILED\]: pass exactly one of --accept or --flag/);
      const partner = await as('gina', ['reviews', 'complete', review.id, '--accept']);
      assert.equal(partner.code, 1);
      const accepted = await json('carol', ['reviews', 'complete', review.id, '--accept', '--note', 'the right call']);
      assert.equal(accepted.status, 'accepted');
      assert.equal(accepted.completedBy, 'person:carol');
      assert.match((await as('carol', ['reviews', 'list', '--status', 'open'])).stdout, /^No reviews match\.$/m);
      const credential = await json('carol', ['credentials', 'show', credentials.get('svc3') as string]);
      assert.equal(credential.credential.status, 'revoked');
    });

    test('lint names the rule of each finding and exits 1 on errors', async () => {
      const bad = join(empty.dataDir, 'bad.yaml');
      writeFileSync(bad, exampleGovernanceAt(new Date()).replace('rotate: { responsible: [team:platform], accountable: person:dave }', 'rotate: { responsible: [person:dave], accountable: person:dave }'));
      const linted = await as('carol', ['lint', '-f', bad]);
      assert.equal(linted.code, 1);
      assert.match(linted.stdout, /^error +\[one-person-approves-and-executes\] bad\.yaml:\d+ classes\[1\]\.decisionRights\.rotate\.responsible: .*person "dave" alone would have to approve and execute it/m);
      assert.match(linted.stdout, /^warning \[no-revocation-sla\] /m);
      assert.match(linted.stdout, /^bad\.yaml: 1 error, 1 warning; apply refuses it until the errors are fixed\.$/m);
      const report = await as('carol', ['lint', '-f', bad, '--json']);
      assert.equal(report.code, 1);
      assert.equal(JSON.parse(report.stdout).errors, 1);
      const inForce = await as('carol', ['lint']);
      assert.equal(inForce.code, 0, 'warnings alone pass');
      assert.match(inForce.stdout, /^governance version 1: 0 errors, 1 warning\.$/m);
    });
  });
}

describe('decision-rights commands check their flags before any request', { concurrency: true }, () => {
  // Nothing listens here: a command that reached the network would fail with NOT_READY instead.
  const offline = { TRUSTPLANE_URL: 'http://127.0.0.1:9', TRUSTPLANE_TOKEN: 'tpat_unused' };
  const cases: [string[], RegExp][] = [
    [['changes', 'request', 'rotate', '--credential', 'cr_1'], /--reason is required/],
    [['changes', 'request', 'spin', '--credential', 'cr_1', '--reason', 'x'], /ACTION "spin" is not one of issue, renew, rotate, revoke, retire/],
    [['changes', 'request', 'revoke', '--reason', 'x'], /name the credentials with --credential ID/],
    [['changes', 'verify', 'ch_1', '--outcome', 'maybe', '--check', 'served'], /--outcome "maybe" is not one of passed, failed/],
    [['changes', 'verify', 'ch_1', '--outcome', 'passed'], /--check is required/],
    [['changes', 'list', '--limit', '0'], /--limit "0" is not a whole number from 1 to 500/],
    [['playbooks', 'invoke', 'key-compromise', '--credential', 'cr_1', '--trigger', 'oops', '--reason', 'x'], /--trigger "oops" is not one of key_compromise/],
    [['reviews', 'complete', 'rv_1', '--accept', '--flag'], /pass exactly one of --accept or --flag/],
    [['reviews', 'complete', 'rv_1', '--flag'], /--note is required/],
    [['delegations', 'list', '--at', 'tomorrow'], /--at "tomorrow" is not an instant with its offset/],
    [['can', 'person:dave', 'read', 'governance', '--credentials', 'many'], /--credentials "many" is not a whole number/],
  ];
  for (const [args, message] of cases) {
    test(args.join(' '), async () => {
      const result = await runCli(args, offline);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error \[VALIDATION_FAILED\]: /);
      assert.match(result.stderr, message);
    });
  }
});
