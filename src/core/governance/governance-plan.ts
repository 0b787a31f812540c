// What applying a governance file would change, per section and id (like `terraform plan`).
// An entry is changed when its canonical JSON differs; a renamed id is a removal and an addition.
import { canonicalJson } from './canonical-json.ts';
import type { Governance } from './governance-model.ts';
import { governanceSections, sectionEntries } from './governance-sections.ts';
import type { GovernanceSectionKey } from './governance-sections.ts';

export type SectionPlan = { added: string[]; changed: string[]; removed: string[] };

/** Unclassified credentials that the new class match rules put into a class, per class in file order. */
export type ClassificationPlan = { classId: string; credentials: number }[];

export type GovernancePlan = {
  sections: Record<GovernanceSectionKey, SectionPlan>;
  summary: { toAdd: number; toChange: number; toRemove: number };
  hasChanges: boolean;
  /** Counted against the inventory by the service when classes are added or changed; absent otherwise. */
  classifies?: ClassificationPlan;
};

/** Whether the plan adds or changes classes, so that unclassified credentials may now match one. */
export const changesClasses = (plan: GovernancePlan): boolean => plan.sections.classes.added.length + plan.sections.classes.changed.length > 0;

/** Entries kept in both whose place among the kept ones moved. */
const movedIds = (current: Map<string, unknown>, next: Map<string, unknown>): Set<string> => {
  const before = [...current.keys()].filter((id) => next.has(id));
  const after = [...next.keys()].filter((id) => current.has(id));
  return new Set(after.filter((id, index) => before[index] !== id));
};

const planSection = (current: Map<string, unknown>, next: Map<string, unknown>, orderMatters: boolean): SectionPlan => {
  const moved = orderMatters ? movedIds(current, next) : new Set<string>();
  return {
    added: [...next.keys()].filter((id) => !current.has(id)),
    changed: [...next.entries()]
      .filter(([id, entry]) => current.has(id) && (moved.has(id) || canonicalJson(current.get(id)) !== canonicalJson(entry)))
      .map(([id]) => id),
    removed: [...current.keys()].filter((id) => !next.has(id)),
  };
};

// The order of classes is meaning, not layout: an imported credential goes to the first class whose match
// rules claim it. Elsewhere order is only how the file reads.
const orderedSections: ReadonlySet<GovernanceSectionKey> = new Set(['classes']);

export const planGovernance = (current: Governance | null, next: Governance): GovernancePlan => {
  const sections = Object.fromEntries(governanceSections.map((section) => [
    section.key,
    planSection(current === null ? new Map() : sectionEntries(current, section), sectionEntries(next, section), orderedSections.has(section.key)),
  ])) as Record<GovernanceSectionKey, SectionPlan>;
  const plans = Object.values(sections);
  const summary = {
    toAdd: plans.reduce((sum, plan) => sum + plan.added.length, 0),
    toChange: plans.reduce((sum, plan) => sum + plan.changed.length, 0),
    toRemove: plans.reduce((sum, plan) => sum + plan.removed.length, 0),
  };
  return { sections, summary, hasChanges: summary.toAdd + summary.toChange + summary.toRemove > 0 };
};

/** One line per change ("+ classes/internal-mtls", "~ people/dave", "- workloads/old-batch"), then the totals. */
export const formatPlan = (plan: GovernancePlan): string => {
  if (!plan.hasChanges) return 'No changes. Governance is up to date.';
  const lines = governanceSections.flatMap(({ key }) => {
    const { added, changed, removed } = plan.sections[key];
    return [...added.map((id) => `+ ${key}/${id}`), ...changed.map((id) => `~ ${key}/${id}`), ...removed.map((id) => `- ${key}/${id}`)];
  });
  const classifies = plan.classifies ?? [];
  const classified = classifies.reduce((sum, entry) => sum + entry.credentials, 0);
  const plural = (count: number) => `${count} unclassified credential${count === 1 ? '' : 's'}`;
  const { toAdd, toChange, toRemove } = plan.summary;
  return [
    ...lines,
    ...classifies.map((entry) => `> ${plural(entry.credentials)} into classes/${entry.classId}`),
    '',
    `Plan: ${toAdd} to add, ${toChange} to change, ${toRemove} to remove${classified === 0 ? '' : `; ${plural(classified)} to classify`}.`,
  ].join('\n');
};
