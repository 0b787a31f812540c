// Principal references as governance writes them: `person:carol`, `team:platform`, `org:globex`,
// `service-account:ci-deployer`, `agent:support-agent`.
import { principalKinds } from './governance-vocabulary.ts';
import type { PrincipalKind } from './governance-vocabulary.ts';

export const idPattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export type PrincipalRef = { kind: PrincipalKind; id: string };

export const parsePrincipalRef = (text: string): PrincipalRef | null => {
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const kind = principalKinds.find((candidate) => candidate === text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (kind === undefined || !idPattern.test(id)) return null;
  return { kind, id };
};

export const formatPrincipalRef = (ref: PrincipalRef): string => `${ref.kind}:${ref.id}`;
