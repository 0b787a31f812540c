// The rules every governance file must pass before it applies. A linter adds its own to this list.
import type { GovernanceRule } from './governance-rule.ts';
import { changeWindowsCanOpen } from './rule-change-windows.ts';
import { quorumsCanBeReached, renewalFitsLifetime } from './rule-class-policy.ts';
import { delegatedActionsHaveDecisionRights, delegationsAreLive, delegationsGoToPartners } from './rule-delegations.ts';
import { partnersHoldNoAuthority } from './rule-partner-authority.ts';
import { referencesAreDeclared } from './rule-references.ts';
import { idsAreUnique } from './rule-unique-ids.ts';

export const governanceRules: readonly GovernanceRule[] = [
  idsAreUnique,
  referencesAreDeclared,
  partnersHoldNoAuthority,
  delegationsGoToPartners,
  delegatedActionsHaveDecisionRights,
  delegationsAreLive,
  changeWindowsCanOpen,
  renewalFitsLifetime,
  quorumsCanBeReached,
];
