// Every reference names something declared: people, teams, organizations, service accounts, agents,
// sources and classes, wherever governance.yaml refers to them (governance-references.ts).
import { didYouMean } from './did-you-mean.ts';
import { createGovernanceDirectory, referenceKindWords } from './governance-directory.ts';
import { governanceReferences } from './governance-references.ts';
import type { GovernanceRule } from './governance-rule.ts';

// Suggestions cost a scan of every declared id; a file with thousands of broken references gets them
// for the first ones only.
const maxSuggestions = 100;

export const referencesAreDeclared: GovernanceRule = (governance) => {
  const directory = createGovernanceDirectory(governance);
  let suggestions = 0;
  return governanceReferences(governance).flatMap(({ path, kind, id }) => {
    const declared = directory.declared[kind];
    if (declared.has(id)) return [];
    suggestions += 1;
    const hint = suggestions <= maxSuggestions ? didYouMean(id, declared) : '';
    return [{ path, message: `${referenceKindWords[kind]} "${id}" is not declared${hint}` }];
  });
};
