// Delegations go to partners, grant only actions their classes define, and are still live.
import { delegationEnd } from './change-windows.ts';
import { canonicalJson } from './canonical-json.ts';
import type { Delegation, Governance } from './governance-model.ts';
import type { GovernanceRule } from './governance-rule.ts';
import { formatInstant } from './governance-time.ts';

export const delegationsGoToPartners: GovernanceRule = (governance) =>
  governance.delegations.flatMap((delegation, i) => delegation.to === `org:${governance.organization.id}`
    ? [{ path: ['delegations', i, 'to'], message: `"${governance.organization.id}" is the customer; delegate only to partners` }]
    : []);

export const delegatedActionsHaveDecisionRights: GovernanceRule = (governance) => {
  // The first declaration wins; a duplicate class id is reported on its own.
  const classes = new Map(governance.classes.toReversed().map((credentialClass) => [credentialClass.id, credentialClass]));
  return governance.delegations.flatMap((delegation, i) => delegation.actions.flatMap((action, a) => {
    const named = delegation.classes.includes('*') ? [...classes.keys()] : delegation.classes;
    const lacking = named.filter((classId) => classes.get(classId) !== undefined && classes.get(classId)?.decisionRights[action] === undefined);
    if (lacking.length === 0) return [];
    // One issue per delegated action, however many classes lack it.
    const listed = lacking.slice(0, 5).map((classId) => `"${classId}"`).join(', ') + (lacking.length > 5 ? ` and ${lacking.length - 5} more` : '');
    const first = classes.get(lacking[0] as string);
    const fix = lacking.length === 1 && first !== undefined
      ? `declare classes[${governance.classes.indexOf(first)}].decisionRights.${action} or remove the action`
      : `declare decisionRights.${action} on ${lacking.length === 1 ? 'it' : 'them'} or remove the action`;
    return [{
      path: ['delegations', i, 'actions', a],
      message: `class${lacking.length === 1 ? '' : 'es'} ${listed} ha${lacking.length === 1 ? 's' : 've'} no decision rights for "${action}"; ${fix}`,
    }];
  }));
};

/** True when the governance in force holds this very delegation, unchanged. */
export const isUnchangedDelegation = (delegation: Delegation, current: Governance | null): boolean => {
  const inForce = current?.delegations.find((candidate) => candidate.id === delegation.id);
  return inForce !== undefined && canonicalJson(inForce) === canonicalJson(delegation);
};

export const delegationsAreLive: GovernanceRule = (governance, { now, current }) =>
  governance.delegations.flatMap((delegation, i) => {
    const end = delegationEnd(delegation);
    if (end === null || end.getTime() > now.getTime() || isUnchangedDelegation(delegation, current)) return [];
    return [{
      path: ['delegations', i, 'until'],
      message: `the delegation has already ended: until ${delegation.until} is before now (${formatInstant(now.getTime())})`,
    }];
  });
