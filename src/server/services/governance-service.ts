// Governance as code: plan and apply a governance.yaml, export the current state. Parsing and
// validation happen before the transaction; the apply, its version and its audit entry commit together.
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { changesClasses, exportGovernance, formatGovernanceIssue, formatGovernancePath, governanceSections, lintDecisionRights, parseGovernance, planGovernance } from '../../core/governance/index.ts';
import type { Governance, GovernancePlan, LocatedFinding } from '../../core/governance/index.ts';
import { checkGovernancePolicies } from '../auth/cedar-engine.ts';
import type { PolicySetProblem } from '../auth/cedar-engine.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { governanceFromRows } from '../stores/governance-store.ts';
import type { GovernanceEntityRow } from '../stores/governance-store.ts';
import type { Clock } from '../platform.ts';
import { classifyInventory } from './inventory-classification.ts';

export type GovernanceServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  /** Runs after a version is committed (authorization compiles it ahead of the next decision). */
  onApplied?: () => Promise<void>;
};

export type AppliedGovernance = { version: number; appliedAt: string; appliedBy: string; governance: Governance };

export type ApplyResult = { plan: GovernancePlan; applied: boolean; dryRun: boolean; version: number | null; warnings: string[] };

const formatPolicyProblem = (file: string, problem: PolicySetProblem): string =>
  problem.index === null ? `${file}: ${problem.message}` : `${file} policies[${problem.index}]: ${problem.message}`;

export type LintReport = { source: string; errors: number; warnings: number; findings: LocatedFinding[] };

/** `governance.yaml:88 classes[1].decisionRights.revoke: … (fix: …)`, as the CLI and problem documents print it. */
export const formatFinding = (finding: LocatedFinding): string => {
  const place = finding.line > 0 ? `${finding.file}:${finding.line} ` : `${finding.file}, `;
  return `${place}${finding.path.length === 0 ? '' : `${formatGovernancePath(finding.path)}: `}${finding.message}; fix: ${finding.fix}`;
};

type EntitySpec = { id?: string };

/** Flattens a governance model into one row per declared entity, in file order. */
const entitiesOf = (governance: Governance, version: number, previous: Map<string, GovernanceEntityRow>): GovernanceEntityRow[] => {
  const rows: GovernanceEntityRow[] = [];
  for (const section of governanceSections) {
    const value = governance[section.key] as unknown;
    const entries = section.single ? [value] : (value as unknown[] | undefined) ?? [];
    entries.forEach((entry, position) => {
      if (entry === undefined) return;
      const id = section.idOf(entry as EntitySpec, position);
      const old = previous.get(`${section.key}/${id}`);
      const unchanged = old !== undefined && JSON.stringify(old.spec) === JSON.stringify(entry);
      rows.push({ kind: section.key, id, spec: entry, position, version: unchanged ? old.version : version });
    });
  }
  return rows;
};

const loadCurrent = async (tx: UnitOfWorkContext): Promise<{ applied: AppliedGovernance | null; rows: GovernanceEntityRow[] }> => {
  const version = await tx.governance.currentVersion();
  if (version === null) return { applied: null, rows: [] };
  const rows = await tx.governance.listEntities();
  return {
    applied: { version: version.version, appliedAt: version.appliedAt, appliedBy: version.appliedBy, governance: governanceFromRows(rows) },
    rows,
  };
};

/**
 * Classes the new governance removes, or whose kinds it narrows, while credentials still sit in them: one
 * line each. Removing them would leave credentials pointing at no class, neither governed nor listed as
 * unclassified; the owner must move them first.
 */
const strandedCredentials = async (tx: UnitOfWorkContext, current: Governance | null, next: Governance): Promise<string[]> => {
  const lines: string[] = [];
  const nextClasses = new Map(next.classes.map((entry) => [entry.id, entry]));
  for (const before of current?.classes ?? []) {
    const after = nextClasses.get(before.id);
    const dropped = after === undefined ? undefined : before.kinds.filter((kind) => !(after.kinds as readonly string[]).includes(kind));
    if (dropped !== undefined && dropped.length === 0) continue;
    const count = await tx.credentials.countInClass(before.id, dropped);
    if (count === 0) continue;
    lines.push(after === undefined
      ? `class "${before.id}" is removed but still governs ${count} credential${count === 1 ? '' : 's'}; keep the class: an import does not move classified credentials to another class`
      : `class "${before.id}" no longer lists ${dropped?.join(', ')} but holds ${count} credential${count === 1 ? '' : 's'} of ${dropped?.length === 1 ? 'that kind' : 'those kinds'}; move them first or keep the kind`);
  }
  return lines;
};

export const createGovernanceService = ({ unitOfWork, clock, onApplied }: GovernanceServiceDeps) => {
  /** Parses, checks the organisation's Cedar policies, and lints; throws on any error, returns the lint findings. */
  const check = (document: string, fileName: string, current: Governance | null): { governance: Governance; findings: LocatedFinding[] } => {
    const parsed = parseGovernance(document, fileName, { now: clock.now(), current });
    const lines = parsed.ok
      ? [
        ...checkGovernancePolicies(parsed.governance).map((problem) => formatPolicyProblem(fileName, problem)),
        ...parsed.findings.filter((finding) => finding.severity === 'error').map(formatFinding),
      ]
      : parsed.issues.map(formatGovernanceIssue);
    if (!parsed.ok || lines.length > 0) {
      const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
      throw new TrustplaneError('GOVERNANCE_INVALID', `${fileName} has ${count}; nothing was applied`, lines);
    }
    return { governance: parsed.governance, findings: parsed.findings };
  };

  return {
    current: (): Promise<AppliedGovernance | null> => unitOfWork(async (tx) => (await loadCurrent(tx)).applied),

    async apply(input: { document: string; fileName: string; dryRun: boolean; actor: string; requestId?: string }): Promise<ApplyResult> {
      const before = await unitOfWork(async (tx) => (await loadCurrent(tx)).applied);
      const { governance: next, findings } = check(input.document, input.fileName, before?.governance ?? null);
      const warnings = findings.map(formatFinding);
      const documentSha256 = createHash('sha256').update(input.document, 'utf8').digest('hex');
      const now = clock.now();
      const result = await unitOfWork(async (tx) => {
        const { applied, rows } = await loadCurrent(tx);
        if (applied?.version !== before?.version) {
          throw new TrustplaneError('CONFLICT', `governance version ${applied?.version} was applied while ${input.fileName} was being checked; run the apply again to see its plan against it`);
        }
        const sectionsPlan = planGovernance(applied?.governance ?? null, next);
        if (!sectionsPlan.hasChanges) return { plan: sectionsPlan, applied: false, dryRun: input.dryRun, version: applied?.version ?? null, warnings };
        const write = !input.dryRun;
        if (write) {
          const stranded = await strandedCredentials(tx, applied?.governance ?? null, next);
          if (stranded.length > 0) {
            throw new TrustplaneError('CONFLICT', `${input.fileName} would leave credentials without a class that governs them; nothing was applied`, stranded);
          }
        }
        // Counted on a dry run too, so the plan says how many credentials the apply will classify.
        const classification = changesClasses(sectionsPlan) ? await classifyInventory(tx, next.classes, { write, now: now.toISOString() }) : null;
        const plan = classification === null ? sectionsPlan : { ...sectionsPlan, classifies: classification.plan };
        if (!write) return { plan, applied: false, dryRun: true, version: applied?.version ?? null, warnings };
        const version = (applied?.version ?? 0) + 1;
        const previous = new Map(rows.map((row) => [`${row.kind}/${row.id}`, row]));
        await tx.governance.replaceAll(
          { version, appliedAt: now.toISOString(), appliedBy: input.actor, documentSha256, summary: plan.summary },
          entitiesOf(next, version, previous),
        );
        await tx.audit.append({
          at: now, actor: input.actor, action: 'governance.apply', target: 'governance',
          governanceVersion: version,
          ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
          details: { fileName: input.fileName, documentSha256, plan: plan.summary, ...(classification === null ? {} : { classified: classification.audit }) },
        });
        return { plan, applied: true, dryRun: false, version, warnings };
      });
      if (result.applied) await onApplied?.();
      return result;
    },

    /**
     * The decision-rights lint of a document, or of the governance in force when none is given. Parse
     * errors and invalid Cedar policies are thrown as GOVERNANCE_INVALID; lint errors are findings.
     */
    async lint(input: { document?: string; fileName?: string }): Promise<LintReport> {
      const { applied, sourcesWithCa } = await unitOfWork(async (tx) => ({ applied: (await loadCurrent(tx)).applied, sourcesWithCa: new Set(await tx.ca.issuingSources()) }));
      let findings: LocatedFinding[];
      let source: string;
      if (input.document === undefined) {
        if (applied === null) throw new TrustplaneError('NOT_FOUND', 'no governance has been applied yet; lint a file with `trustplane lint -f governance.yaml`');
        source = `governance version ${applied.version}`;
        // The governance in force has no file, so no lines: findings name the version and the path.
        findings = lintDecisionRights(applied.governance, { sourcesWithCa }).map((finding) => ({ ...finding, file: source, line: 0 }));
      } else {
        source = input.fileName ?? 'governance.yaml';
        const parsed = parseGovernance(input.document, source, { now: clock.now(), current: applied?.governance ?? null, lintFacts: { sourcesWithCa } });
        if (!parsed.ok) throw new TrustplaneError('GOVERNANCE_INVALID', `${source} does not parse; fix these first`, parsed.issues.map(formatGovernanceIssue));
        const policyProblems = checkGovernancePolicies(parsed.governance).map((problem) => formatPolicyProblem(source, problem));
        if (policyProblems.length > 0) throw new TrustplaneError('GOVERNANCE_INVALID', `${source} has Cedar policies that do not validate`, policyProblems);
        findings = parsed.findings;
      }
      return { source, errors: findings.filter((finding) => finding.severity === 'error').length, warnings: findings.filter((finding) => finding.severity === 'warning').length, findings };
    },

    async export(): Promise<{ version: number; yaml: string }> {
      const applied = await unitOfWork(async (tx) => (await loadCurrent(tx)).applied);
      if (applied === null) throw new TrustplaneError('NOT_FOUND', 'no governance has been applied yet; apply one with `trustplane apply -f governance.yaml`');
      return { version: applied.version, yaml: exportGovernance(applied.governance) };
    },

    /** Lists the declared entities of one section (people, classes, …) in file order. */
    listEntities: (kind: string) => unitOfWork(async (tx) => (await tx.governance.listEntities(kind)).map((row) => row.spec)),

    findEntity: (kind: string, id: string) => unitOfWork(async (tx) => (await tx.governance.findEntity(kind, id))?.spec ?? null),
  };
};

export type GovernanceService = ReturnType<typeof createGovernanceService>;
