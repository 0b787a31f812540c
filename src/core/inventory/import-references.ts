// What an import may refer to: classes, sources and workloads that governance declares, and classes
// that govern the kind of credential being put in them. Checked by the CLI before it sends anything
// and by the server before its transaction, with the same words.
import type { CredentialFacts } from './credential-facts.ts';

/** What the importer applies to every credential of an import unless the input itself says otherwise. */
export type ImportDefaults = {
  classId?: string;
  sourceId?: string;
  workloads?: string[];
  storageLocation?: string;
  managedStorage?: boolean;
};

export type ImportedEntry = { file: string; entry: string; facts: CredentialFacts };

/** The parts of governance an import is checked against. */
export type ImportReferenceScope = {
  classes?: readonly { id: string; kinds: readonly string[] }[];
  sources?: readonly { id: string }[];
  workloads?: readonly { id: string }[];
} | null;

const maxProblems = 50;

/** Returns one line per problem, at most 50 and a line saying more were left out. */
export const checkImportReferences = (entries: readonly ImportedEntry[], defaults: ImportDefaults, governance: ImportReferenceScope): string[] => {
  const classes = new Map((governance?.classes ?? []).map((entry) => [entry.id, entry]));
  const sources = new Set((governance?.sources ?? []).map((entry) => entry.id));
  const workloads = new Set((governance?.workloads ?? []).map((entry) => entry.id));
  const problems: string[] = [];
  if (defaults.classId !== undefined && !classes.has(defaults.classId)) problems.push(`--class: class "${defaults.classId}" is not declared in governance`);
  if (defaults.sourceId !== undefined && !sources.has(defaults.sourceId)) problems.push(`--source: source "${defaults.sourceId}" is not declared in governance`);
  for (const workload of defaults.workloads ?? []) {
    if (!workloads.has(workload)) problems.push(`--workload: workload "${workload}" is not declared in governance`);
  }
  for (const { file, entry, facts } of entries) {
    if (problems.length >= maxProblems) {
      problems.push('… further problems left out');
      break;
    }
    const where = `${file}: ${entry}`;
    if (facts.classId !== undefined && !classes.has(facts.classId)) problems.push(`${where}: class "${facts.classId}" is not declared in governance`);
    const classId = facts.classId ?? defaults.classId;
    const credentialClass = classId === undefined ? undefined : classes.get(classId);
    if (credentialClass !== undefined && !credentialClass.kinds.includes(facts.kind)) {
      problems.push(`${where}: a ${facts.kind} cannot join class "${credentialClass.id}", which governs ${credentialClass.kinds.join(', ')}`);
    }
    if (facts.source !== undefined && !sources.has(facts.source)) problems.push(`${where}: source "${facts.source}" is not declared in governance`);
    for (const workload of facts.workloads ?? []) {
      if (!workloads.has(workload)) problems.push(`${where}: workload "${workload}" is not declared in governance`);
    }
  }
  return problems;
};
