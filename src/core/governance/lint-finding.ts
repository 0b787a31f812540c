// What the decision-rights lint reports: a way the governance, though valid, cannot work in practice
// (an error, which `apply` refuses) or leaves something unbounded (a warning), where it is, and the fix.
import type { CredentialClass, DecisionRight, GovernancePath } from './governance-model.ts';
import type { GovernedAction } from './governance-vocabulary.ts';
import type { LintContext } from './lint-context.ts';

export type LintSeverity = 'error' | 'warning';

export type DecisionRightsFinding = {
  severity: LintSeverity;
  /** A stable kebab-case id, such as `no-customer-accountable`. */
  rule: string;
  classId: string | null;
  action: GovernedAction | null;
  path: GovernancePath;
  /** What is wrong, naming the class, the action and the people involved; one terminal line. */
  message: string;
  fix: string;
};

/** One class and one action, with the decision right declared for it, if any. */
export type ActionScope = {
  classIndex: number;
  credentialClass: CredentialClass;
  action: GovernedAction;
  right: DecisionRight | undefined;
};

export type ActionLintRule = (scope: ActionScope, context: LintContext) => DecisionRightsFinding[];

/** `class "internal-mtls", revoke: ` — how every finding about a decision right begins. */
export const scopeLabel = ({ credentialClass, action }: Pick<ActionScope, 'credentialClass' | 'action'>): string =>
  `class "${credentialClass.id}", ${action}: `;

export const rightPath = ({ classIndex, action }: Pick<ActionScope, 'classIndex' | 'action'>, ...rest: string[]): GovernancePath =>
  ['classes', classIndex, 'decisionRights', action, ...rest];

export const actionError = (scope: ActionScope, rule: string, path: GovernancePath, message: string, fix: string): DecisionRightsFinding =>
  ({ severity: 'error', rule, classId: scope.credentialClass.id, action: scope.action, path, message: `${scopeLabel(scope)}${message}`, fix });

/** `a, b, c, d, e and 3 more`: names enough to act on without flooding a terminal line. */
export const listNames = (names: readonly string[], max = 5): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
