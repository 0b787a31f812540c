// What an import did, per file and in all; the server reports it per request and the CLI adds the
// reports of its batches together.
import type { HeldBack, Restatement } from './import-restatement.ts';

/**
 * Per file: `created` new credentials; `updated` known ones whose recorded facts changed; `unchanged` known
 * ones restated as they are; `skipped` entries of which nothing was applied; `heldBack` entries applied but
 * for a field they may not change (see import-restatement.ts); `unclassified` credentials left without a class.
 */
export type FileImportSummary = {
  file: string; credentials: number; created: number; updated: number; unchanged: number; skipped: number; heldBack: number; unclassified: number;
};

/** An entry the import did not apply in full: where it is, the credential it names, and what it asked for. */
export type ImportNotice = { file: string; entry: string; credentialId: string; outcome: Restatement['outcome']; heldBack: HeldBack[] };

export type ImportSummary = {
  files: FileImportSummary[];
  created: number; updated: number; unchanged: number; skipped: number; heldBack: number; unclassified: number;
  /** The first `maxImportNotices` notices; `noticesLeftOut` says how many more there were. */
  notices: ImportNotice[];
  noticesLeftOut: number;
};

/** Notices a summary lists: enough to see what went wrong and where, few enough to print. */
export const maxImportNotices = 100;

const counts = ['credentials', 'created', 'updated', 'unchanged', 'skipped', 'heldBack', 'unclassified'] as const;

/** Adds up per-file reports, merging the reports of one file (it may span several batches), in order. */
export const summariseImport = (reports: readonly FileImportSummary[], notices: readonly ImportNotice[] = [], noticesLeftOut = 0): ImportSummary => {
  const byFile = new Map<string, FileImportSummary>();
  for (const report of reports) {
    const before = byFile.get(report.file);
    if (before === undefined) byFile.set(report.file, { ...report });
    else for (const key of counts) before[key] += report[key];
  }
  const files = [...byFile.values()];
  const total = (key: (typeof counts)[number]) => files.reduce((sum, file) => sum + file[key], 0);
  return {
    files,
    created: total('created'), updated: total('updated'), unchanged: total('unchanged'), skipped: total('skipped'), heldBack: total('heldBack'), unclassified: total('unclassified'),
    notices: notices.slice(0, maxImportNotices),
    noticesLeftOut: noticesLeftOut + Math.max(0, notices.length - maxImportNotices),
  };
};

const describeHeldBack = (held: HeldBack): string => `${held.field} "${held.asked}" asked, "${held.stands}" stands: ${held.reason}`;

/** One line per notice, as the CLI prints it: `file: entry: credential …: skipped; kind "private_key" asked, …`. */
export const formatImportNotice = (notice: ImportNotice): string =>
  `${notice.file}: ${notice.entry}: credential ${notice.credentialId} ${notice.outcome === 'skipped' ? 'skipped' : 'refreshed, but kept'}; ${notice.heldBack.map(describeHeldBack).join('; ')}`;
