// Governance as code: the model of governance.yaml, its parser and rules, plans, export, change
// windows and classification. Pure: time comes in as an argument.
export { parseGovernance, maxGovernanceBytes } from './parse-governance.ts';
export type { GovernanceParse, ParseGovernanceOptions } from './parse-governance.ts';
export { formatGovernanceIssue, formatGovernancePath } from './governance-issue.ts';
export type { GovernanceIssue } from './governance-issue.ts';
export { governanceSchema } from './governance-schema.ts';
export type * from './governance-model.ts';
export * from './governance-vocabulary.ts';
export { parsePrincipalRef, formatPrincipalRef, idPattern } from './principal-ref.ts';
export type { PrincipalRef } from './principal-ref.ts';
export { governanceRules } from './governance-rules.ts';
export type { GovernanceRule, RuleContext, RuleIssue } from './governance-rule.ts';
export { governanceReferences } from './governance-references.ts';
export type { AuthorityRole, GovernanceReference } from './governance-references.ts';
export { createGovernanceDirectory } from './governance-directory.ts';
export type { GovernanceDirectory, ReferenceKind } from './governance-directory.ts';
export { governanceSections, policyId } from './governance-sections.ts';
export type { GovernanceSection, GovernanceSectionKey } from './governance-sections.ts';
export { planGovernance, formatPlan } from './governance-plan.ts';
export type { GovernancePlan, SectionPlan } from './governance-plan.ts';
export { exportGovernance } from './governance-export.ts';
export { isWindowOpen, nextWindowOpening, delegationIsLive, delegationIsOpen, delegationEnd, checkCronWindow } from './change-windows.ts';
export type { CronSchedule, CronWindowCheck } from './change-windows.ts';
export { classifyCredential, globMatches } from './classify.ts';
export type { ClassificationFacts } from './classify.ts';
export { canonicalJson } from './canonical-json.ts';
export { untilInstant, parseInstant, formatInstant } from './governance-time.ts';
