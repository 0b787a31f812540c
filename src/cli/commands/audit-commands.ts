// The audit log from the command line. `export`, `proof`, `checkpoint`, `public-key` and `entries` ask
// the server; `verify` runs offline on an exported file and trusts nothing in it but what the log's key
// signed. The key comes from --key: a key read from the file itself proves only that the file agrees with
// itself (a forger signs with a key of their own and puts it in the header), so that takes an explicit
// --trust-embedded-key and the result says the key was not checked.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseVerifierKey } from '../../core/audit/checkpoint.ts';
import { entryLeafHash } from '../../core/audit/audit-entry.ts';
import { verifyInclusion } from '../../core/audit/merkle.ts';
import { createLogVerifier, exportFormat } from '../../core/audit/verify-log.ts';
import { evidenceFromHtml, renderEvidenceHtml } from '../../core/audit/evidence-html.ts';
import { evidenceShapeProblem, verifyEvidencePack } from '../../core/audit/evidence-pack.ts';
import type { EvidencePack } from '../../core/audit/evidence-pack.ts';
import type { ExportEntry, ExportHeader, VerifyReport } from '../../core/audit/verify-log.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { action } from '../run-command.ts';
import { wholeNumber } from './change-commands.ts';

type CheckpointView = { size: number; root: string; at: string; note: string };
type EntryView = { index: number; at: string; actor: string; action: string; target: string; details: Record<string, unknown> };
type EntryWithProof = { index: number; entry: string; leafHash: string; checkpoint: CheckpointView | null; proof: string[] | null };

const exportPage = 5000;
const unbase64 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'base64'));

/** The refusal when no key was given: the key inside a file cannot vouch for that file. */
const keyRequired = (file: string): TrustplaneError => new TrustplaneError('VALIDATION_FAILED',
  `${file}: no --key given; pass --key with the log's public key (\`trustplane audit public-key\`) obtained out of band from the log's owner, `
  + 'not from the file: a file signed with a forger\'s key carries that key. --trust-embedded-key checks the file against its own key, which proves only that it agrees with itself');

const keyNotChecked = 'the key was NOT checked: it was taken from the file itself (--trust-embedded-key), so this shows only that the file agrees with itself';

/** Feeds an export file to the verifier line by line, so a large log is never held whole. */
const verifyFile = async (file: string, options: { key?: string; saved?: string; trustEmbeddedKey: boolean }): Promise<VerifyReport & { header: ExportHeader }> => {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let header: ExportHeader | null = null;
  let verifier: ReturnType<typeof createLogVerifier> | null = null;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // Past the header, a line that is not JSON is an entry cut short or edited: the verifier names it.
      if (verifier === null) throw new TrustplaneError('VALIDATION_FAILED', `${file}:${lineNumber}: not a JSON record; is this a file \`trustplane audit export\` wrote?`);
      verifier.unreadable(lineNumber, line);
      continue;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new TrustplaneError('VALIDATION_FAILED', `${file}:${lineNumber}: not a record of an audit log export (a header, a checkpoint or an entry)`);
    }
    if (header === null) {
      if (record.format !== exportFormat) throw new TrustplaneError('VALIDATION_FAILED', `${file}:1: not an audit log export (expected format ${exportFormat})`);
      header = record as unknown as ExportHeader;
      if (options.key === undefined && !options.trustEmbeddedKey) throw keyRequired(file);
      if (options.key === undefined && typeof header.verifierKey !== 'string') throw new TrustplaneError('VALIDATION_FAILED', `${file}:1: the export names no verifier key; give the log's key with --key`);
      const key = parseVerifierKey(options.key ?? header.verifierKey);
      if ('problem' in key) throw new TrustplaneError('VALIDATION_FAILED', `--key: ${key.problem}`);
      verifier = createLogVerifier({ key, size: Number(header.size) || 0, ...(options.saved === undefined ? {} : { saved: options.saved }) });
      continue;
    }
    if (typeof record.checkpoint === 'string') verifier!.checkpoint(record.checkpoint);
    else verifier!.entry(record as unknown as ExportEntry);
  }
  if (header === null || verifier === null) throw new TrustplaneError('VALIDATION_FAILED', `${file} is empty`);
  return { ...verifier.end(), header };
};

export const registerAuditCommands = (program: Command): void => {
  const audit = program.command('audit').description('the tamper-evident audit log: entries, proofs, signed checkpoints, export and offline verification');

  audit.command('entries')
    .description('list audit entries, newest first')
    .option('--target <target>', 'only entries about this target (change:ch_…, credential:…, token:…, source:…); for a change or a credential, the attempts refused on it too')
    .option('--actor <principal>', 'only entries by this principal (person:carol)')
    .option('--from <time>', 'only entries at or after this instant (2026-11-01T00:00:00Z)')
    .option('--to <time>', 'only entries before this instant')
    .option('--limit <n>', 'at most this many (1 to 1000)', '50')
    .action(action(async ({ client, output }, options: { target?: string; actor?: string; from?: string; to?: string; limit: string }) => {
      const query = new URLSearchParams({ limit: String(wholeNumber('--limit', options.limit, 1000)) });
      for (const name of ['target', 'actor', 'from', 'to'] as const) if (options[name] !== undefined) query.set(name, options[name]);
      const result = await client().get<{ items: EntryView[] }>(`/api/v1/audit/entries?${query}`);
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No audit entries match.');
        output.table(result.items.map((entry) => [String(entry.index), entry.at, entry.actor, entry.action, entry.target]), ['#', 'AT', 'ACTOR', 'ACTION', 'TARGET']);
      });
    }));

  audit.command('checkpoint')
    .description('sign a checkpoint of the log as it stands now (or show the latest with --latest)')
    .option('--latest', 'only show the latest checkpoint; sign nothing')
    .option('--out <file>', 'also write the signed note to this file (keep it: `audit verify --checkpoint FILE` checks a later export against it)')
    .action(action(async ({ client, output }, options: { latest?: boolean; out?: string }) => {
      const api = client();
      const checkpoint = options.latest === true
        ? (await api.get<{ checkpoint: CheckpointView | null }>('/api/v1/audit/checkpoint')).checkpoint
        : await api.post<CheckpointView>('/api/v1/audit/checkpoint', {});
      if (checkpoint === null) throw new TrustplaneError('NOT_FOUND', 'the log has no checkpoint yet; `trustplane audit checkpoint` signs one');
      if (options.out !== undefined) createWriteStream(options.out, { flags: 'wx' }).end(checkpoint.note);
      output.result(checkpoint, () => {
        output.line(`Checkpoint at size ${checkpoint.size}, signed ${checkpoint.at}, root ${checkpoint.root}${options.out === undefined ? '' : `; written to ${options.out}`}:`);
        output.line();
        process.stdout.write(checkpoint.note);
      });
    }));

  audit.command('public-key')
    .description("print the log's verifier key, for `audit verify --key`")
    .action(action(async ({ client, output }) => {
      const key = await client().get<{ origin: string; verifierKey: string; publicKey: string }>('/api/v1/audit/public-key');
      output.result(key, () => output.line(key.verifierKey));
    }));

  audit.command('proof')
    .description('the inclusion proof of one entry against the latest checkpoint, checked here')
    .argument('<entry>', 'the entry index (the # of `audit entries`)')
    .action(action(async ({ client, output }, entry: string) => {
      if (!/^\d{1,15}$/.test(entry)) throw new TrustplaneError('VALIDATION_FAILED', `ENTRY "${entry.slice(0, 20)}" is not an entry index (the # of \`trustplane audit entries\`)`);
      const index = Number(entry);
      const found = await client().get<EntryWithProof>(`/api/v1/audit/entries/${index}`);
      const hashed = Buffer.from(entryLeafHash(found.entry)).toString('base64');
      const verified = found.checkpoint !== null && found.proof !== null && hashed === found.leafHash
        && verifyInclusion(index, found.checkpoint.size, entryLeafHash(found.entry), found.proof.map(unbase64), unbase64(found.checkpoint.root));
      output.result({ ...found, verified }, () => {
        output.line(`Entry ${index}: ${found.entry}`);
        if (found.checkpoint === null || found.proof === null) {
          output.line('No checkpoint covers it yet; `trustplane audit checkpoint` signs one.');
          return;
        }
        output.line(`Inclusion proof against the checkpoint at size ${found.checkpoint.size} (${found.checkpoint.at}), ${found.proof.length} hashes:`);
        for (const hash of found.proof) output.line(`  ${hash}`);
        output.line(verified ? 'Verified: the entry is in the log the checkpoint signed.' : 'NOT verified: the proof does not lead to the checkpoint\'s root.');
      });
      if (!verified && found.proof !== null) process.exitCode = 1;
    }));

  audit.command('export')
    .description('write the whole log (entries and signed checkpoints) to a file, for `audit verify` offline')
    .requiredOption('--out <file>', 'the file to write (NDJSON); it must not exist')
    .action(action(async ({ client, output }, options: { out: string }) => {
      const api = client();
      // A fresh checkpoint first, so the export's last entries are vouched for too.
      await api.post<CheckpointView>('/api/v1/audit/checkpoint', {});
      const key = await api.get<{ origin: string; verifierKey: string }>('/api/v1/audit/public-key');
      const checkpoints = (await api.get<{ items: CheckpointView[] }>('/api/v1/audit/checkpoints?limit=100000')).items;
      // Past 100,000 checkpoints the oldest come first; the fresh one, which vouches for the last entries, must be in.
      const latest = (await api.get<{ checkpoint: CheckpointView | null }>('/api/v1/audit/checkpoint')).checkpoint;
      if (latest !== null && checkpoints.at(-1)?.size !== latest.size) checkpoints.push(latest);
      const size = checkpoints.at(-1)?.size ?? 0;
      const file = createWriteStream(options.out, { flags: 'wx', encoding: 'utf8' });
      const write = async (record: unknown) => {
        if (!file.write(`${JSON.stringify(record)}\n`)) await once(file, 'drain');
      };
      const interactive = !output.json && process.stderr.isTTY === true && size > exportPage;
      const bar = interactive ? new cliProgress.SingleBar({ format: 'exporting [{bar}] {value}/{total} entries · {eta_formatted} left', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
      bar?.start(size, 0);
      await write({ format: exportFormat, origin: key.origin, verifierKey: key.verifierKey, size, exportedAt: new Date().toISOString() });
      for (const checkpoint of checkpoints) await write({ checkpoint: checkpoint.note });
      let written = 0;
      while (written < size) {
        const page = await api.get<{ items: ExportEntry[] }>(`/api/v1/audit/export?from=${written}&limit=${Math.min(exportPage, size - written)}`);
        if (page.items.length === 0) break;
        for (const entry of page.items) await write(entry);
        written += page.items.length;
        bar?.update(written);
      }
      bar?.stop();
      file.end();
      await once(file, 'finish');
      const summary = { file: options.out, entries: written, checkpoints: checkpoints.length, verifierKey: key.verifierKey };
      output.result(summary, () => output.line(`Exported ${written} entr${written === 1 ? 'y' : 'ies'} and ${checkpoints.length} signed checkpoint${checkpoints.length === 1 ? '' : 's'} to ${options.out}. Verify it anywhere with:\n  trustplane audit verify ${options.out} --key '${key.verifierKey}'`));
    }));

  audit.command('verify')
    .description('verify offline, trusting only the log\'s key: an exported log (rebuild the tree, check every checkpoint, name the first entry changed, removed or moved), or with --evidence an evidence pack')
    .argument('[file]', 'a file `trustplane audit export` wrote')
    .option('--key <verifier-key>', 'the log\'s verifier key (`trustplane audit public-key`), from a source you trust')
    .option('--checkpoint <file>', 'a checkpoint note saved earlier: the log must still agree with it')
    .option('--evidence <file>', 'verify an evidence pack (the .json or .html `trustplane report evidence` wrote) instead of an export')
    .option('--trust-embedded-key', 'without --key, check the file against the key written inside it; this does not check the key, so it proves only that the file agrees with itself')
    .action(action(async ({ output }, file: string | undefined, options: { key?: string; checkpoint?: string; evidence?: string; trustEmbeddedKey?: boolean }) => {
      const trustEmbeddedKey = options.key === undefined && options.trustEmbeddedKey === true;
      if (trustEmbeddedKey) process.stderr.write(`warning: ${keyNotChecked}\n`);
      if (options.evidence !== undefined) {
        const text = readFileSync(options.evidence, 'utf8');
        const page = text.trimStart().startsWith('<');
        let pack: EvidencePack;
        try {
          pack = (page ? evidenceFromHtml(text) : JSON.parse(text)) as EvidencePack;
        } catch {
          throw new TrustplaneError('VALIDATION_FAILED', `${options.evidence} is not an evidence pack that \`trustplane report evidence\` wrote`);
        }
        const shapeProblem = evidenceShapeProblem(pack);
        if (shapeProblem !== null) throw new TrustplaneError('VALIDATION_FAILED', `${options.evidence}: ${shapeProblem}`);
        // What the auditor read must be what the pack says: the page is rendered again from it, and compared.
        if (page && renderEvidenceHtml(pack) !== text) {
          output.result({ ok: false, problems: ['the page was edited: what it shows is not what the pack inside it says'] }, () => output.line('FAILED: the page was edited: what it shows is not what the pack inside it says'));
          process.exitCode = 1;
          return;
        }
        if (options.key === undefined && !trustEmbeddedKey) throw keyRequired(options.evidence);
        const key = parseVerifierKey(options.key ?? pack.log.verifierKey);
        if ('problem' in key) throw new TrustplaneError('VALIDATION_FAILED', `--key: ${key.problem}`);
        const report = { ...verifyEvidencePack(pack, key), keyChecked: !trustEmbeddedKey };
        output.result(report, () => {
          if (report.ok) output.line(`OK${trustEmbeddedKey ? ` (${keyNotChecked})` : ''}: the pack's checkpoint (size ${report.checkpointSize}) is signed by ${key.name}; all ${report.entriesVerified} cited audit entries are in it; every change, revocation, emergency, denial and total the pack states is what those entries say.`);
          else for (const problem of report.problems.slice(0, 20)) output.line(`FAILED: ${problem}`);
        });
        if (!report.ok) process.exitCode = 1;
        return;
      }
      if (file === undefined) throw new TrustplaneError('VALIDATION_FAILED', 'name the exported log to verify (or --evidence FILE)');
      const saved = options.checkpoint === undefined ? undefined : readFileSync(options.checkpoint, 'utf8');
      const report = { ...await verifyFile(file, { ...(options.key === undefined ? {} : { key: options.key }), ...(saved === undefined ? {} : { saved }), trustEmbeddedKey }), keyChecked: !trustEmbeddedKey };
      output.result(report, () => {
        const verified = report.checkpoints.filter((checkpoint) => checkpoint.verified).length;
        if (report.ok) {
          output.line(`OK${trustEmbeddedKey ? ` (${keyNotChecked})` : ''}: ${report.size} entr${report.size === 1 ? 'y' : 'ies'}; ${verified} of ${report.checkpoints.length} signed checkpoint${report.checkpoints.length === 1 ? '' : 's'} match the rebuilt tree (root ${report.root})${report.saved === null ? '' : `; consistent with the saved checkpoint at size ${report.saved.size}`}.`);
        } else {
          output.line(`FAILED: ${report.problem?.message}`);
          if (report.problem?.index !== null && report.problem?.index !== undefined) output.line(`First bad entry: ${report.problem.index} (${report.problem.kind})`);
        }
      });
      if (!report.ok) process.exitCode = 1;
    }));
};
