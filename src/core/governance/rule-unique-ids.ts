// Every id is declared once per kind. Partners share the organization namespace with the customer.
// Policies have no id; the same policy text written twice is reported too.
import type { GovernancePath } from './governance-model.ts';
import type { GovernanceRule, RuleContext, RuleIssue } from './governance-rule.ts';

type Declaration = { key: string; path: GovernancePath };

const sectionWords = {
  teams: 'team', people: 'person', serviceAccounts: 'service account', agents: 'agent', sources: 'source',
  workloads: 'workload', classes: 'class', delegations: 'delegation', playbooks: 'playbook',
} as const;

const duplicates = (declarations: readonly Declaration[], context: RuleContext, describe: (key: string) => string): RuleIssue[] => {
  const first = new Map<string, GovernancePath>();
  const issues: RuleIssue[] = [];
  for (const { key, path } of declarations) {
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, path);
      continue;
    }
    const line = context.lineOf(earlier);
    issues.push({ path, message: `${describe(key)}${line === null ? '' : `; first at line ${line}`}` });
  }
  return issues;
};

export const idsAreUnique: GovernanceRule = (governance, context) => {
  const organizations = [
    { key: governance.organization.id, path: ['organization', 'id'] },
    ...governance.partners.map((partner, i) => ({ key: partner.id, path: ['partners', i, 'id'] })),
  ];
  const sections = Object.entries(sectionWords) as [keyof typeof sectionWords, string][];
  return [
    ...duplicates(organizations, context, (id) => `organization "${id}" is declared twice`),
    ...sections.flatMap(([section, word]) => duplicates(
      governance[section].map((entry, i) => ({ key: entry.id, path: [section, i, 'id'] })),
      context,
      (id) => `${word} "${id}" is declared twice`,
    )),
    ...duplicates(
      governance.policies.map((policy, i) => ({ key: policy.trim(), path: ['policies', i] })),
      context,
      () => 'the same policy is written twice',
    ),
  ];
};
