// The person behind a principal (DESIGN.md, "Separation of duties, stated once"): a person is themselves;
// a service account or an agent counts as the person who owns it. Anything else (the system principals,
// a playbook's pre-authorisation, a reference governance no longer declares) stands for itself.
import type { Governance } from './governance-model.ts';

export type PersonBehind = (ref: string) => string;

export const createPersonBehind = (governance: Governance): PersonBehind => {
  const owners = new Map<string, string>();
  // The first declaration wins, as everywhere; a duplicate id is a parse error of its own.
  for (const account of governance.serviceAccounts) if (!owners.has(`service-account:${account.id}`)) owners.set(`service-account:${account.id}`, account.owner);
  for (const agent of governance.agents) if (!owners.has(`agent:${agent.id}`)) owners.set(`agent:${agent.id}`, agent.owner);
  return (ref) => owners.get(ref) ?? ref;
};
