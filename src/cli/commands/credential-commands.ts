import { open, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { TrustplaneError } from '../../core/errors.ts';
import { checkImportReferences, formatImportNotice, formatParseFailure, maxImportNotices, parseTrustMaterial, summariseImport, wireProblem } from '../../core/inventory/index.ts';
import type { FileImportSummary, ImportedEntry, ImportNotice, ImportSummary } from '../../core/inventory/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import { ApiError } from '../api-client.ts';
import { action } from '../run-command.ts';
import { readInputFile } from './governance-commands.ts';

export type CredentialView = {
  id: string; fingerprint: string; kind: string; name: string; classId: string | null; sourceId: string | null; status: string;
  subject: string | null; issuer: string | null; serial: string | null; sans: string[]; notBefore: string | null; notAfter: string | null;
  keyAlgorithm: string | null; keySize: number | null; isCa: boolean; signatureAlgorithm: string | null; externalId: string | null;
  storageLocation: string | null; managedStorage: boolean | null; exposedTo: string[]; lastRotatedAt: string | null;
  supersedes: string | null; supersededBy: string | null; importedFrom: string | null; createdAt: string; updatedAt: string; workloads: string[];
};


const importBatchSize = 10_000;
const importBatchBytes = 16 * 1024 * 1024;

/** Batches of at most 10,000 entries and about 16 MiB of JSON, well inside the API's 32 MiB body limit. */
const batchesOf = function* (entries: readonly ImportedEntry[]): Generator<ImportedEntry[]> {
  let batch: ImportedEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = JSON.stringify(entry).length;
    if (batch.length > 0 && (batch.length >= importBatchSize || bytes + size > importBatchBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
};

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const day = (iso: string | null): string => (iso === null ? '-' : iso.slice(0, 10));

/** A class's lifecycle policy in words: "max lifetime 30d; renew 10d before; revoke within key_compromise 1h, default 1d; …". */
export const describePolicy = (policy: Record<string, unknown>): string => {
  const parts: string[] = [];
  const list = (value: unknown) => (Array.isArray(value) ? value.join(', ') : String(value));
  if (policy.maxLifetime !== undefined) parts.push(`max lifetime ${String(policy.maxLifetime)}`);
  if (policy.renewBefore !== undefined) parts.push(`renew ${String(policy.renewBefore)} before expiry`);
  if (policy.rotateEvery !== undefined) parts.push(`rotate every ${String(policy.rotateEvery)}`);
  if (typeof policy.revocationSla === 'object' && policy.revocationSla !== null) {
    parts.push(`revoke within ${Object.entries(policy.revocationSla).map(([trigger, within]) => `${String(within)} (${trigger.replaceAll('_', ' ')})`).join(', ')}`);
  }
  if (policy.keyAlgorithms !== undefined) parts.push(`keys ${list(policy.keyAlgorithms)}`);
  if (policy.allowedNames !== undefined) parts.push(`names ${list(policy.allowedNames)}`);
  if (policy.allowedSources !== undefined) parts.push(`sources ${list(policy.allowedSources)}`);
  if (policy.requireManagedStorage === true) parts.push('managed storage required');
  if (policy.allowThirdPartyExposure === true) parts.push('third-party exposure allowed');
  return parts.length === 0 ? '-' : parts.join('; ');
};

export const registerCredentialCommands = (program: Command): void => {
  const credentials = program.command('credentials').description('the credential inventory: list, show, reveal, import');

  credentials.command('list')
    .description('list credentials, filtered, sorted and paged')
    .option('--class <id>', 'only this class')
    .option('--kind <kind>', 'only this kind (x509_certificate, ssh_key, api_key, token, …)')
    .option('--owner <principal>', 'only classes this person owns (business or technical), e.g. person:dave')
    .option('--source <id>', 'only from this source')
    .option('--workload <id>', 'only used by this workload')
    .option('--status <status>', 'pending, active, superseded, revoked, expired or retired')
    .option('--expiring-within <duration>', 'active credentials expiring within this time, e.g. 30d')
    .option('--unclassified', 'only credentials no class governs yet')
    .option('-q, --search <text>', 'text in the name, subject, SANs, issuer, serial or fingerprint')
    .option('--sort <key>', 'name, notAfter, createdAt, kind or status; prefix - to reverse', 'notAfter')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'credentials per page (at most 1000)', '50')
    .action(action(async ({ client, output }, options: Record<string, string | boolean | undefined>) => {
      const page = await client().get<{ items: CredentialView[]; page: number; pageSize: number; total: number; totalIsExact: boolean }>('/api/v1/credentials', {
        class: options.class as string | undefined,
        kind: options.kind as string | undefined,
        owner: options.owner as string | undefined,
        source: options.source as string | undefined,
        workload: options.workload as string | undefined,
        status: options.status as string | undefined,
        expiringWithin: options.expiringWithin as string | undefined,
        unclassified: options.unclassified === true ? true : undefined,
        q: options.search as string | undefined,
        sort: options.sort as string,
        page: options.page as string,
        pageSize: options.pageSize as string,
      });
      output.result(page, () => {
        if (page.items.length === 0) return output.line(page.total === 0 ? 'No credentials match.' : `Page ${page.page} is past the last page.`);
        output.table(page.items.map((credential) => [
          credential.id, credential.kind, credential.name.slice(0, 48), credential.classId ?? '(unclassified)', credential.status, day(credential.notAfter), credential.sourceId ?? '-',
        ]), ['ID', 'KIND', 'NAME', 'CLASS', 'STATUS', 'NOT AFTER', 'SOURCE']);
        const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
        const more = page.totalIsExact ? '' : '+';
        output.line(`Page ${page.page} of ${pages.toLocaleString('en-US')}${more} (${page.total.toLocaleString('en-US')}${more} credential${page.total === 1 ? '' : 's'}).`);
      });
    }));

  credentials.command('show')
    .description('show one credential: facts, class, owners, policy and lineage')
    .argument('<id>', 'credential id (cr_…) or SHA-256 fingerprint')
    .action(action(async ({ client, output }, id: string) => {
      const api = client();
      const shown = await api.get<{ credential: CredentialView; lineage: { supersedes: CredentialView | null; supersededBy: CredentialView | null } }>(`/api/v1/credentials/${encodeURIComponent(id)}`);
      const { credential } = shown;
      type ClassView = Record<string, unknown> & { businessOwner?: string; technicalOwner?: string; policy?: Record<string, unknown> };
      const credentialClass = credential.classId === null ? null
        : await api.get<ClassView>(`/api/v1/classes/${encodeURIComponent(credential.classId)}`).catch((error: unknown) => {
          if (error instanceof ApiError && error.problem.code === 'NOT_FOUND') return null;
          throw error;
        });
      output.result({ ...shown, class: credentialClass }, () => {
        const rows: [string, string][] = [
          ['id', credential.id], ['kind', credential.kind], ['name', credential.name], ['status', credential.status],
          ['fingerprint', `SHA-256 ${credential.fingerprint}`],
          ['subject', credential.subject ?? '-'], ['issuer', credential.issuer ?? '-'], ['serial', credential.serial ?? '-'],
          ['names', credential.sans.length === 0 ? '-' : credential.sans.join(', ')],
          ['valid', `${credential.notBefore ?? '?'} → ${credential.notAfter ?? '?'}`],
          ['key', credential.keyAlgorithm === null ? '-' : `${credential.keyAlgorithm}${credential.keySize === null ? '' : ` (${credential.keySize} bits)`}${credential.isCa ? ', CA' : ''}`],
          ['class', credential.classId ?? '(unclassified)'],
          ['owners', credentialClass === null ? '-' : `business ${credentialClass.businessOwner ?? '?'}, technical ${credentialClass.technicalOwner ?? '?'}`],
          ['policy', credentialClass?.policy === undefined ? '-' : describePolicy(credentialClass.policy)],
          ['source', credential.sourceId ?? '-'],
          ['storage', `${credential.storageLocation ?? '-'}${credential.managedStorage === null ? '' : credential.managedStorage ? ' (managed)' : ' (unmanaged)'}`],
          ['workloads', credential.workloads.length === 0 ? '-' : credential.workloads.join(', ')],
          ['exposed to', credential.exposedTo.length === 0 ? '-' : credential.exposedTo.join(', ')],
          ['supersedes', shown.lineage.supersedes?.id ?? '-'],
          ['superseded by', shown.lineage.supersededBy?.id ?? '-'],
          ['imported from', credential.importedFrom ?? '-'],
          ['recorded', `${credential.createdAt} (updated ${credential.updatedAt})`],
        ];
        const width = Math.max(...rows.map(([label]) => label.length));
        for (const [label, value] of rows) output.line(`${label.padEnd(width)}  ${value}`);
      });
    }));

  credentials.command('reveal')
    .description('reveal a secret from the built-in store, once, to the requester or executor of the change that made it')
    .argument('<id>', 'credential id (cr_…)')
    .option('--out <file>', 'write the value to this new file (mode 0600) instead of printing it; an existing file is never overwritten')
    .action(action(async ({ client, output }, id: string, options: { out?: string }) => {
      type Reveal = { credentialId: string; version: number; value: string; revealedAt: string };
      const api = client();
      const path = `/api/v1/credentials/${encodeURIComponent(id)}/reveal`;
      if (options.out === undefined) {
        const revealed = await api.post<Reveal>(path, {});
        output.result(revealed, () => output.line(revealed.value));
        return;
      }
      const out = options.out;
      // The file is made before the reveal: a value revealed once and then not writable would be lost.
      const file = await open(out, 'wx', 0o600).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TrustplaneError('CONFLICT', `${out} already exists; reveal never overwrites a file, so name a new one (nothing was revealed)`);
        throw error;
      });
      let written = false;
      try {
        const { value, ...revealed } = await api.post<Reveal>(path, {});
        await file.writeFile(value);
        await file.sync();
        written = true;
        output.result({ ...revealed, file: out }, () => output.line(`Wrote version ${revealed.version} of ${revealed.credentialId} to ${out} (mode 0600); it cannot be revealed again.`));
      } finally {
        await file.close();
        if (!written) await rm(out, { force: true });
      }
    }));

  credentials.command('import')
    .description('import certificates (PEM, DER), public keys, OpenSSH keys and JSON/CSV inventory exports')
    .argument('<files...>', 'files to import')
    .option('--class <id>', 'put every credential in this class (else class match rules decide)')
    .option('--source <id>', 'the source these credentials come from')
    .option('--workload <id>', 'a workload that uses them (repeatable)', collect)
    .option('--storage-location <text>', 'where they are stored, e.g. vault:kv/payments')
    .option('--managed', 'they are in a managed store')
    .option('--unmanaged', 'they are not in a managed store')
    .action(action(async ({ client, output }, files: string[], options: { class?: string; source?: string; workload?: string[]; storageLocation?: string; managed?: boolean; unmanaged?: boolean }) => {
      if (options.managed === true && options.unmanaged === true) throw new TrustplaneError('VALIDATION_FAILED', 'pass --managed or --unmanaged, not both');
      const entries: ImportedEntry[] = [];
      const failures: string[] = [];
      const interactive = !output.json && process.stderr.isTTY === true;
      for (const path of files) {
        const name = basename(path);
        const bytes = await readInputFile(path);
        // Reading a large export takes seconds before the upload's progress bar can start.
        if (interactive && bytes.length > 1024 * 1024) process.stderr.write(`reading ${name} (${(bytes.length / 1048576).toFixed(1)} MiB)…\n`);
        const parsed = parseTrustMaterial({ name, bytes });
        if (parsed.ok) entries.push(...parsed.credentials.map((credential) => ({ file: name, entry: credential.entry, facts: credential.facts })));
        else failures.push(formatParseFailure(parsed.error));
      }
      if (failures.length > 0) {
        throw new TrustplaneError('IMPORT_INVALID', `${failures.length} of ${files.length} file${files.length === 1 ? '' : 's'} could not be read; nothing was imported`, failures);
      }
      const defaults = {
        ...(options.class === undefined ? {} : { classId: options.class }),
        ...(options.source === undefined ? {} : { sourceId: options.source }),
        ...(options.workload === undefined ? {} : { workloads: options.workload }),
        ...(options.storageLocation === undefined ? {} : { storageLocation: options.storageLocation }),
        ...(options.managed === true ? { managedStorage: true } : options.unmanaged === true ? { managedStorage: false } : {}),
      };
      // Check every entry as the server will, before sending anything, so a large import never stops half way.
      const invalid: string[] = [];
      for (const { file, entry, facts } of entries) {
        const problem = wireProblem(facts);
        if (problem !== null) invalid.push(`${file}: ${entry}: ${problem}`);
        if (invalid.length >= 50) break;
      }
      if (invalid.length > 0) {
        throw new TrustplaneError('IMPORT_INVALID', `${invalid.length >= 50 ? 'at least 50' : invalid.length} entr${invalid.length === 1 ? 'y is' : 'ies are'} out of bounds; nothing was imported`, invalid);
      }
      const api = client();
      const current = await api.get<{ governance: Governance | null }>('/api/v1/governance');
      const problems = checkImportReferences(entries, defaults, current.governance);
      if (problems.length > 0) {
        throw new TrustplaneError('IMPORT_INVALID', `the import refers to what governance does not declare (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was imported`, problems);
      }
      const showProgress = interactive && entries.length > importBatchSize;
      const bar = showProgress ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} credentials · {eta_formatted} left', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
      bar?.start(entries.length, 0);
      const reports: FileImportSummary[] = [];
      const notices: ImportNotice[] = [];
      let noticesLeftOut = 0;
      let sent = 0;
      try {
        for (const batch of batchesOf(entries)) {
          const summary = await api.post<ImportSummary>('/api/v1/credentials/import', {
            entries: batch,
            ...(defaults.classId === undefined ? {} : { class: defaults.classId }),
            ...(defaults.sourceId === undefined ? {} : { source: defaults.sourceId }),
            ...(defaults.workloads === undefined ? {} : { workloads: defaults.workloads }),
            ...(defaults.storageLocation === undefined ? {} : { storageLocation: defaults.storageLocation }),
            ...(defaults.managedStorage === undefined ? {} : { managedStorage: defaults.managedStorage }),
          });
          reports.push(...summary.files);
          notices.push(...summary.notices);
          noticesLeftOut += summary.noticesLeftOut;
          sent += batch.length;
          bar?.update(sent);
        }
      } catch (error) {
        bar?.stop();
        if (sent === 0) throw error;
        // Earlier batches are committed; say so rather than let "nothing was imported" be assumed.
        process.stderr.write(`${sent} of ${entries.length} credentials were imported before this failure; the other ${entries.length - sent} were not.\n`);
        throw error;
      } finally {
        bar?.stop();
      }
      const summary = summariseImport(reports, notices, noticesLeftOut);
      output.result(summary, () => {
        if (summary.files.length > 0) {
          output.table(summary.files.map((file) => [file.file, ...[file.credentials, file.created, file.updated, file.unchanged, file.skipped, file.heldBack, file.unclassified].map(String)]),
            ['FILE', 'CREDENTIALS', 'NEW', 'UPDATED', 'UNCHANGED', 'SKIPPED', 'HELD BACK', 'UNCLASSIFIED']);
        }
        const recorded = summary.created + summary.updated + summary.unchanged;
        output.line(`Imported ${recorded} credential${recorded === 1 ? '' : 's'}: ${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.unclassified} unclassified.`);
        const notHonoured = summary.notices.length + summary.noticesLeftOut;
        if (notHonoured === 0) return;
        output.line(`${notHonoured} entr${notHonoured === 1 ? 'y' : 'ies'} asked for what an import does not change (${summary.skipped} skipped whole, ${summary.heldBack} applied without it); a status changes only through a change (trustplane changes request):`);
        for (const notice of summary.notices) output.line(`  ${formatImportNotice(notice)}`);
        if (summary.noticesLeftOut > 0) output.line(`  … and ${summary.noticesLeftOut} more (--json lists the first ${maxImportNotices})`);
      });
    }));
};
