// The audit log as an auditor uses it, on SQLite and PostgreSQL: a real server (trustplane serve), its
// checkpoints written to a witness directory, the log exported and verified offline with the key from
// `audit public-key`, an entry's inclusion proof; then the database tampered with behind the server's
// back (a byte of an entry changed, an entry deleted, two reordered, the log truncated, a checkpoint
// forged with another key), and each time verify fails and names what is wrong.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { entryJson, entryLeafHash } from '../../src/core/audit/audit-entry.ts';
import type { AuditEntry } from '../../src/core/audit/audit-entry.ts';
import { checkpointText, signedNote } from '../../src/core/audit/checkpoint.ts';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import type { Database } from '../../src/server/db/database.ts';
import { demoGovernance } from '../../src/server/demo/demo-governance.ts';
import { databaseTargets } from '../support/databases.ts';
import { databaseEnvFor, freePort, runCli, startCliServer } from '../support/cli-runner.ts';

for (const target of databaseTargets) {
  describe(`the audit log on the command line, on ${target.name}`, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let server: Awaited<ReturnType<typeof startCliServer>>;
    let env: NodeJS.ProcessEnv;
    let database: Database;
    let key: string;
    let exports = 0;
    const file = (name: string): string => join(empty.dataDir, name);
    const witness = (): string => file('witness');

    const cli = async (args: string[]) => runCli(args, env);
    const json = async (args: string[]) => {
      const run = await cli([...args, '--json']);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout);
    };
    /** Exports the log as it now stands and verifies it with the log's key; returns verify's report and exit code. */
    const exportAndVerify = async (extra: string[] = []) => {
      const out = file(`export-${exports += 1}.ndjson`);
      await json(['audit', 'export', '--out', out]);
      const verified = await cli(['audit', 'verify', out, '--key', key, ...extra, '--json']);
      return { code: verified.code, report: JSON.parse(verified.stdout), out };
    };
    /** Changes the database behind the server's back for one check (statements in order), then puts it back. */
    const tampered = async (change: readonly string[], undo: readonly string[], check: () => Promise<void>) => {
      for (const statement of change) await sql.raw(statement).execute(database.db);
      try {
        await check();
      } finally {
        for (const statement of undo) await sql.raw(statement).execute(database.db);
      }
    };
    const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;

    before(async () => {
      empty = await target.createEmpty();
      const port = await freePort();
      const databaseEnv = { ...databaseEnvFor(empty.location), TRUSTPLANE_PORT: String(port), TRUSTPLANE_AUDIT_WITNESS: join(empty.dataDir, 'witness') };
      const dataDir = join(empty.dataDir, 'data');
      const initialised = await runCli(['init', '--data-dir', dataDir, '--json'], databaseEnv);
      assert.equal(initialised.code, 0, initialised.stderr);
      server = await startCliServer(dataDir, databaseEnv, port);
      env = { ...databaseEnv, TRUSTPLANE_URL: server.url, TRUSTPLANE_TOKEN: JSON.parse(initialised.stdout).token };
      writeFileSync(file('governance.yaml'), demoGovernance(new Date()));
      const applied = await runCli(['apply', '-f', file('governance.yaml')], env);
      assert.equal(applied.code, 0, applied.stderr);
      for (const person of ['carol', 'dave', 'ivan']) await json(['tokens', 'create', '--for', `person:${person}`, '--name', `audit test ${person}`]);
      database = await openDatabase(locateDatabase(dataDir, (databaseEnv as NodeJS.ProcessEnv).TRUSTPLANE_DATABASE_URL));
      key = (await json(['audit', 'public-key'])).verifierKey;
    });
    after(async () => {
      await database?.close();
      await server?.stop();
      await empty?.drop();
    });

    test('a checkpoint is signed, written to the witness, and the exported log verifies offline with the public key', async () => {
      const checkpoint = await json(['audit', 'checkpoint']);
      assert.ok(checkpoint.size > 5, `the log holds init, apply and the tokens (${checkpoint.size})`);
      assert.match(checkpoint.note, new RegExp(`^127\\.0\\.0\\.1:\\d+/audit\\n${checkpoint.size}\\n`));
      assert.equal(readFileSync(join(witness(), 'latest.note'), 'utf8'), checkpoint.note, 'the witness has the checkpoint');
      assert.ok(existsSync(join(witness(), `checkpoint-${checkpoint.size}.note`)));
      assert.equal(key.split('+')[0], checkpoint.note.split('\n')[0], 'the key is named after the origin');

      const { code, report } = await exportAndVerify(['--checkpoint', join(witness(), 'latest.note')]);
      assert.equal(code, 0, JSON.stringify(report.problem));
      assert.equal(report.ok, true);
      assert.ok(report.size >= checkpoint.size);
      assert.ok(report.checkpoints.every((entry: { verified: boolean }) => entry.verified));
      assert.deepEqual(report.saved, { size: checkpoint.size, verified: true });

      const proof = await json(['audit', 'proof', '2']);
      assert.equal(proof.verified, true);
      assert.ok(proof.proof.length > 0);
      const page = file(`evidence-${target.name}.html`);
      const day = 86_400_000;
      const written = await json(['report', 'evidence', '--from', new Date(Date.now() - day).toISOString(), '--to', new Date(Date.now() + day).toISOString(), '--format', 'html', '--out', page]);
      assert.equal(written.format, 'html');
      assert.match(readFileSync(page, 'utf8'), /<h2>Changes and who made them<\/h2>/);
      const evidence = await cli(['audit', 'verify', '--evidence', page, '--key', key]);
      assert.equal(evidence.code, 0, evidence.stdout + evidence.stderr);
      assert.match(evidence.stdout, /^OK: the pack's checkpoint \(size \d+\) is signed by 127\.0\.0\.1:\d+\/audit/);
      // The page the auditor reads is checked too: edited, it no longer matches the pack it carries.
      const edited = file(`evidence-edited-${target.name}.html`);
      writeFileSync(edited, readFileSync(page, 'utf8').replace('Nothing was denied in this period.', 'Nothing at all happened.'));
      const refused = await cli(['audit', 'verify', '--evidence', edited, '--key', key]);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /the page was edited/);
      const listed = await json(['audit', 'entries', '--actor', 'system:bootstrap', '--limit', '5']);
      assert.ok(listed.items.length > 0 && listed.items.every((entry: { actor: string }) => entry.actor === 'system:bootstrap'));
    });

    test('verify names an entry whose stored content changed by one byte', async () => {
      const { target: stored } = (await sql<{ target: string }>`select target from audit_events where leaf_index = 3`.execute(database.db)).rows[0]!;
      const changed = `${stored.slice(0, -1)}${stored.endsWith('x') ? 'y' : 'x'}`;
      await tampered([`update audit_events set target = ${quoted(changed)} where leaf_index = 3`], [`update audit_events set target = ${quoted(stored)} where leaf_index = 3`], async () => {
        const { code, report } = await exportAndVerify();
        assert.equal(code, 1);
        assert.deepEqual([report.problem.kind, report.problem.index], ['altered', 3], report.problem.message);
      });
    });

    test('verify names a deleted entry, two reordered, and a truncated log', async () => {
      // Out of the log: a leaf index no export reads.
      await tampered(['update audit_events set leaf_index = -1004 where leaf_index = 4'], ['update audit_events set leaf_index = 4 where leaf_index = -1004'], async () => {
        const { report } = await exportAndVerify();
        assert.deepEqual([report.problem.kind, report.problem.index], ['missing', 4], report.problem.message);
      });
      const swap = ['update audit_events set leaf_index = -1005 where leaf_index = 5', 'update audit_events set leaf_index = 5 where leaf_index = 6', 'update audit_events set leaf_index = 6 where leaf_index = -1005'];
      await tampered(swap, swap, async () => {
        const { report } = await exportAndVerify();
        assert.deepEqual([report.problem.kind, report.problem.index], ['out-of-order', 5], report.problem.message);
      });
      const { size } = await json(['audit', 'checkpoint']);
      await tampered([`update audit_events set leaf_index = -leaf_index - 1000 where leaf_index >= ${size - 2}`], ['update audit_events set leaf_index = -leaf_index - 1000 where leaf_index <= -1000'], async () => {
        const { code, report } = await exportAndVerify();
        assert.equal(code, 1);
        assert.deepEqual([report.problem.kind, report.problem.index], ['truncated', size - 2], report.problem.message);
      });
    });

    test('verify refuses to run without --key, and with --trust-embedded-key says the key was not checked', async () => {
      const { out } = await exportAndVerify();
      const refused = await cli(['audit', 'verify', out]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /no --key given; pass --key with the log's public key .* obtained out of band/);
      const trusted = await cli(['audit', 'verify', out, '--trust-embedded-key']);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.match(trusted.stdout, /^OK \(the key was NOT checked: it was taken from the file itself/);
      assert.equal((await json(['audit', 'verify', out, '--trust-embedded-key'])).keyChecked, false);
      assert.equal((await json(['audit', 'verify', out, '--key', key])).keyChecked, true);
      const day = 86_400_000;
      const pack = file(`evidence-key-${target.name}.json`);
      await json(['report', 'evidence', '--from', new Date(Date.now() - day).toISOString(), '--to', new Date(Date.now() + day).toISOString(), '--format', 'json', '--out', pack]);
      const packRefused = await cli(['audit', 'verify', '--evidence', pack]);
      assert.notEqual(packRefused.code, 0);
      assert.match(packRefused.stderr, /no --key given; pass --key/);
      const packTrusted = await cli(['audit', 'verify', '--evidence', pack, '--trust-embedded-key']);
      assert.equal(packTrusted.code, 0, packTrusted.stderr);
      assert.match(packTrusted.stdout, /^OK \(the key was NOT checked/);
    });

    test('verify names a line of the export cut in half, and two lines swapped as reordered', async () => {
      const { out } = await exportAndVerify();
      const lines = readFileSync(out, 'utf8').split('\n');
      const lineOf = (index: number) => lines.findIndex((line) => line.startsWith(`{"index":${index},`));
      const cut = [...lines];
      cut[lineOf(3)] = cut[lineOf(3)]!.slice(0, Math.floor(cut[lineOf(3)]!.length / 2));
      writeFileSync(file('cut.ndjson'), cut.join('\n'));
      const cutRun = await cli(['audit', 'verify', file('cut.ndjson'), '--key', key, '--json']);
      assert.equal(cutRun.code, 1);
      const cutReport = JSON.parse(cutRun.stdout);
      assert.deepEqual([cutReport.problem.kind, cutReport.problem.index], ['malformed', 3], cutReport.problem.message);
      assert.match(cutReport.problem.message, new RegExp(`line ${lineOf(3) + 1} of the export, entry 3, is not a whole record`));
      const swapped = [...lines];
      [swapped[lineOf(5)], swapped[lineOf(6)]] = [lines[lineOf(6)]!, lines[lineOf(5)]!];
      writeFileSync(file('swapped.ndjson'), swapped.join('\n'));
      const swapRun = await cli(['audit', 'verify', file('swapped.ndjson'), '--key', key, '--json']);
      assert.equal(swapRun.code, 1);
      const swapReport = JSON.parse(swapRun.stdout);
      assert.deepEqual([swapReport.problem.kind, swapReport.problem.index], ['out-of-order', 5], swapReport.problem.message);
      assert.match(swapReport.problem.message, /swapped, the log was reordered/);
    });

    test('verify refuses a checkpoint forged with another key, and a log rewritten since a saved checkpoint', async () => {
      const latest = await json(['audit', 'checkpoint', '--latest']);
      const forger = generateKeyPairSync('ed25519');
      const origin = latest.note.split('\n')[0] as string;
      const text = checkpointText({ origin, size: latest.size, root: Buffer.alloc(32, 7), time: new Date() });
      const forged = signedNote(text, origin, forger.publicKey.export({ type: 'spki', format: 'der' }).subarray(12), sign(null, Buffer.from(text), forger.privateKey));
      await tampered([`update audit_checkpoints set note = ${quoted(forged)} where size = ${latest.size}`], [`update audit_checkpoints set note = ${quoted(latest.note)} where size = ${latest.size}`], async () => {
        const { code, report } = await exportAndVerify();
        assert.equal(code, 1);
        assert.equal(report.problem.kind, 'checkpoint-signature', report.problem.message);
      });

      // The witness kept the checkpoint. A log rewritten afterwards with care (the entry's content and its
      // leaf hash alike) still disagrees with it, and with every checkpoint the log signed.
      const saved = join(witness(), 'latest.note');
      const row = (await sql<{ details: string; leaf_hash: string }>`select details, leaf_hash from audit_events where leaf_index = 1`.execute(database.db)).rows[0]!;
      const entry = JSON.parse((await json(['audit', 'proof', '1'])).entry) as AuditEntry;
      const rewritten = { ...entry, details: { rewritten: true } };
      const rewrittenHash = Buffer.from(entryLeafHash(entryJson(rewritten))).toString('hex');
      await tampered(
        [`update audit_events set details = '{"rewritten":true}', leaf_hash = '${rewrittenHash}' where leaf_index = 1`],
        [`update audit_events set details = ${quoted(row.details)}, leaf_hash = '${row.leaf_hash}' where leaf_index = 1`],
        async () => {
          const { code, report } = await exportAndVerify(['--checkpoint', saved]);
          assert.equal(code, 1);
          assert.ok(['checkpoint-root', 'inconsistent-with-saved'].includes(report.problem.kind), report.problem.message);
        },
      );
      const { code } = await exportAndVerify(['--checkpoint', saved]);
      assert.equal(code, 0, 'put back, the log verifies again');
    });
  });
}
