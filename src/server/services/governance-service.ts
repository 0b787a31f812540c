// Governance as code: plan and apply a governance.yaml, export the current state. Parsing and
// validation happen before the transaction; the apply, its version and its audit entry commit together.
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { exportGovernance, formatGovernanceIssue, governanceSections, parseGovernance, planGovernance } from '../../core/governance/index.ts';
import type { Governance, GovernancePlan } from '../../core/governance/index.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { GovernanceEntityRow } from '../stores/governance-store.ts';
import type { Clock } from '../platform.ts';

export type GovernanceServiceDeps = { unitOfWork: UnitOfWork; clock: Clock };

export type AppliedGovernance = { version: number; appliedAt: string; appliedBy: string; governance: Governance };

export type ApplyResult = { plan: GovernancePlan; applied: boolean; dryRun: boolean; version: number | null };

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

/** Rebuilds the governance model from its rows (it was validated when it was applied). */
const governanceFrom = (rows: readonly GovernanceEntityRow[]): Governance => {
  const model: Record<string, unknown> = {};
  for (const section of governanceSections) {
    const specs = rows.filter((row) => row.kind === section.key).sort((a, b) => a.position - b.position).map((row) => row.spec);
    model[section.key] = section.single ? specs[0] : specs;
  }
  return model as Governance;
};

const loadCurrent = async (tx: UnitOfWorkContext): Promise<{ applied: AppliedGovernance | null; rows: GovernanceEntityRow[] }> => {
  const version = await tx.governance.currentVersion();
  if (version === null) return { applied: null, rows: [] };
  const rows = await tx.governance.listEntities();
  return {
    applied: { version: version.version, appliedAt: version.appliedAt, appliedBy: version.appliedBy, governance: governanceFrom(rows) },
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
      ? `class "${before.id}" is removed but still governs ${count} credential${count === 1 ? '' : 's'}; import them into another class (credentials import --class) or keep the class`
      : `class "${before.id}" no longer lists ${dropped?.join(', ')} but holds ${count} credential${count === 1 ? '' : 's'} of ${dropped?.length === 1 ? 'that kind' : 'those kinds'}; move them first or keep the kind`);
  }
  return lines;
};

export const createGovernanceService = ({ unitOfWork, clock }: GovernanceServiceDeps) => {
  const parse = (document: string, fileName: string, current: Governance | null): Governance => {
    const parsed = parseGovernance(document, fileName, { now: clock.now(), current });
    if (!parsed.ok) {
      const lines = parsed.issues.map(formatGovernanceIssue);
      const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
      throw new TrustplaneError('GOVERNANCE_INVALID', `${fileName} has ${count}; nothing was applied`, lines);
    }
    return parsed.governance;
  };

  return {
    current: (): Promise<AppliedGovernance | null> => unitOfWork(async (tx) => (await loadCurrent(tx)).applied),

    async apply(input: { document: string; fileName: string; dryRun: boolean; actor: string; requestId?: string }): Promise<ApplyResult> {
      const before = await unitOfWork(async (tx) => (await loadCurrent(tx)).applied);
      const next = parse(input.document, input.fileName, before?.governance ?? null);
      const documentSha256 = createHash('sha256').update(input.document, 'utf8').digest('hex');
      const now = clock.now();
      return unitOfWork(async (tx) => {
        const { applied, rows } = await loadCurrent(tx);
        if (applied?.version !== before?.version) {
          throw new TrustplaneError('CONFLICT', `governance version ${applied?.version} was applied while ${input.fileName} was being checked; run the apply again to see its plan against it`);
        }
        const plan = planGovernance(applied?.governance ?? null, next);
        if (input.dryRun || !plan.hasChanges) {
          return { plan, applied: false, dryRun: input.dryRun, version: applied?.version ?? null };
        }
        const stranded = await strandedCredentials(tx, applied?.governance ?? null, next);
        if (stranded.length > 0) {
          throw new TrustplaneError('CONFLICT', `${input.fileName} would leave credentials without a class that governs them; nothing was applied`, stranded);
        }
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
          details: { fileName: input.fileName, documentSha256, plan: plan.summary },
        });
        return { plan, applied: true, dryRun: false, version };
      });
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
