// The sections of governance.yaml in file order, and how each names its entries. Planning, export and
// storage all walk this one list. Policies have no id: each is named by a hash of its text.
import { createHash } from 'node:crypto';
import type { Governance } from './governance-model.ts';

export type GovernanceSectionKey = keyof Governance;

export type GovernanceSection = {
  key: GovernanceSectionKey;
  /** The organization is one entry; every other section is a list. */
  single: boolean;
  idOf: (entry: unknown, position: number) => string;
};

const idOfEntry = (entry: unknown): string => (entry as { id: string }).id;

/** `policy-` and the first 12 hex digits of SHA-256 over the policy text, trimmed. */
export const policyId = (policy: string): string => `policy-${createHash('sha256').update(policy.trim(), 'utf8').digest('hex').slice(0, 12)}`;

const listSection = (key: GovernanceSectionKey): GovernanceSection => ({ key, single: false, idOf: idOfEntry });

export const governanceSections: readonly GovernanceSection[] = [
  { key: 'organization', single: true, idOf: idOfEntry },
  listSection('partners'),
  listSection('teams'),
  listSection('people'),
  listSection('serviceAccounts'),
  listSection('agents'),
  listSection('sources'),
  listSection('workloads'),
  listSection('classes'),
  listSection('delegations'),
  listSection('playbooks'),
  { key: 'policies', single: false, idOf: (entry) => policyId(String(entry)) },
  { key: 'administrators', single: false, idOf: (entry) => String(entry) },
];

/** The entries of one section, keyed by id, in file order. */
export const sectionEntries = (governance: Governance, section: GovernanceSection): Map<string, unknown> => {
  const value: unknown = governance[section.key];
  const entries: unknown[] = section.single ? [value] : Array.isArray(value) ? value : [];
  return new Map(entries.map((entry, position) => [section.idOf(entry, position), entry]));
};
