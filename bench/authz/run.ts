// bench/authz: API-level authorization decisions against a generated governance at two sizes.
// An API-level decision is what AuthzService's snapshot.decide does: assemble the Cedar request from the
// compiled governance (entities, open delegations and their windows), call cedar-wasm on the pre-parsed
// policy set of the resource's class, explain the answer. Each figure is printed beside references
// measured in the same run on the same requests:
//   decisions ← a bare statefulIsAuthorized call with the request already built, against the same
//               pre-parsed policy set the engine picks for it (compiled.policySetFor)
//   sizes     ← the same benchmark at scale 1 (100 classes, 500 people, 20 partners) and at ten times that
// The variants take turns in rounds, each cycling through the same fixed set of queries for its share of
// the time budget, so a noisy moment on the shared machine hits them alike.
//
//   node bench/authz/run.ts [--scales 1,10] [--queries 10000] [--seconds 30] [--rounds 5]
import { parseArgs } from 'node:util';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { buildCedarRequest } from '../../src/core/authz/authz-model.ts';
import type { AuthzQuery, AuthzResource, CedarRequest } from '../../src/core/authz/authz-model.ts';
import { explainDecision } from '../../src/core/authz/explain-decision.ts';
import { parseGovernance } from '../../src/core/governance/index.ts';
import type { Governance } from '../../src/core/governance/index.ts';
import { checkGovernancePolicies, compileGovernance, decide } from '../../src/server/auth/cedar-engine.ts';
import type { CedarDecision, CompiledGovernance } from '../../src/server/auth/cedar-engine.ts';
import { percentile } from '../support/stats.ts';
import { benchEpoch, generateGovernanceYaml, sizeAtScale } from './governance.ts';
import type { GovernanceSize } from './governance.ts';
import { generateQueries, queryKinds, revokedDelegations } from './queries.ts';
import type { QueryKind } from './queries.ts';

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '1,10' },
    queries: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '5' },
  },
});
const scales = values.scales.split(',').map(Number);
const queryCount = Number(values.queries);
const budgetMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);
// No variant decides more than three passes over the query set, however fast it is.
const maxDecisions = 3 * queryCount;
const goalP99Ms = 1;
const goalSizeRatio = 2;

const timedSync = <T>(operation: () => T): { ms: number; value: T } => {
  const start = performance.now();
  const value = operation();
  return { ms: performance.now() - start, value };
};

/** Every call of a variant: its latency in milliseconds and which query it decided. */
type Calls = { ms: number[]; query: number[]; wallMs: number };

const sortedMs = (calls: Calls): number[] => [...calls.ms].sort((a, b) => a - b);
const perSecond = (calls: Calls): number => (calls.ms.length / calls.wallMs) * 1000;

/**
 * Warms each variant up, then gives each `rounds` turns of budget/rounds, cycling through the queries.
 * `untimed[o]`, when given, runs before each call of variant o outside the clock.
 */
const measure = (operations: readonly ((i: number) => unknown)[], untimed: readonly (((i: number) => unknown) | null)[] = []): Calls[] => {
  const calls = operations.map((): Calls => ({ ms: [], query: [], wallMs: 0 }));
  const cursors = operations.map(() => 0);
  for (const operation of operations) {
    const started = performance.now();
    for (let i = 0; i < Math.min(queryCount, 1000) && performance.now() - started < 2000; i += 1) operation(i);
  }
  for (let round = 0; round < rounds; round += 1) {
    operations.forEach((operation, o) => {
      const into = calls[o] as Calls;
      const started = performance.now();
      const limit = Math.ceil((maxDecisions * (round + 1)) / rounds);
      while (performance.now() - started < budgetMs / rounds && into.ms.length < limit) {
        const i = (cursors[o] as number) % queryCount;
        untimed[o]?.(i);
        const start = performance.now();
        operation(i);
        into.ms.push(performance.now() - start);
        into.query.push(i);
        cursors[o] = i + 1;
      }
      into.wallMs += performance.now() - started;
    });
  }
  return calls;
};

type Parsed = { size: GovernanceSize; yamlBytes: number; parseMs: number; governance: Governance };

const parsedGovernance = (scale: number): Parsed => {
  const size = sizeAtScale(scale);
  const yaml = generateGovernanceYaml(size);
  const parsed = timedSync(() => parseGovernance(yaml, 'governance.yaml', { now: benchEpoch }));
  if (!parsed.value.ok) {
    throw new Error(`the generated governance does not parse: ${parsed.value.issues.slice(0, 5).map((issue) => `line ${issue.line} ${issue.path}: ${issue.message}`).join('; ')}`);
  }
  return { size, yamlBytes: Buffer.byteLength(yaml), parseMs: parsed.ms, governance: parsed.value.governance };
};

/** How many distinct pre-parsed sets the engine holds, and the policies in the largest (counted from the policies' scopes). */
const policySets = (compiled: CompiledGovernance, governance: Governance): { count: number; largest: number } => {
  let everywhere = 0;
  let inEveryClass = 0;
  const own = new Map<string, number>();
  for (const origin of Object.values(compiled.origins)) {
    const scope = origin.scope;
    if (scope === 'everywhere') everywhere += 1;
    else if ('playbook' in scope) own.set(`playbook:${scope.playbook}`, (own.get(`playbook:${scope.playbook}`) ?? 0) + 1);
    else if (scope.includes('*')) inEveryClass += 1;
    else for (const classId of scope) own.set(classId, (own.get(classId) ?? 0) + 1);
  }
  const resources: AuthzResource[] = [
    { type: 'governance' },
    ...governance.classes.map((entry) => ({ type: 'class' as const, classId: entry.id })),
    ...governance.playbooks.map((entry) => ({ type: 'playbook' as const, id: entry.id })),
  ];
  return {
    count: new Set(resources.map((resource) => compiled.policySetFor(resource))).size,
    largest: Math.max(
      everywhere,
      ...governance.classes.map((entry) => everywhere + inEveryClass + (own.get(entry.id) ?? 0)),
      ...governance.playbooks.map((entry) => everywhere + (own.get(`playbook:${entry.id}`) ?? 0)),
    ),
  };
};

const bareCall = (policySetId: string, request: CedarRequest): AuthorizationAnswer => cedar.statefulIsAuthorized({
  principal: request.principal,
  action: request.action,
  resource: request.resource,
  context: request.context,
  entities: request.entities,
  preparsedPolicySetId: policySetId,
  validateRequest: false,
});

const isAllowed = (answer: AuthorizationAnswer): boolean => answer.type === 'success' && answer.response.decision === 'allow';

type ScaleResult = Parsed & {
  scale: number;
  delegations: number;
  policies: number;
  compileMs: number;
  checkMs: number;
  sets: { count: number; largest: number };
  api: Calls;
  bare: Calls;
  assembly: Calls;
  explanation: Calls;
  kinds: readonly QueryKind[];
  outcomes: Map<string, number>;
  disagreements: number;
};

const runScale = (scale: number): ScaleResult => {
  process.stdout.write(`\nscale ${scale}: generating and parsing governance…\n`);
  const parsed = parsedGovernance(scale);
  const { size, governance } = parsed;
  process.stdout.write(`  parsed ${(parsed.yamlBytes / 1024 / 1024).toFixed(1)} MiB in ${Math.round(parsed.parseMs)} ms; validating as an apply does…\n`);
  const check = timedSync(() => checkGovernancePolicies(governance));
  if (check.value.length > 0) throw new Error(`the compiled policies do not validate: ${check.value.slice(0, 3).map((problem) => problem.message).join('; ')}`);
  process.stdout.write(`  validated in ${Math.round(check.ms)} ms; compiling…\n`);
  const compile = timedSync(() => compileGovernance(scale, governance));
  const compiled = compile.value;
  const policies = Object.keys(compiled.policies).length;
  const sets = policySets(compiled, governance);
  process.stdout.write(`  compiled ${policies.toLocaleString('en-US')} policies into ${sets.count.toLocaleString('en-US')} pre-parsed sets in ${Math.round(compile.ms)} ms\n`);

  const revoked = revokedDelegations(size);
  const mix = generateQueries(governance, size, queryCount);
  const queries: AuthzQuery[] = mix.map((entry) => entry.query);
  const query = (i: number): AuthzQuery => queries[i] as AuthzQuery;
  // Built once, outside the timed region of the reference: the request and the set the engine picks for it.
  const requests: CedarRequest[] = queries.map((entry) => buildCedarRequest(compiled.model, entry, revoked));
  const setIds: string[] = queries.map((entry) => compiled.policySetFor(entry.resource));
  const request = (i: number): CedarRequest => requests[i] as CedarRequest;

  const decisions = new Map<number, CedarDecision>();
  const allowed = [new Map<number, boolean>(), new Map<number, boolean>()] as const;
  process.stdout.write(`  ${queryCount.toLocaleString('en-US')} queries; measuring for at most ${Math.round((2 * budgetMs) / 1000)} s…\n`);
  const [api, bare] = measure([
    (i) => {
      const decision = decide(compiled, query(i), revoked);
      decisions.set(i, decision);
      allowed[0].set(i, explainDecision(compiled.model, query(i), decision, revoked).allowed);
    },
    (i) => allowed[1].set(i, isAllowed(bareCall(setIds[i] as string, request(i)))),
  ]) as [Calls, Calls];
  const disagreements = [...allowed[0]].filter(([i, allow]) => (allowed[1].get(i) ?? allow) !== allow).length;

  // The parts of an API-level decision on their own: assembly over every query, explanation over those decided
  // above. As in decide, the explanation comes after its request was assembled (untimed here), which has just
  // checked the same change windows.
  const decided = [...decisions.keys()].sort((a, b) => a - b);
  const decidedQuery = (i: number): AuthzQuery => query(decided[i % decided.length] as number);
  const [assembly, explanation] = measure([
    (i) => buildCedarRequest(compiled.model, query(i), revoked),
    (i) => explainDecision(compiled.model, decidedQuery(i), decisions.get(decided[i % decided.length] as number) as CedarDecision, revoked),
  ], [null, (i) => buildCedarRequest(compiled.model, decidedQuery(i), revoked)]) as [Calls, Calls];
  explanation.query = explanation.query.map((i) => decided[i % decided.length] as number);

  const outcomes = new Map<string, number>();
  for (const i of decided) {
    const outcome = explainDecision(compiled.model, query(i), decisions.get(i) as CedarDecision, revoked);
    const key = outcome.allowed ? 'allowed' : outcome.code ?? 'FORBIDDEN';
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  return {
    ...parsed, scale, delegations: governance.delegations.length, policies, compileMs: compile.ms, checkMs: check.ms, sets,
    api, bare, assembly, explanation, kinds: mix.map((entry) => entry.kind), outcomes, disagreements,
  };
};

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((cell, c) => Math.max(cell.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
};

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const time = (ms: number): string => (ms < 1 ? `${Math.round(ms * 1000)} µs` : ms < 100 ? `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms` : `${count(ms)} ms`);
const p50p99 = (sorted: readonly number[]): string => `${time(percentile(sorted, 50))} / ${time(percentile(sorted, 99))}`;
const ofKind = (calls: Calls, kinds: readonly QueryKind[], kind: QueryKind): number[] =>
  calls.ms.filter((_, n) => kinds[calls.query[n] as number] === kind).sort((a, b) => a - b);

const results = scales.map(runScale);

process.stdout.write(`\n${table(['', ...results.map((r) => `scale ${r.scale}`)], [
  ['classes / people / partners', ...results.map((r) => `${count(r.size.classes)} / ${count(r.size.people)} / ${count(r.size.partners)}`)],
  ['delegations / Cedar policies', ...results.map((r) => `${count(r.delegations)} / ${count(r.policies)}`)],
  ['governance.yaml', ...results.map((r) => `${(r.yamlBytes / 1024 / 1024).toFixed(1)} MiB`)],
  ['parseGovernance', ...results.map((r) => time(r.parseMs))],
  ['checkGovernancePolicies (strict validation, once per apply)', ...results.map((r) => time(r.checkMs))],
  ['compileGovernance (pre-parse)', ...results.map((r) => time(r.compileMs))],
  ['  pre-parsed sets / policies in the largest', ...results.map((r) => `${count(r.sets.count)} / ${count(r.sets.largest)}`)],
  ['API-level decisions/s', ...results.map((r) => count(perSecond(r.api)))],
  ['API-level p50 / p99', ...results.map((r) => p50p99(sortedMs(r.api)))],
  ['bare cedar-wasm decisions/s (reference)', ...results.map((r) => count(perSecond(r.bare)))],
  ['bare cedar-wasm p50 / p99 (reference)', ...results.map((r) => p50p99(sortedMs(r.bare)))],
  ['ratio API / bare: time per decision', ...results.map((r) => (perSecond(r.bare) / perSecond(r.api)).toFixed(2))],
  ['ratio API / bare: p50 / p99', ...results.map((r) => {
    const [a, b] = [sortedMs(r.api), sortedMs(r.bare)];
    return `${(percentile(a, 50) / percentile(b, 50)).toFixed(2)} / ${(percentile(a, 99) / percentile(b, 99)).toFixed(2)}`;
  })],
  ['  of which request assembly p50 / p99', ...results.map((r) => p50p99(sortedMs(r.assembly)))],
  ['  of which explanation p50 / p99', ...results.map((r) => p50p99(sortedMs(r.explanation)))],
  ['decisions timed: API / bare', ...results.map((r) => `${count(r.api.ms.length)} / ${count(r.bare.ms.length)}`)],
])}\n`);

for (const r of results) {
  const total = [...r.outcomes.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`\nscale ${r.scale} by kind of query. Outcomes of the ${count(total)} queries decided: ${[...r.outcomes.entries()]
    .sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ${((n / total) * 100).toFixed(0)}%`).join(', ')}; `
    + `${r.disagreements === 0 ? 'API-level and bare calls agree on every one' : `${r.disagreements} decisions differ between API-level and bare calls`}.\n`);
  // Means beside the percentiles: a cost paid by a minority of a kind's calls (a window search) shows in the mean, not the p50.
  process.stdout.write(`${table(['kind', 'share', 'API p50 / p99 / mean', 'assembly p50 / p99 / mean', 'explanation p50 / p99 / mean', 'bare p50 / p99 / mean'],
    queryKinds.map((kind) => [
      kind, `${((r.kinds.filter((k) => k === kind).length / queryCount) * 100).toFixed(0)}%`,
      ...[r.api, r.assembly, r.explanation, r.bare].map((calls) => {
        const sorted = ofKind(calls, r.kinds, kind);
        return `${p50p99(sorted)} / ${time(sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length)}`;
      }),
    ]))}\n`);
  // A partner's request checks the windows of the delegations covering it; a window whose cached open or closed
  // stretch does not hold the query's time is searched with cron-parser again.
  const slow = ofKind(r.assembly, r.kinds, 'partner').filter((ms) => ms > 0.1);
  const partnerCalls = ofKind(r.assembly, r.kinds, 'partner').length;
  process.stdout.write(`partner request assembly over 100 µs (a window searched again): ${((slow.length / partnerCalls) * 100).toFixed(0)}% of calls, `
    + `p50 / p99 / mean ${p50p99(slow)} / ${time(slow.reduce((sum, ms) => sum + ms, 0) / slow.length)}\n`);
}

const [smallest] = results;
const largest = results.at(-1);
process.stdout.write('\nAgainst the goals:\n');
for (const r of results) {
  const p99 = percentile(sortedMs(r.api), 99);
  process.stdout.write(`  scale ${r.scale}: API-level p99 ${time(p99)} ${p99 <= goalP99Ms ? 'meets' : 'misses'} the goal of at most ${goalP99Ms} ms per decision\n`);
}
if (smallest !== undefined && largest !== undefined && smallest !== largest) {
  const ratio = (pick: (r: ScaleResult) => Calls): number => perSecond(pick(smallest)) / perSecond(pick(largest));
  process.stdout.write(`  decisions/s, scale ${smallest.scale} / scale ${largest.scale}: API-level ${ratio((r) => r.api).toFixed(2)} (${ratio((r) => r.api) <= goalSizeRatio ? 'meets' : 'misses'} the goal of within ${goalSizeRatio}×); `
    + `bare cedar-wasm ${ratio((r) => r.bare).toFixed(2)} (reference)\n`);
}

const micros = (ms: number): number => Math.round(ms * 1000);
process.stdout.write(`\n${JSON.stringify({
  benchmark: 'authz', node: process.version, cedar: cedar.getCedarVersion(), at: new Date().toISOString(), queries: queryCount, seconds: budgetMs / 1000,
  results: results.map((r) => ({
    scale: r.scale, classes: r.size.classes, people: r.size.people, partners: r.size.partners, delegations: r.delegations, policies: r.policies,
    parseMs: Math.round(r.parseMs), checkMs: Math.round(r.checkMs), compileMs: Math.round(r.compileMs), policySets: r.sets.count, largestSet: r.sets.largest,
    ...Object.fromEntries((['api', 'bare', 'assembly', 'explanation'] as const).flatMap((name) => {
      const sorted = sortedMs(r[name]);
      return [[`${name}PerSecond`, Math.round(perSecond(r[name]))], [`${name}P50Us`, micros(percentile(sorted, 50))], [`${name}P99Us`, micros(percentile(sorted, 99))], [`${name}Timed`, sorted.length]];
    })),
  })),
})}\n`);
