// Nothing changes trust state outside the decision rights (issue 15), as a property: random sequences of
// requests, approvals, rejections, executions, verifications, playbook invocations, delegation revocations,
// imports and token minting, by random principals (people of Acme and of its partners, service accounts
// and agents acting through tokens their owners minted, the bootstrap principal) at random times (inside
// and outside the partners' change windows), all through the HTTP API as an attacker would act. After
// every step the API's own record is judged by decision-rights-model.ts, a model of DESIGN.md's rules
// that shares no code with the product's.
//
// CI runs a fixed seed and a few short sequences. A longer run, for instance:
//   TRUSTPLANE_PROPERTY_RUNS=200 TRUSTPLANE_PROPERTY_STEPS=60 TRUSTPLANE_PROPERTY_SEED=$RANDOM \
//     node scripts/test.ts test/http/decision-rights-property.test.ts
// A failure prints the seed and the shrunk sequence of steps; fast-check replays it with the seed and the
// path it prints (TRUSTPLANE_PROPERTY_PATH).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { databaseTargets } from '../support/databases.ts';
import type { DatabaseTarget } from '../support/databases.ts';
import { instants, startDecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import type { DecisionRightsFixture } from '../support/decision-rights-fixture.ts';
import { bearer, exampleGovernance } from '../support/server-fixture.ts';
import { changeViolations, declaredPrincipals, importViolations, readGovernanceModel, rolesOf, samePeople, tokenStillAllowed, tokenViolations, windowOpen } from '../support/decision-rights-model.ts';
import type { CredentialState, GovernanceModel, MintedToken, RecordedChange, Violation } from '../support/decision-rights-model.ts';

const seed = Number(process.env.TRUSTPLANE_PROPERTY_SEED ?? 15);
const numRuns = Number(process.env.TRUSTPLANE_PROPERTY_RUNS ?? 8);
const maxSteps = Number(process.env.TRUSTPLANE_PROPERTY_STEPS ?? 24);
const path = process.env.TRUSTPLANE_PROPERTY_PATH;

/** The document with one passage replaced; a passage the example no longer has fails loudly. */
const edit = (document: string, from: string, to: string): string => {
  assert.ok(document.includes(from), `the example governance no longer says ${from}`);
  return document.replace(from, to);
};

// The example governance, with principals that act for people in the roles where a shortcut would pay:
// Lena and Carol (who approve) own service accounts in the verifying team, Carol owns an agent that may
// execute the revocations she approves, Gina of Globex owns a service account of Globex's, and Tom of
// Initech owns one of Acme's in the platform team (a partner principal, because it counts as Tom).
const governance = edit(edit(exampleGovernance, 'agents:\n', [
  '  - { id: probe-runner, name: Probe runner, org: acme, owner: person:lena, teams: [security] }',
  '  - { id: audit-bot, name: Audit bot, org: acme, owner: person:carol, teams: [security] }',
  '  - { id: globex-robot, name: Globex renewal robot, org: globex, owner: person:gina }',
  '  - { id: vendor-sync, name: Vendor sync, org: acme, owner: person:tom, teams: [platform] }',
  '',
  'agents:',
  '  - { id: revocation-agent, name: Revocation assistant, org: acme, owner: person:carol }',
  '',
].join('\n')), 'revoke: { responsible: [team:platform], accountable: person:carol, approvals: 1 }',
'revoke: { responsible: [team:platform, agent:revocation-agent], accountable: person:carol, approvals: 1 }');
// The same governance after two principals change owners: the tokens their former owners made for them
// were made under a policy that no longer allows them.
const reassigned = edit(edit(governance,
  '{ id: renewal-bot, name: Certificate renewal bot, org: acme, owner: person:dave,', '{ id: renewal-bot, name: Certificate renewal bot, org: acme, owner: person:ivan,'),
'{ id: revocation-agent, name: Revocation assistant, org: acme, owner: person:carol }', '{ id: revocation-agent, name: Revocation assistant, org: acme, owner: person:erin }');
const model = readGovernanceModel(governance);
const reassignedModel = readGovernanceModel(reassigned);

const principals = [...declaredPrincipals(model), 'system:bootstrap'];
const administrators = ['person:carol', 'person:erin', 'person:lena', 'person:omar', 'system:bootstrap'];

type ClassId = 'internal-mtls' | 'payments-api-keys' | 'ssh-access';
type When = 'globex-window' | 'initech-window' | 'no-window' | 'later';

/**
 * Who takes a step, chosen when it is taken: someone in a role on the change or class (or standing for
 * the same person as one: their service account or agent, or its owner), or anyone at all; `fitting` is
 * the role of the step the change waits for. Drawing from the roles makes sequences reach executed and
 * verified changes, and the places where roles meet.
 */
type Role = 'requester' | 'approver' | 'executor' | 'verifier' | 'anyone';
type Actor = { role: Role | 'fitting'; pick: number };

type Step =
  | { kind: 'clock'; to: When; hours: number }
  | { kind: 'request'; by: Actor; action: string; classId: ClassId; credential: number; trigger: string }
  | { kind: 'advance'; by: Actor; change: number }
  | { kind: 'reject' | 'cancel'; by: Actor; change: number }
  | { kind: 'invoke'; by: Actor; playbook: 'key-compromise' | 'partner-offboarding'; action: 'revoke' | 'rotate'; credential: number }
  | { kind: 'revoke-delegation'; by: string; delegation: string }
  | { kind: 'import'; by: string; credential: number; classId: 'internal-mtls' | 'payments-api-keys'; status: string; credentialKind: string }
  | { kind: 'mint'; by: string; principal: string; scope: 'full' | 'read-only' }
  | { kind: 'reassign'; by: string };

const roles: readonly Role[] = ['requester', 'approver', 'executor', 'verifier', 'anyone'];
/** Mostly someone in the role the step belongs to, often someone in another role. */
const actor = (role: Role | 'fitting'): fc.Arbitrary<Actor> => fc.record({
  role: fc.oneof({ weight: 4, arbitrary: fc.constant(role) }, { weight: 3, arbitrary: fc.constantFrom(...roles) }),
  pick: fc.nat({ max: 99 }),
});
const anyone = fc.constantFrom(...principals);
const recent = fc.nat({ max: 3 });
/** Owners and what they own: an owner may make a full token for its service account or agent. */
const ownership: [string, string][] = [
  ...model.serviceAccounts.map((account): [string, string] => [account.owner, `service-account:${account.id}`]),
  ...model.agents.map((agent): [string, string] => [agent.owner, `agent:${agent.id}`]),
];
const lifecycle: fc.Arbitrary<{ classId: ClassId; action: string }> = fc.constantFrom(
  ...(['issue', 'renew', 'rotate', 'revoke'] as const).map((action) => ({ classId: 'internal-mtls' as const, action })),
  ...(['issue', 'rotate', 'revoke', 'retire'] as const).map((action) => ({ classId: 'payments-api-keys' as const, action })),
  { classId: 'ssh-access' as const, action: 'issue' },
);

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), to: fc.constantFrom<When>('globex-window', 'initech-window', 'no-window', 'later'), hours: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('request' as const), by: actor('requester'), lifecycle, credential: fc.nat({ max: 99 }), trigger: fc.constantFrom('superseded', 'key_compromise', 'workload_decommissioned') })
    .map(({ lifecycle: { classId, action }, ...rest }) => ({ ...rest, classId, action })) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('advance' as const), by: actor('fitting'), change: recent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), by: actor('approver'), change: recent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), by: actor('requester'), change: recent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invoke' as const), by: actor('executor'), playbook: fc.constantFrom('key-compromise' as const, 'partner-offboarding' as const), action: fc.constantFrom('revoke' as const, 'rotate' as const), credential: fc.nat({ max: 99 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke-delegation' as const), by: fc.constantFrom('person:dave', 'person:julia', 'person:carol', 'person:gina', 'service-account:renewal-bot'), delegation: fc.constantFrom('globex-night-renewals', 'initech-ssh-rotation') }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('import' as const), by: fc.constantFrom(...administrators, 'person:dave'), credential: fc.nat({ max: 99 }),
    classId: fc.constantFrom('internal-mtls' as const, 'payments-api-keys' as const), status: fc.constantFrom('active', 'revoked', 'pending'), credentialKind: fc.constantFrom('x509_certificate', 'api_key'),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reassign' as const), by: fc.constantFrom('person:carol', 'person:omar') }) },
  { weight: 1, arbitrary: fc.oneof(
    fc.record({ kind: fc.constant('mint' as const), by: anyone, principal: anyone, scope: fc.constantFrom('full' as const, 'read-only' as const) }),
    fc.record({ kind: fc.constant('mint' as const), pair: fc.constantFrom(...ownership), scope: fc.constant('full' as const) }).map(({ pair: [by, principal], ...rest }) => ({ ...rest, by, principal })),
  ) },
);

/** The step as a sentence, with whoever took it. */
const describeStep = (step: Step, by: string, taken: string): string => {
  switch (step.kind) {
    case 'clock': return step.to === 'later' ? `${step.hours}h pass` : `the clock moves on to ${step.to}`;
    case 'request': return `${by} (${step.by.role}) requests ${step.action} on ${step.classId}${step.action === 'revoke' ? ` (${step.trigger})` : ''}`;
    case 'advance': case 'reject': case 'cancel':
      return `${by} (${step.by.role}) ${taken === 'verify' ? 'verifies' : `${taken}s`} ${step.change === 0 ? 'the latest change it applies to' : `the change ${step.change} before the latest one it applies to`}`;
    case 'invoke': return `${by} (${step.by.role}) invokes ${step.playbook} to ${step.action}`;
    case 'revoke-delegation': return `${by} revokes delegation ${step.delegation}`;
    case 'import': return `${by} imports a ${step.credentialKind} into ${step.classId} as ${step.status}`;
    case 'mint': return `${by} mints a ${step.scope} token for ${step.principal}`;
    case 'reassign': return `${by} applies governance in which renewal-bot and revocation-agent change owners`;
  }
};

const day = 86_400_000;
const globexWindow = model.delegations.find((entry) => entry.id === 'globex-night-renewals')?.windows ?? [];
const initechWindow = model.delegations.find((entry) => entry.id === 'initech-ssh-rotation')?.windows ?? [];
const timeOf: Record<Exclude<When, 'later'>, (at: Date) => boolean> = {
  'globex-window': (at) => globexWindow.some((window) => windowOpen(window, at)),
  'initech-window': (at) => initechWindow.some((window) => windowOpen(window, at)),
  'no-window': (at) => ![...globexWindow, ...initechWindow].some((window) => windowOpen(window, at)),
};

type ChangeFacts = { classId: string; action: string; playbookId: string | null; requester: string; status: string };

type ChangeStep = 'approve' | 'execute' | 'verify' | 'reject' | 'cancel';

/** The step a change waits for, and the role it belongs to: a step is taken on a recent change it can move, so that sequences go far. */
const waitingFor: Record<string, { step: ChangeStep; role: Role }> = {
  requested: { step: 'approve', role: 'approver' }, approved: { step: 'execute', role: 'executor' }, executed: { step: 'verify', role: 'verifier' },
};
const closable: Record<'reject' | 'cancel', readonly string[]> = { reject: ['requested'], cancel: ['requested', 'approved'] };
const stepBodies: Record<ChangeStep, Record<string, unknown>> = {
  approve: { note: 'looks right' }, reject: { note: 'not now' }, cancel: { note: 'no longer needed' },
  execute: { connector: 'manual', note: 'done by hand' }, verify: { outcome: 'passed', checks: ['checked by hand'] },
};

/** One run: a fresh Trustplane, the steps taken through the API, the rules checked after each. */
const play = async (target: DatabaseTarget, steps: readonly Step[]): Promise<void> => {
  const tp: DecisionRightsFixture = await startDecisionRightsFixture(target, { governance, credentials: 4, at: instants.tuesdayNight });
  try {
    // Each person holds a full token of their own, and the bootstrap principal the one `init` made.
    const tokens = new Map<string, string>();
    tokens.set('system:bootstrap', (await tp.services.tokens.createBootstrap({ name: 'init', expiresInMs: 300 * day, actor: 'system:init' })).token);
    for (const person of model.people) {
      tokens.set(`person:${person.id}`, (await tp.services.tokens.create({ principal: `person:${person.id}`, scope: 'full', name: 'own', expiresInMs: 300 * day, actor: `person:${person.id}` })).token);
    }
    const pools: Record<'internal-mtls' | 'payments-api-keys', string[]> = { 'internal-mtls': [], 'payments-api-keys': [] };
    for (const classId of Object.keys(pools) as (keyof typeof pools)[]) {
      for (let index = 0; index < 4; index++) pools[classId].push(tp.freshCredential(classId));
    }
    const classOfCredential = new Map(Object.entries(pools).flatMap(([classId, ids]) => ids.map((id) => [id, classId] as const)));
    const changes: string[] = [];
    const facts = new Map<string, ChangeFacts>();
    const log: string[] = [];
    const violations: Violation[] = [];
    const checkedRevision = new Map<string, number>();

    const send = (by: string, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse> =>
      tp.app.inject({ method, url, headers: bearer(tokens.get(by) ?? ''), ...(payload === undefined ? {} : { payload }) });
    const read = async <T>(url: string): Promise<T> => {
      const response = await send('person:carol', 'GET', url);
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      return response.json();
    };
    const credentialState = async (id: string): Promise<CredentialState | null> => {
      const response = await send('person:carol', 'GET', `/api/v1/credentials/${id}`);
      if (response.statusCode === 404) return null;
      const { credential } = response.json() as { credential: { status: string; classId: string | null; kind: string } };
      return { status: credential.status, classId: credential.classId, kind: credential.kind };
    };
    // Which governance each version is, so that each step is judged under the governance it was taken under.
    const versions = new Map<number, GovernanceModel>([[(await read<{ version: number }>('/api/v1/governance')).version, model]]);
    const governanceAt = (version: number): GovernanceModel => {
      const found = versions.get(version);
      if (found === undefined) throw new Error(`governance version ${version} was applied outside the test`);
      return found;
    };
    let inForce = { document: governance, model };
    const issued: (MintedToken & { token: string })[] = [];
    const remember = (change: { id: string } & ChangeFacts): void => {
      if (!facts.has(change.id)) changes.push(change.id);
      facts.set(change.id, { classId: change.classId, action: change.action, playbookId: change.playbookId, requester: change.requester, status: change.status });
    };
    const resolve = (by: Actor, fitting: Role, on: { classId: string; action: string; playbookId: string | null; requester?: string }): string => {
      const roles = rolesOf(inForce.model, on.classId, on.action, on.playbookId);
      const candidates = {
        requester: on.requester === undefined ? roles.requesters : samePeople(inForce.model, [on.requester]),
        approver: samePeople(inForce.model, roles.approvers),
        executor: roles.executors,
        verifier: roles.verifiers,
        anyone: principals,
      }[by.role === 'fitting' ? fitting : by.role];
      const among = candidates.length === 0 ? principals : candidates;
      return among[by.pick % among.length] as string;
    };

    // Owners make full tokens for their service accounts and agents, as they may: that is how those act.
    for (const [owner, principal] of ownership) {
      const minted = await send(owner, 'POST', '/api/v1/tokens', { principal, scope: 'full', name: 'owned', expiresIn: '90d' });
      assert.equal(minted.statusCode, 201, minted.body);
      const { token } = minted.json() as { token: string };
      tokens.set(principal, token);
      issued.push({ by: owner, principal, scope: 'full', token });
    }

    /** Every change whose record moved since it was last judged, judged again from its steps. */
    const judgeChanges = async (): Promise<void> => {
      const delegations = await read<{ items: { id: string; revocation: { revokedAt: string } | null }[] }>('/api/v1/delegations');
      const revokedAt = new Map(delegations.items.flatMap((entry) => (entry.revocation === null ? [] : [[entry.id, new Date(entry.revocation.revokedAt)] as const])));
      const listed = await read<{ items: { id: string; revision: number }[] }>('/api/v1/changes?limit=500');
      for (const { id, revision } of listed.items) {
        if (checkedRevision.get(id) === revision) continue;
        checkedRevision.set(id, revision);
        const change = await read<RecordedChange & ChangeFacts>(`/api/v1/changes/${id}`);
        remember(change);
        violations.push(...changeViolations(governanceAt, change, revokedAt));
      }
    };

    /** Every full token whose making the governance in force no longer allows must be refused. */
    const judgeTokens = async (): Promise<void> => {
      for (const token of issued) {
        if (tokenStillAllowed(inForce.model, token)) continue;
        const response = await tp.app.inject({ method: 'GET', url: '/api/v1/changes?limit=1', headers: bearer(token.token) });
        if (response.statusCode === 200) {
          violations.push({ rule: 'a token made under a policy that no longer allows it stops working', detail: `${token.by} made a full token for ${token.principal}, which still works` });
        }
      }
    };

    /** Takes the step; answers who took it and what the API said. */
    const take = async (step: Step): Promise<{ by: string; taken?: string; outcome: string }> => {
      switch (step.kind) {
        case 'clock': {
          const now = tp.clock.now().getTime();
          if (step.to === 'later') {
            tp.clock.set(new Date(now + step.hours * 3_600_000));
          } else {
            let at = now + 30 * 60_000;
            while (!timeOf[step.to](new Date(at)) && at < now + 8 * day) at += 30 * 60_000;
            tp.clock.set(new Date(at));
          }
          return { by: 'time', outcome: tp.clock.now().toISOString() };
        }
        case 'request': {
          const pool = step.classId === 'ssh-access' || step.action === 'issue' ? [] : pools[step.classId];
          const credentials = pool.length === 0 ? [] : [pool[step.credential % pool.length] as string];
          const by = resolve(step.by, 'requester', { classId: step.classId, action: step.action, playbookId: null });
          const response = await send(by, 'POST', '/api/v1/changes', {
            action: step.action, reason: 'property test', ...(credentials.length === 0 ? { class: step.classId } : { credentials }),
            ...(step.action === 'revoke' ? { trigger: step.trigger } : {}),
          });
          if (response.statusCode === 201) remember(response.json());
          return { by, outcome: String(response.statusCode) };
        }
        case 'advance': case 'reject': case 'cancel': {
          const kind = step.kind;
          const applies = (status: string): boolean => (kind === 'advance' ? status in waitingFor : closable[kind].includes(status));
          const among = changes.filter((candidate) => applies(facts.get(candidate)?.status ?? ''));
          const id = among[among.length - 1 - (step.change % Math.max(1, among.length))];
          const on = id === undefined ? undefined : facts.get(id);
          if (id === undefined || on === undefined) return { by: 'nobody', taken: kind === 'advance' ? 'advance' : kind, outcome: 'skipped: no change it applies to' };
          const { step: taken, role } = kind === 'advance' ? waitingFor[on.status] as { step: ChangeStep; role: Role } : { step: kind, role: kind === 'reject' ? 'approver' as const : 'requester' as const };
          const by = resolve(step.by, role, on);
          return { by, taken, outcome: String((await send(by, 'POST', `/api/v1/changes/${id}/${taken}`, stepBodies[taken])).statusCode) };
        }
        case 'invoke': {
          const pool = [...pools['internal-mtls'], ...pools['payments-api-keys']];
          const credential = pool[step.credential % pool.length] as string;
          const by = resolve(step.by, 'executor', { classId: classOfCredential.get(credential) as string, action: step.action, playbookId: step.playbook });
          const response = await send(by, 'POST', `/api/v1/playbooks/${step.playbook}/invoke`, {
            credentials: [credential], action: step.action, reason: 'property test',
            trigger: step.playbook === 'key-compromise' ? 'key_compromise' : 'partner_offboarded',
          });
          if (response.statusCode === 200) for (const change of (response.json() as { changes: ({ id: string } & ChangeFacts)[] }).changes) remember(change);
          return { by, outcome: String(response.statusCode) };
        }
        case 'revoke-delegation':
          return { by: step.by, outcome: String((await send(step.by, 'POST', `/api/v1/delegations/${step.delegation}/revoke`, { reason: 'property test' })).statusCode) };
        case 'import': {
          const pool = pools[step.credential % 2 === 0 ? 'internal-mtls' : 'payments-api-keys'];
          const id = pool[Math.floor(step.credential / 2) % pool.length] as string;
          const { credential } = await read<{ credential: { fingerprint: string; name: string } }>(`/api/v1/credentials/${id}`);
          const before = await credentialState(id);
          // The row names the credential by its fingerprint, as an export from the system holding it would.
          const row = {
            kind: step.credentialKind, fingerprint: credential.fingerprint, name: credential.name, class: step.classId, status: step.status,
            source: step.classId === 'internal-mtls' ? 'internal-ca' : 'vault', notAfter: '2027-06-01T00:00:00Z',
          };
          const response = await send(step.by, 'POST', '/api/v1/credentials/import', {
            files: [{ name: 'inventory.json', content: Buffer.from(JSON.stringify({ credentials: [row] })).toString('base64') }],
          });
          const after = await credentialState(id);
          if (before !== null) {
            violations.push(...importViolations(new Map([[id, before]]), after === null ? new Map() : new Map([[id, after]]))
              .map((violation) => ({ ...violation, detail: `${violation.detail} (imported by ${step.by}, answered ${response.statusCode})` })));
          }
          return { by: step.by, outcome: String(response.statusCode) };
        }
        case 'mint': {
          const response = await send(step.by, 'POST', '/api/v1/tokens', { principal: step.principal, scope: step.scope, name: 'property test', expiresIn: '30d' });
          if (response.statusCode === 201) {
            const { token } = response.json() as { token: string };
            violations.push(...tokenViolations(inForce.model, { by: step.by, principal: step.principal, scope: step.scope }));
            issued.push({ by: step.by, principal: step.principal, scope: step.scope, token });
            // Whoever holds a full token acts as its principal from now on.
            if (step.scope === 'full') tokens.set(step.principal, token);
          }
          return { by: step.by, outcome: String(response.statusCode) };
        }
        case 'reassign': {
          const next = inForce.document === governance ? { document: reassigned, model: reassignedModel } : { document: governance, model };
          const response = await send(step.by, 'POST', '/api/v1/governance/apply', { document: next.document, dryRun: false });
          if (response.statusCode === 200) {
            versions.set((response.json() as { version: number }).version, next.model);
            inForce = next;
          }
          return { by: step.by, outcome: String(response.statusCode) };
        }
      }
    };

    for (const step of steps) {
      const at = tp.clock.now().toISOString();
      const { by, taken, outcome } = await take(step);
      log.push(`${at} ${describeStep(step, by, taken ?? step.kind)} → ${outcome}`);
      // Each step a second after the one before, so that the model can order by time what the server did
      // in order (a delegation revoked at the very instant a partner executed would be ambiguous).
      tp.clock.set(new Date(tp.clock.now().getTime() + 1000));
      await judgeChanges();
      await judgeTokens();
      if (violations.length > 0) {
        assert.fail([
          'a change of trust state outside the decision rights:',
          ...violations.map((violation) => `  ${violation.rule}: ${violation.detail}`),
          'after these steps (the owners of service accounts and agents first made full tokens for them):',
          ...log.map((line) => `  ${line}`),
        ].join('\n'));
      }
    }
  } finally {
    await tp.close();
  }
};

// A counterexample shrinks by leaving steps out, never by changing one: each attempt costs a fresh
// Trustplane, and a sequence with fewer steps is what a reader needs.
const sequences = fc.array(fc.noShrink(stepArbitrary), { minLength: 1, maxLength: maxSteps, size: 'max' });

for (const target of databaseTargets) {
  describe(`decision rights as a property on ${target.name}`, () => {
    test('no sequence of steps, by anyone acting through any token at any time, changes trust state outside the decision rights', async () => {
      await fc.assert(fc.asyncProperty(sequences, (steps) => play(target, steps)), {
        seed, numRuns, ...(path === undefined ? {} : { path }),
      });
    });
  });
}
