// Someone of the customer's own answers for every decision right and can step in: an accountable
// customer person, a way to revoke every class, and a customer who can execute when a partner cannot.
import { parsePrincipalRef } from './principal-ref.ts';
import type { LintContext } from './lint-context.ts';
import { actionError, rightPath } from './lint-finding.ts';
import type { ActionLintRule } from './lint-finding.ts';

/** Defensive: parsing already refuses a partner's person as accountable. */
export const accountableIsCustomer: ActionLintRule = (scope, context) => {
  const { right } = scope;
  if (right === undefined || context.isCustomerPrincipal(right.accountable)) return [];
  const id = parsePrincipalRef(right.accountable)?.id ?? right.accountable;
  const partner = context.directory.partnerOf('person', id);
  const who = partner === null ? `${right.accountable} is not a declared person of "${context.customerId}"` : `${right.accountable} belongs to partner "${partner.id}"`;
  return [actionError(scope, 'no-customer-accountable', rightPath(scope, 'accountable'),
    `the accountable person must be one of the customer's people, but ${who}`,
    `name a person of "${context.customerId}" as decisionRights.${scope.action}.accountable`)];
};

/** A class nobody may revoke keeps compromised credentials alive until they expire. */
export const someoneMayRevoke: ActionLintRule = (scope, context) => {
  const { action, right, credentialClass } = scope;
  if (action !== 'revoke' || right !== undefined || context.revokePlaybooks(credentialClass.id).length > 0) return [];
  return [actionError(scope, 'no-customer-accountable', rightPath(scope),
    'nobody may ever revoke its credentials: the class has no decisionRights.revoke and no playbook may revoke it',
    `add decisionRights.revoke with a customer person accountable, or a playbook whose classes include "${credentialClass.id}" and whose actions include revoke`)];
};

const whyNotCustomer = (ref: string, context: LintContext): string => {
  const parsed = parsePrincipalRef(ref);
  if (parsed === null) return ref;
  if (parsed.kind === 'team') return `${ref} (no customer members)`;
  const partner = context.directory.partnerOf(parsed.kind, parsed.id);
  if (partner === null) return `${ref} (not declared)`;
  return parsed.kind === 'org' ? `${ref} (a partner)` : `${ref} (of partner "${partner.id}")`;
};

/** When only partners may execute, a customer playbook that may revoke the class is the way out. */
export const customerCanExecute: ActionLintRule = (scope, context) => {
  const { right, action, credentialClass } = scope;
  if (right === undefined || right.responsible.some(context.isCustomerPrincipal)) return [];
  const emergencyPath = context.revokePlaybooks(credentialClass.id)
    .some((playbook) => playbook.responders.some(context.isCustomerPrincipal));
  if (emergencyPath) return [];
  const responsible = right.responsible.map((ref) => whyNotCustomer(ref, context)).join(', ');
  return [actionError(scope, 'partner-only-executors', rightPath(scope, 'responsible'),
    `no customer can execute it, only ${responsible}, and no playbook with customer responders may revoke the class`,
    `add a customer team to decisionRights.${action}.responsible, or a playbook with customer responders that may revoke "${credentialClass.id}"`)];
};
