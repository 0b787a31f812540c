// The decision-rights lint: what parsing accepts but cannot work in practice. Parsing proves governance
// well-formed (references resolve, partners hold no authority); the lint asks whether every decision
// right can be carried out under separation of duties, whether every class can be revoked, and what is
// left without a limit in time. `trustplane lint` prints the findings; `apply` refuses on an error.
// Pure, and needs no clock: nothing here depends on when it runs. What only the stores know (which
// built-in CA sources have a CA) comes in as an argument; without it, those rules do not run.
import type { Governance } from './governance-model.ts';
import { governedActions } from './governance-vocabulary.ts';
import { accountableIsCustomer, customerCanExecute, someoneMayRevoke } from './lint-accountability.ts';
import { createLintContext } from './lint-context.ts';
import { builtinCaHasCa } from './lint-sources.ts';
import type { ActionLintRule, DecisionRightsFinding } from './lint-finding.ts';
import { dutiesCanBeSeparated, verifierIsNamed } from './lint-separation-of-duties.ts';
import { delegationIsBounded, revocationSlaIsSet } from './lint-time-limits.ts';

export type { DecisionRightsFinding, LintSeverity } from './lint-finding.ts';

const actionRules: readonly ActionLintRule[] = [
  accountableIsCustomer,
  someoneMayRevoke,
  customerCanExecute,
  verifierIsNamed,
  dutiesCanBeSeparated,
];

/** Facts from outside governance that some rules need. */
export type LintFacts = {
  /** The sources that have an issuing CA in the CA store. */
  sourcesWithCa?: ReadonlySet<string>;
};

/** Errors first, then warnings, each in the order of governance.yaml: classes, their actions, delegations, sources. */
export const lintDecisionRights = (governance: Governance, facts: LintFacts = {}): DecisionRightsFinding[] => {
  const context = createLintContext(governance);
  const findings = [
    ...governance.classes.flatMap((credentialClass, classIndex) => [
      ...revocationSlaIsSet(credentialClass, classIndex),
      ...governedActions.flatMap((action) => {
        const scope = { classIndex, credentialClass, action, right: credentialClass.decisionRights[action] };
        return actionRules.flatMap((rule) => rule(scope, context));
      }),
    ]),
    ...governance.delegations.flatMap(delegationIsBounded),
    ...(facts.sourcesWithCa === undefined ? [] : builtinCaHasCa(governance, facts.sourcesWithCa)),
  ];
  return [...findings.filter((finding) => finding.severity === 'error'), ...findings.filter((finding) => finding.severity === 'warning')];
};
