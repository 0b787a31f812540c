// Reads governance.yaml into the model, or explains everything wrong with it at once, line by line:
// YAML syntax first, then the shape (governance-schema.ts), then the rules (governance-rules.ts).
import { lintDecisionRights } from './decision-rights-lint.ts';
import type { LintFacts } from './decision-rights-lint.ts';
import type { DecisionRightsFinding } from './decision-rights-lint.ts';
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import { formatGovernancePath, sortGovernanceIssues } from './governance-issue.ts';
import type { GovernanceIssue } from './governance-issue.ts';
import type { Governance, GovernancePath } from './governance-model.ts';
import { governanceRules } from './governance-rules.ts';
import type { GovernanceRule } from './governance-rule.ts';
import { governanceSchema } from './governance-schema.ts';
import { shapeErrorMap, shapeIssues } from './shape-issues.ts';
import { createLineLocator } from './yaml-locator.ts';

const maxIssues = 1000;

/** A decision-rights lint finding with the line of governance.yaml it concerns. */
export type LocatedFinding = DecisionRightsFinding & { file: string; line: number };

export type GovernanceParse = { ok: true; governance: Governance; findings: LocatedFinding[] } | { ok: false; issues: GovernanceIssue[] };

export type ParseGovernanceOptions = {
  now: Date; current?: Governance | null; rules?: readonly GovernanceRule[];
  /** Facts from the stores for the lint (which sources have a CA); without them those rules do not run. */
  lintFacts?: LintFacts;
};

export const maxGovernanceBytes = 5 * 1024 * 1024;
const maxAliases = 100;

// UTF-8 needs at most 3 bytes per UTF-16 unit, so most files are measured without encoding them.
const isTooLarge = (text: string): boolean =>
  text.length > maxGovernanceBytes || (text.length * 3 > maxGovernanceBytes && new TextEncoder().encode(text).length > maxGovernanceBytes);

export const parseGovernance = (text: string, fileName: string, options: ParseGovernanceOptions): GovernanceParse => {
  const fail = (line: number, message: string, path = ''): GovernanceParse => ({ ok: false, issues: [{ file: fileName, line, path, message }] });
  if (isTooLarge(text)) {
    return fail(1, `the file is larger than ${maxGovernanceBytes / 1024 / 1024} MB; split policies out or remove what is not governance`);
  }

  const lineCounter = new LineCounter();
  // The yaml library checks unique keys by scanning every earlier key of the map (quadratic in a map of
  // many keys), so duplicates are found here, with one set per map, instead.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, schema: 'core', strict: true, uniqueKeys: false });
  const syntax = [...document.errors, ...document.warnings].map((error) => ({
    file: fileName, line: lineCounter.linePos(error.pos[0]).line, path: '', message: `YAML: ${error.message}`,
  }));
  visit(document, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) syntax.push({ file: fileName, line: lineCounter.linePos(pair.key.range?.[0] ?? 0).line, path: '', message: 'YAML: Map keys must be unique' });
        seen.add(key);
      }
    },
  });
  if (syntax.length > 0) return { ok: false, issues: sortGovernanceIssues(syntax) };
  if (document.contents === null) return fail(1, 'the file is empty; it must declare at least the organization');
  if (!isMap(document.contents)) return fail(lineCounter.linePos(document.contents.range?.[0] ?? 0).line, 'the top level must be a mapping of sections (organization, partners, teams, people, …), not a list or a single value');

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: maxAliases });
  } catch (error) {
    return fail(1, `the file cannot be read as data: ${error instanceof Error ? error.message : String(error)}`);
  }

  const lineOf = createLineLocator(document, lineCounter);
  const located = (path: GovernancePath, message: string): GovernanceIssue =>
    ({ file: fileName, line: lineOf(path), path: formatGovernancePath(path), message });

  const shape = governanceSchema.safeParse(value, { error: shapeErrorMap });
  if (!shape.success) {
    return { ok: false, issues: sortGovernanceIssues(shapeIssues(governanceSchema, shape.error.issues).map(({ path, message }) => located(path, message))) };
  }

  const context = { now: options.now, current: options.current ?? null, lineOf };
  // A file can be wrong in a great many places at once; the first thousand say enough, and locating
  // (and holding) millions of issues would exhaust the server.
  const found = (options.rules ?? governanceRules).flatMap((rule) => rule(shape.data, context));
  if (found.length === 0) {
    const findings = lintDecisionRights(shape.data, options.lintFacts).map((finding) => ({ ...finding, file: fileName, line: lineOf(finding.path) }));
    return { ok: true, governance: shape.data, findings };
  }
  const issues = sortGovernanceIssues(found.slice(0, maxIssues).map(({ path, message }) => located(path, message)));
  if (found.length > maxIssues) issues.push({ file: fileName, line: issues.at(-1)?.line ?? 1, path: '', message: `… and ${found.length - maxIssues} more problems` });
  return { ok: false, issues };
};
