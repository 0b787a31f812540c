// One problem found in a governance file, in the form people and editors read:
// `governance.yaml:41 classes[2].decisionRights.revoke.accountable: person "zed" is not declared`.
import type { GovernancePath } from './governance-model.ts';

export type GovernanceIssue = { file: string; line: number; path: string; message: string };

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['classes', 2, 'decisionRights']` → `classes[2].decisionRights`; odd keys are quoted: `a["b c"]`. */
export const formatGovernancePath = (path: GovernancePath): string => {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (plainKey.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
};

export const formatGovernanceIssue = (issue: GovernanceIssue): string =>
  issue.path === '' ? `${issue.file}:${issue.line} ${issue.message}` : `${issue.file}:${issue.line} ${issue.path}: ${issue.message}`;

/** Orders issues by line; issues on one line keep the order they were found in. */
export const sortGovernanceIssues = (issues: readonly GovernanceIssue[]): GovernanceIssue[] =>
  issues.map((issue, order) => ({ issue, order })).sort((a, b) => a.issue.line - b.issue.line || a.order - b.order).map(({ issue }) => issue);
