// A class's lifecycle policy and decision rights can be followed as written.
import { parseDuration } from '../duration.ts';
import { governedActions } from './governance-vocabulary.ts';
import type { GovernanceRule } from './governance-rule.ts';

const ms = (duration: string | undefined): number | null => {
  if (duration === undefined) return null;
  const parsed = parseDuration(duration);
  return parsed.ok ? parsed.ms : null;
};

export const renewalFitsLifetime: GovernanceRule = (governance) =>
  governance.classes.flatMap((credentialClass, i) => {
    const { renewBefore, maxLifetime } = credentialClass.policy;
    const [renew, lifetime] = [ms(renewBefore), ms(maxLifetime)];
    if (renew === null || lifetime === null || renew < lifetime) return [];
    return [{
      path: ['classes', i, 'policy', 'renewBefore'],
      message: `renewBefore (${renewBefore}) must be shorter than maxLifetime (${maxLifetime}), or every credential is due for renewal the moment it is issued`,
    }];
  });

export const quorumsCanBeReached: GovernanceRule = (governance) =>
  governance.classes.flatMap((credentialClass, i) => governedActions.flatMap((action) => {
    const right = credentialClass.decisionRights[action];
    const distinct = new Set(right?.approvers ?? []).size;
    if (right === undefined || right.approvals === 1 || distinct >= right.approvals) return [];
    const named = distinct === 1 ? '1 distinct person is named' : `${distinct} distinct people are named`;
    return [{
      path: ['classes', i, 'decisionRights', action, 'approvals'],
      message: `a quorum of ${right.approvals} approvals needs at least ${right.approvals} approvers; ${named}`,
    }];
  }));
