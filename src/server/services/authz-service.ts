// Authorization as a use case: every decision is Cedar's, over the policy set compiled from the governance
// version in force (cached per version) and the delegations revoked so far. A refusal is recorded as a
// denied attempt in its own transaction, because the transaction of the refused request rolls back.
import { explainDecision } from '../../core/authz/explain-decision.ts';
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import { resourceClassOf } from '../../core/authz/authz-model.ts';
import type { AuthzQuery, DelegationRevocation } from '../../core/authz/authz-model.ts';
import { describeResource } from '../../core/authz/explain-decision.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { Governance } from '../../core/governance/index.ts';
import type { PersonBehind } from '../../core/governance/person-behind.ts';
import { compileGovernance, decide } from '../auth/cedar-engine.ts';
import type { CompiledGovernance } from '../auth/cedar-engine.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { governanceFromRows } from '../stores/governance-store.ts';
import type { Clock } from '../platform.ts';

/**
 * A refusal decided inside a use case's transaction, returned (not thrown) so the transaction commits
 * nothing and the denial is recorded after it; credentialIds: those a refused request named, recorded
 * with it so that it is found by credential.
 */
export type Denial = { denied: { query: AuthzQuery; outcome: AuthzOutcome; version: number | null; credentialIds?: readonly string[] } };

export const isDenial = (value: unknown): value is Denial => typeof value === 'object' && value !== null && 'denied' in value;

export type AuthzServiceDeps = { unitOfWork: UnitOfWork; clock: Clock };

/** What one transaction needs to decide: the compiled governance in force and the revoked delegations. */
export type AuthzSnapshot = {
  version: number | null;
  /** When the governance in force was applied: when its pre-authorisations were given. */
  appliedAt: string | null;
  governance: Governance | null;
  /** The person behind a principal under the governance in force (a service account's owner). */
  personOf: PersonBehind;
  decide(query: AuthzQuery): AuthzOutcome;
};

const noGovernance = (query: AuthzQuery): AuthzOutcome => (query.principal === 'system:bootstrap' && (query.action === 'administer' || query.action === 'import' || query.action === 'read')
  ? { allowed: true, code: null, policies: [], reason: 'allowed: no governance is applied yet, and the bootstrap principal made by `trustplane init` administers until one is' }
  : { allowed: false, code: 'FORBIDDEN', policies: [], reason: 'denied: no governance is applied yet; only the bootstrap principal may act until one is' });

export const createAuthzService = ({ unitOfWork, clock }: AuthzServiceDeps) => {
  let cached: CompiledGovernance | null = null;

  const remember = (version: number, governance: Governance): CompiledGovernance => {
    if (cached?.version === version) return cached;
    const compiled = compileGovernance(version, governance);
    // Versions only grow; an older compilation (a slow request) never replaces a newer one.
    if (cached === null || cached.version < version) cached = compiled;
    return compiled;
  };

  const compiledFor = async (tx: UnitOfWorkContext, version: number): Promise<CompiledGovernance> =>
    cached?.version === version ? cached : remember(version, governanceFromRows(await tx.governance.listEntities()));

  const snapshot = async (tx: UnitOfWorkContext): Promise<AuthzSnapshot> => {
    const current = await tx.governance.currentVersion();
    if (current === null) return { version: null, appliedAt: null, governance: null, personOf: (ref) => ref, decide: noGovernance };
    const compiled = await compiledFor(tx, current.version);
    const revoked: ReadonlyMap<string, DelegationRevocation> = await tx.authz.revocations();
    return {
      version: current.version,
      appliedAt: current.appliedAt,
      governance: compiled.model.governance,
      personOf: compiled.model.personOf,
      decide: (query) => explainDecision(compiled.model, query, decide(compiled, query, revoked), revoked),
    };
  };

  const recordDenial = async (query: AuthzQuery, outcome: AuthzOutcome, version: number | null, requestId?: string, credentialIds?: readonly string[]): Promise<void> => {
    const resource = describeResource(query.resource);
    const classId = resourceClassOf(query.resource);
    await unitOfWork(async (tx) => {
      await tx.authz.recordDenial({
        at: clock.now().toISOString(), principal: query.principal, action: query.action, resource, classId,
        code: outcome.code ?? 'FORBIDDEN', reason: outcome.reason, governanceVersion: version, requestId: requestId ?? null,
      });
      await tx.audit.append({
        at: clock.now(), actor: query.principal, action: 'authz.denied', target: resource,
        ...(version === null ? {} : { governanceVersion: version }),
        ...(requestId === undefined ? {} : { requestId }),
        details: {
          action: query.action, classId, code: outcome.code, reason: outcome.reason, policies: outcome.policies.map((policy) => policy.id),
          ...(credentialIds === undefined ? {} : { credentials: [...credentialIds] }),
        },
      });
    });
  };

  /** The error a refusal throws: its code, its reason, and the deciding policies as details. */
  const refusal = (outcome: AuthzOutcome): TrustplaneError =>
    new TrustplaneError(outcome.code ?? 'FORBIDDEN', outcome.reason.replace(/^denied: /, ''), outcome.policies.map((policy) => `${policy.id} (${policy.origin.source}): ${policy.origin.because}`));

  return {
    snapshot,
    recordDenial,

    /**
     * Compiles the governance in force ahead of the first decision (at start-up and after an apply), with
     * no transaction open, so that no request waits for a compilation inside its own.
     */
    async warm(): Promise<void> {
      const current = await unitOfWork(async (tx) => {
        const version = await tx.governance.currentVersion();
        return version === null || cached?.version === version.version ? null : { version: version.version, rows: await tx.governance.listEntities() };
      });
      if (current !== null) remember(current.version, governanceFromRows(current.rows));
    },
    refusal,

    /** Decides inside a transaction: the outcome when allowed, a Denial to return from the transaction otherwise. */
    decideIn(snapshot: AuthzSnapshot, query: AuthzQuery): AuthzOutcome | Denial {
      const outcome = snapshot.decide(query);
      return outcome.allowed ? outcome : { denied: { query, outcome, version: snapshot.version } };
    },

    /** After the transaction: records a Denial and throws its refusal, or passes the result on. */
    async settle<T>(result: T | Denial, requestId?: string): Promise<T> {
      if (!isDenial(result)) return result;
      await recordDenial(result.denied.query, result.denied.outcome, result.denied.version, requestId, result.denied.credentialIds);
      throw refusal(result.denied.outcome);
    },

    /** Decides a query outside any use case (routes, `trustplane can`); records and throws on refusal if `enforce`. */
    async check(query: AuthzQuery, options: { enforce: boolean; requestId?: string }): Promise<AuthzOutcome & { governanceVersion: number | null }> {
      const { outcome, version } = await unitOfWork(async (tx) => {
        const authz = await snapshot(tx);
        return { outcome: authz.decide(query), version: authz.version };
      });
      if (options.enforce && !outcome.allowed) {
        await recordDenial(query, outcome, version, options.requestId);
        throw refusal(outcome);
      }
      return { ...outcome, governanceVersion: version };
    },

    /** Denied attempts, newest first, for the monitoring work and for operators. */
    deniedAttempts: (options: { since?: string; principal?: string; limit: number }) => unitOfWork((tx) => tx.authz.deniedAttempts(options)),

    now: (): Date => clock.now(),
  };
};

export type AuthzService = ReturnType<typeof createAuthzService>;
