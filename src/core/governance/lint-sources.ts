// Sources that are declared but cannot work: a built-in CA source signs with its CA, and until that CA
// is created (a key ceremony, after the source is applied) nothing can be issued from it. Whether a CA
// exists is a fact of the CA store, not of governance, so the caller passes it in; parsing, which
// knows no store, does not run this rule.
import type { Governance } from './governance-model.ts';
import type { DecisionRightsFinding } from './lint-finding.ts';
import { listNames } from './lint-finding.ts';

/**
 * A warning rather than an error: the source has to be applied before its CA can be made, so `apply`
 * must accept it; until then every issue drawing on it is refused at request.
 */
export const builtinCaHasCa = (governance: Governance, sourcesWithCa: ReadonlySet<string>): DecisionRightsFinding[] =>
  governance.sources.flatMap((source, index) => {
    if (source.kind !== 'builtin_ca' || sourcesWithCa.has(source.id)) return [];
    const classes = governance.classes.filter((entry) => entry.policy.allowedSources?.includes(source.id) === true).map((entry) => `"${entry.id}"`);
    const relying = classes.length === 0 ? 'no class allows it yet' : `class ${listNames(classes)} cannot get certificates from it`;
    return [{
      severity: 'warning',
      rule: 'builtin-ca-without-ca',
      classId: null,
      action: null,
      path: ['sources', index],
      message: `source "${source.id}" is a built-in CA but has no CA, so nothing can be issued from it: ${relying}`,
      fix: `create the CA of source "${source.id}" (ca create ${source.id}), or remove the source from governance`,
    }];
  });
