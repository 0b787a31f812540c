// A governance rule: a small pure function over the whole model that returns what is wrong and where.
// Rules never see YAML; `lineOf` lets a rule name another place (a first declaration) when text exists.
import type { Governance, GovernancePath } from './governance-model.ts';

export type RuleIssue = { path: GovernancePath; message: string };

export type RuleContext = {
  now: Date;
  /**
   * The governance in force, if any. Checks that depend on the time (has a delegation or window ended?)
   * apply to what a file adds or changes: a delegation that lapsed while in force is reported by
   * monitoring, and must not block an unrelated apply, such as removing a person who left.
   */
  current: Governance | null;
  /** The line of a path in the source file, or null when the model did not come from a file. */
  lineOf: (path: GovernancePath) => number | null;
};

export type GovernanceRule = (governance: Governance, context: RuleContext) => RuleIssue[];
