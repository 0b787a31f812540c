// Warnings about authority or obligations left without a limit in time: a delegation that never ends or
// holds at any hour, and a class whose revocations have no deadline to be held to.
import type { CredentialClass, Delegation } from './governance-model.ts';
import type { DecisionRightsFinding } from './lint-finding.ts';

export const delegationIsBounded = (delegation: Delegation, index: number): DecisionRightsFinding[] => {
  const label = `delegation "${delegation.id}" to partner "${delegation.to.slice('org:'.length)}"`;
  const warning = (rule: string, key: string, message: string, fix: string): DecisionRightsFinding =>
    ({ severity: 'warning', rule, classId: null, action: null, path: ['delegations', index, key], message: `${label} ${message}`, fix });
  return [
    ...(delegation.until === undefined
      ? [warning('delegation-without-end', 'until', 'has no end: it holds until someone removes it from governance',
        `add until (a date such as 2027-06-30, or an instant) to delegation "${delegation.id}"`)]
      : []),
    ...(delegation.windows === undefined
      ? [warning('delegation-without-window', 'windows', 'has no change windows: the partner may act at any hour while it holds',
        `add windows to delegation "${delegation.id}", for example { cron: "0 22 * * 1-5", duration: 4h, timeZone: Europe/Berlin }`)]
      : []),
  ];
};

export const revocationSlaIsSet = (credentialClass: CredentialClass, index: number): DecisionRightsFinding[] => {
  const sla = credentialClass.policy.revocationSla;
  if (sla !== undefined && Object.values(sla).some((duration) => duration !== undefined)) return [];
  return [{
    severity: 'warning',
    rule: 'no-revocation-sla',
    classId: credentialClass.id,
    action: null,
    path: ['classes', index, 'policy', 'revocationSla'],
    message: `class "${credentialClass.id}": no revocation SLA, so a revocation has no deadline and a late one raises no revocation_sla_breach alert`,
    fix: 'add policy.revocationSla with at least default, for example { key_compromise: 1h, default: 24h }',
  }];
};
