// What an import did, per file and in all; the server reports it per request and the CLI adds the
// reports of its batches together.

export type FileImportSummary = { file: string; credentials: number; created: number; updated: number; unclassified: number };
export type ImportSummary = { files: FileImportSummary[]; created: number; updated: number; unclassified: number };

/** Adds up per-file reports, merging the reports of one file (it may span several batches), in order. */
export const summariseImport = (reports: readonly FileImportSummary[]): ImportSummary => {
  const byFile = new Map<string, FileImportSummary>();
  for (const report of reports) {
    const before = byFile.get(report.file);
    byFile.set(report.file, before === undefined ? { ...report } : {
      file: report.file,
      credentials: before.credentials + report.credentials,
      created: before.created + report.created,
      updated: before.updated + report.updated,
      unclassified: before.unclassified + report.unclassified,
    });
  }
  const files = [...byFile.values()];
  const total = (key: 'created' | 'updated' | 'unclassified') => files.reduce((sum, file) => sum + file[key], 0);
  return { files, created: total('created'), updated: total('updated'), unclassified: total('unclassified') };
};
