// The governance model: exactly what governance-schema.ts produces, defaults applied. Types are inferred
// from the schema so the two cannot drift apart.
import type { z } from 'zod';
import type { governanceSchema } from './governance-schema.ts';

export type Governance = z.output<typeof governanceSchema>;

export type Organization = Governance['organization'];
export type Partner = Governance['partners'][number];
export type Team = Governance['teams'][number];
export type Person = Governance['people'][number];
export type ServiceAccount = Governance['serviceAccounts'][number];
export type Agent = Governance['agents'][number];
export type Source = Governance['sources'][number];
export type Workload = Governance['workloads'][number];
export type CredentialClass = Governance['classes'][number];
export type ClassPolicy = CredentialClass['policy'];
export type ClassMatch = NonNullable<CredentialClass['match']>;
export type DecisionRights = CredentialClass['decisionRights'];
export type DecisionRight = NonNullable<DecisionRights['issue']>;
export type Delegation = Governance['delegations'][number];
export type ChangeWindow = NonNullable<Delegation['windows']>[number];
export type CronWindow = Extract<ChangeWindow, { cron: string }>;
export type FixedWindow = Extract<ChangeWindow, { from: string }>;
export type Playbook = Governance['playbooks'][number];

/** Where something sits in governance.yaml: keys and list indices from the top, e.g. ['classes', 2, 'id']. */
export type GovernancePath = readonly (string | number)[];
