// Changes to trust state: request → approve (a quorum) → execute (through a connector) → verify, or
// reject, cancel, expire. Each step is decided by Cedar over the change as it stands, recorded with its
// actor, time, governance version and deciding policies, and audited in the same transaction. Refusals
// are recorded as denied attempts. Execution runs outside any transaction: one transaction claims the
// change (approved → executing), the connector runs, a second records the outcome.
import { approvalsNeeded, newChange, transitionProblem } from '../../core/changes/change-lifecycle.ts';
import type { Change } from '../../core/changes/change-lifecycle.ts';
import { changeSpecProblems, specDetails } from '../../core/changes/change-spec.ts';
import { requestPolicyProblems } from '../../core/changes/request-policy.ts';
import { parseCsr } from '../../core/pki/csr.ts';
import type { CertificateRequestFacts } from '../../core/pki/csr.ts';
import type { ChangeSpec } from '../../core/changes/change-spec.ts';
import type { AuthzQuery, AuthzResource } from '../../core/authz/authz-model.ts';
import { stepAction } from '../../core/authz/cedar-schema.ts';
import type { ChangeStep } from '../../core/authz/cedar-schema.ts';
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import { systemPrincipals } from '../../core/authz/governance-policies.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { CredentialClass, DecisionRight, Governance, GovernedAction, RevocationReason } from '../../core/governance/index.ts';
import { credentialIdFor } from '../../core/inventory/index.ts';
import { chooseConnector } from '../connectors/registry.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { Connector, ExecutionEvidence, ProbeResult } from '../connectors/connector.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { randomId } from '../platform.ts';
import type { Clock, RandomSource } from '../platform.ts';
import type { ChangeEvent, ChangeFilter } from '../stores/change-store.ts';
import type { CredentialRecord } from '../stores/credential-rows.ts';
import type { Actor } from './actor.ts';
import { createChangeJournal } from './change-journal.ts';
import { createExecutionOutcome } from './execution-outcome.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService, AuthzSnapshot, Denial } from './authz-service.ts';

/** How long an execution may take before the change is failed as having no known outcome. */
export const executionLeaseMs = 15 * 60_000;

export type ChangeServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  random: RandomSource;
  authz: AuthzService;
  connectors: ConnectorRegistry;
  /** How long a change may wait for approval and execution before it expires. */
  staleAfterMs: number;
  /** Told when a side effect after commit (publishing a CRL, say) fails; the change stands. */
  onSideEffectError?: (error: unknown, context: string) => void;
};

export type ChangeRequestInput = {
  action: GovernedAction;
  credentialIds: readonly string[];
  classId?: string;
  reason: string;
  ticket?: string;
  trigger?: RevocationReason;
  /** What an issue (or a rotation with the requester's own key) asks for: a CSR or names, a workload. */
  spec?: unknown;
  /** Who ordered it, when the system principal requests on someone's order (an offboarding). */
  orderedBy?: string;
};

/** An execution claimed in one transaction, to be run outside it and recorded in another. */
export type ClaimedExecution = {
  change: Change;
  credentials: readonly CredentialRecord[];
  evidence: ExecutionEvidence;
  connector: Connector;
  governance: Governance;
};

export type ChangeDetail = Change & { events: ChangeEvent[] };

/** The stored statuses a change may act on: a revoked, retired or superseded credential is done with. */
export const changeableStatuses: ReadonlySet<string> = new Set(['active', 'expired', 'pending']);

/** Issue, renew and rotate produce a new credential; revoke and retire do not. */
const producesCredential = (action: GovernedAction): boolean => action === 'issue' || action === 'renew' || action === 'rotate';

/** The change as Cedar sees it. */
export const changeResource = (change: Change): AuthzResource => ({
  type: 'change', id: change.id, classId: change.classId, lifecycleAction: change.action, requester: change.requester,
  approvers: change.approvals, executor: change.executor, preApproved: change.preApprovedBy !== null, orderedBy: change.orderedBy, people: change.people ?? {},
});

export const decisionRightFor = (governance: Governance, classId: string, action: GovernedAction): { credentialClass: CredentialClass; right: DecisionRight } => {
  const credentialClass = governance.classes.find((entry) => entry.id === classId);
  if (credentialClass === undefined) throw new TrustplaneError('VALIDATION_FAILED', `class "${classId}" is not declared in governance`);
  const right = credentialClass.decisionRights[action];
  if (right === undefined) {
    throw new TrustplaneError('VALIDATION_FAILED', `class "${classId}" has no decision rights for ${action}, so nobody may ${action} its credentials; add decisionRights.${action} to the class in governance.yaml`);
  }
  return { credentialClass, right };
};

export const createChangeService = (deps: ChangeServiceDeps) => {
  const { unitOfWork, clock, random, authz, connectors } = deps;

  /** Runs a step in one transaction; a refusal commits nothing, is recorded on its own, and throws. */
  const step = async <T>(actor: Actor, work: (tx: UnitOfWorkContext, decide: (query: Omit<AuthzQuery, 'at' | 'readOnly' | 'principal'>) => AuthzOutcome | Denial, snapshot: AuthzSnapshot) => Promise<T | Denial>): Promise<T> => {
    const result = await unitOfWork(async (tx) => {
      const snapshot = await authz.snapshot(tx);
      const decide = (query: Omit<AuthzQuery, 'at' | 'readOnly' | 'principal'>): AuthzOutcome | Denial =>
        authz.decideIn(snapshot, { ...query, principal: actor.ref, at: clock.now(), readOnly: actor.readOnly });
      return work(tx, decide, snapshot);
    });
    return authz.settle(result, actor.requestId);
  };

  const requireGovernance = (snapshot: AuthzSnapshot): { governance: Governance; version: number } => {
    if (snapshot.governance === null || snapshot.version === null) throw new TrustplaneError('CONFLICT', 'no governance is applied yet; apply one with `trustplane apply -f governance.yaml` first');
    return { governance: snapshot.governance, version: snapshot.version };
  };

  const loadChange = async (tx: UnitOfWorkContext, id: string): Promise<Change> => {
    const change = await tx.changes.find(id);
    if (change === null) throw new TrustplaneError('NOT_FOUND', `no change ${id}; \`trustplane changes list\` shows the changes`);
    return change;
  };

  const requireTransition = (change: Change, name: ChangeStep | 'expire'): void => {
    const problem = transitionProblem(change, name);
    if (problem !== null) throw new TrustplaneError('INVALID_TRANSITION', problem);
  };

  const journal = createChangeJournal(clock);
  const { record, notify, advance: next } = journal;

  const loadCredentials = async (tx: UnitOfWorkContext, ids: readonly string[]): Promise<CredentialRecord[]> => {
    const now = clock.now().toISOString();
    const found: CredentialRecord[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const credential = await tx.credentials.findById(id, now);
      if (credential === null) missing.push(id);
      else found.push(credential);
    }
    if (missing.length > 0) throw new TrustplaneError('NOT_FOUND', `no credential ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}; nothing was requested`);
    return found;
  };

  /** Validation that needs no database: runs before any transaction. */
  const checkRequest = (input: ChangeRequestInput): { spec: ChangeSpec; csrs: (CertificateRequestFacts | null)[] } => {
    if (input.credentialIds.length === 0 && (input.action !== 'issue' || input.classId === undefined)) {
      throw new TrustplaneError('VALIDATION_FAILED', `a ${input.action} names the credentials it changes (--credential ID); only an issue may name a class instead (--class ID)`);
    }
    if (new Set(input.credentialIds).size !== input.credentialIds.length) throw new TrustplaneError('VALIDATION_FAILED', 'a credential is named twice; name each once');
    if (input.action === 'revoke' && input.trigger === undefined) {
      throw new TrustplaneError('VALIDATION_FAILED', 'a revocation needs its trigger (--trigger key_compromise, workload_decommissioned, owner_departed, partner_offboarded, superseded or policy_violation); its SLA follows from it');
    }
    if (input.action !== 'revoke' && input.trigger !== undefined) throw new TrustplaneError('VALIDATION_FAILED', `a trigger belongs to a revocation, not to a ${input.action}`);
    const { spec, problems } = changeSpecProblems(input.spec);
    if (problems.length > 0) throw new TrustplaneError('VALIDATION_FAILED', `the change's specification is not valid: ${problems.join('; ')}`, problems);
    if ((input.action === 'revoke' || input.action === 'retire') && Object.keys(spec).length > 0) {
      throw new TrustplaneError('VALIDATION_FAILED', `a ${input.action} takes no specification (CSR, names, workload); it acts on the credentials it names`);
    }
    if (spec.csrs !== undefined && input.action !== 'issue') throw new TrustplaneError('VALIDATION_FAILED', `spec.csrs belongs to an issue; a ${input.action} acts on one certificate at a time`);
    const texts = spec.csrs ?? (spec.csr === undefined ? [] : [spec.csr]);
    if (texts.length === 0) return { spec, csrs: [null] };
    const unreadable: string[] = [];
    const csrs = texts.map((text, index) => {
      const csr = parseCsr(text);
      if (csr.ok) return csr.csr;
      unreadable.push(spec.csrs === undefined ? `the CSR cannot be used: ${csr.problem}` : `spec.csrs[${index}] cannot be used: ${csr.problem}`);
      return null;
    });
    if (unreadable.length > 0) {
      throw new TrustplaneError('VALIDATION_FAILED', `${unreadable.slice(0, 5).join('; ')}${unreadable.length > 5 ? `; and ${unreadable.length - 5} more` : ''}; nothing was requested`, unreadable);
    }
    return { spec, csrs };
  };

  /** The class a set of credentials belongs to; they must share one, and be in a state the action applies to. */
  const classOfCredentials = (credentials: readonly CredentialRecord[], action: GovernedAction, stated?: string): string => {
    const classes = [...new Set(credentials.map((credential) => credential.classId ?? ''))];
    const unclassified = credentials.filter((credential) => credential.classId === null).map((credential) => credential.id);
    if (unclassified.length > 0) {
      throw new TrustplaneError('VALIDATION_FAILED', `credential ${unclassified.slice(0, 3).join(', ')} belongs to no class, so no decision rights govern it; import it into a class first (credentials import --class)`);
    }
    if (classes.length > 1) throw new TrustplaneError('VALIDATION_FAILED', `the credentials belong to ${classes.length} classes (${classes.join(', ')}); a change governs one class, so request one change per class`);
    const classId = classes[0] as string;
    if (stated !== undefined && stated !== classId) throw new TrustplaneError('VALIDATION_FAILED', `the credentials belong to class ${classId}, not ${stated}`);
    const unfit = credentials.filter((credential) => !changeableStatuses.has(credential.status));
    if (unfit.length > 0) {
      throw new TrustplaneError('VALIDATION_FAILED', `credential ${unfit[0]?.id} is ${unfit[0]?.status}; a ${action} applies to pending, active or expired credentials only`);
    }
    return classId;
  };

  /** Reject or cancel: a final status, nothing executed. */
  const close = async (actor: Actor, id: string, name: 'reject' | 'cancel', status: 'rejected' | 'cancelled', details: Record<string, unknown>): Promise<ChangeDetail> => {
    await step(actor, async (tx, decide, snapshot) => {
      const { version } = requireGovernance(snapshot);
      const change = await loadChange(tx, id);
      const decided = decide({ action: stepAction(name, change.action), resource: changeResource(change) });
      if (isDenial(decided)) return decided;
      requireTransition(change, name);
      const updated = next(change, { status });
      await tx.changes.update(updated);
      await record(tx, actor, updated, name, version, decided, details, snapshot.personOf);
      await notify(tx, updated, status, [updated.requester]);
      return null;
    });
    return service.show(id);
  };

  /** A request inside a transaction the caller holds (an offboarding files several in its own). */
  const requestIn = async (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, actor: Actor, input: ChangeRequestInput, checked: ReturnType<typeof checkRequest>): Promise<Change | Denial> => {
    const { spec, csrs } = checked;
    const decide = (query: Omit<AuthzQuery, 'at' | 'readOnly' | 'principal'>): AuthzOutcome | Denial =>
      authz.decideIn(snapshot, { ...query, principal: actor.ref, at: clock.now(), readOnly: actor.readOnly });
    const { governance, version } = requireGovernance(snapshot);
    const credentials = await loadCredentials(tx, input.credentialIds);
    const classId = credentials.length === 0 ? input.classId as string : classOfCredentials(credentials, input.action, input.classId);
    // Cedar first, so that whoever may not request here is refused and recorded whatever else is wrong.
    const decided = decide({ action: stepAction('request', input.action), resource: { type: 'class', classId }, ...(input.trigger === undefined ? {} : { trigger: input.trigger }) });
    // The refusal names the credentials asked about, so that it is listed with each of them.
    if (isDenial(decided)) return { denied: { ...decided.denied, credentialIds: input.credentialIds } };
    const { credentialClass, right } = decisionRightFor(governance, classId, input.action);
    const sourcesWithCa = new Set(await tx.ca.issuingSources());
    const problems = requestPolicyProblems({ governance, sourcesWithCa }, { action: input.action, credentialClass, spec, csrs, at: clock.now() });
    if (problems.length > 0) {
      const listed = `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`;
      throw new TrustplaneError('VALIDATION_FAILED', `the class policy refuses this request, so nothing was requested: ${listed}`, problems);
    }
    const open = await tx.changes.openOn(input.credentialIds);
    if (open.length > 0) {
      throw new TrustplaneError('CONFLICT', `credential ${open[0]?.credentialId} already has change ${open[0]?.changeId} in progress; finish or cancel it first`);
    }
    const now = clock.now();
    let change = newChange({
      id: randomId(random, 'ch'), classId, action: input.action, requester: actor.ref, reason: input.reason, ticket: input.ticket ?? null,
      trigger: input.trigger ?? null, policy: credentialClass.policy, at: now, staleAt: new Date(now.getTime() + deps.staleAfterMs),
      governanceVersion: version, approvalsNeeded: approvalsNeeded(right), preApprovedBy: right.preApproved ? right.accountable : null,
      orderedBy: input.orderedBy ?? null, spec, credentialIds: input.credentialIds,
    });
    await tx.changes.insert(change);
    await record(tx, actor, change, 'request', version, decided, { reason: input.reason, ticket: input.ticket ?? null, trigger: input.trigger ?? null, dueAt: change.dueAt, ...specDetails(spec) }, snapshot.personOf);
    // A pre-approved standard change: the system principal approves, under the pre-authorisation of
    // the accountable person, and Cedar decides that too. Should Cedar refuse (an organisation's own
    // forbid, say), the change waits for its approvers like any other, and they are told.
    const system = systemPrincipals.automation;
    const approval = right.preApproved
      ? snapshot.decide({ principal: system, action: stepAction('approve', input.action), resource: changeResource(change), at: now })
      : null;
    if (approval?.allowed === true) {
      change = next(change, { status: 'approved', approvals: [system] });
      await tx.changes.update(change);
      await record(tx, { ref: system }, change, 'approve', version, approval, {
        preAuthorisedBy: right.accountable, preAuthorisedAt: snapshot.appliedAt, preAuthorisedIn: `governance version ${version}`,
        note: `pre-approved standard change (${classId}.decisionRights.${input.action}.preApproved)`,
      });
    } else {
      if (approval !== null) await tx.audit.append({ at: now, actor: system, action: 'authz.denied', target: `change:${change.id}`, governanceVersion: version, details: { action: stepAction('approve', input.action), code: approval.code, reason: approval.reason, policies: approval.policies.map((policy) => policy.id) } });
      await notify(tx, change, 'approval_needed', [right.accountable, ...right.approvers]);
    }
    await notify(tx, change, 'requested', [...right.consulted, ...right.informed]);
    return change;
  };

  const outcomes = createExecutionOutcome({ unitOfWork, clock, journal, loadChange, onSideEffectError: deps.onSideEffectError });

  const service = {
    async request(actor: Actor, input: ChangeRequestInput): Promise<ChangeDetail> {
      const checked = checkRequest(input);
      const created = await step(actor, async (tx, _decide, snapshot) => {
        const change = await requestIn(tx, snapshot, actor, input, checked);
        return isDenial(change) ? change : change.id;
      });
      return service.show(created);
    },

    /** Files a request in the caller's transaction; a refusal comes back as a Denial for the caller to settle. */
    requestWithin: (tx: UnitOfWorkContext, snapshot: AuthzSnapshot, actor: Actor, input: ChangeRequestInput): Promise<Change | Denial> =>
      requestIn(tx, snapshot, actor, input, checkRequest(input)),

    /**
     * Cancels a change in the caller's transaction for the system principal, with the trigger that moved it
     * (an offboarded requester): Cedar decides as for anyone.
     */
    async cancelWithin(tx: UnitOfWorkContext, snapshot: AuthzSnapshot, change: Change, trigger: string, note: string): Promise<Change | Denial> {
      const { version } = requireGovernance(snapshot);
      const system = { ref: systemPrincipals.automation, readOnly: false };
      const decided = authz.decideIn(snapshot, { principal: system.ref, action: stepAction('cancel', change.action), resource: changeResource(change), at: clock.now(), readOnly: false, trigger });
      if (isDenial(decided)) return decided;
      requireTransition(change, 'cancel');
      const updated = next(change, { status: 'cancelled' });
      await tx.changes.update(updated);
      await record(tx, system, updated, 'cancel', version, decided, { note, trigger });
      await notify(tx, updated, 'cancelled', [updated.requester]);
      return updated;
    },

    async approve(actor: Actor, id: string, note?: string): Promise<ChangeDetail> {
      await step(actor, async (tx, decide, snapshot) => {
        const { governance, version } = requireGovernance(snapshot);
        const change = await loadChange(tx, id);
        const decided = decide({ action: stepAction('approve', change.action), resource: changeResource(change) });
        if (isDenial(decided)) return decided;
        requireTransition(change, 'approve');
        const approvals = [...change.approvals, actor.ref];
        const updated = next(change, { approvals, status: approvals.length >= change.approvalsNeeded ? 'approved' : 'requested' });
        await tx.changes.update(updated);
        await record(tx, actor, updated, 'approve', version, decided, { note: note ?? null, approvals: approvals.length, needed: change.approvalsNeeded }, snapshot.personOf);
        const right = governance.classes.find((entry) => entry.id === change.classId)?.decisionRights[change.action];
        await notify(tx, updated, updated.status === 'approved' ? 'approved' : 'approval_recorded', right?.consulted ?? []);
        return null;
      });
      return service.show(id);
    },

    async reject(actor: Actor, id: string, note: string): Promise<ChangeDetail> {
      return close(actor, id, 'reject', 'rejected', { note });
    },

    async cancel(actor: Actor, id: string, note?: string): Promise<ChangeDetail> {
      return close(actor, id, 'cancel', 'cancelled', { note: note ?? null });
    },

    async execute(actor: Actor, id: string, evidence: ExecutionEvidence, connectorId?: string): Promise<ChangeDetail> {
      if (connectorId !== undefined) connectors.get(connectorId);
      const claimed = await step(actor, async (tx, decide, snapshot) => {
        const { governance, version } = requireGovernance(snapshot);
        const change = await loadChange(tx, id);
        // Cedar first, so that whoever may not execute is refused and recorded whatever the evidence says.
        const decided = decide({ action: stepAction('execute', change.action), resource: changeResource(change) });
        if (isDenial(decided)) return decided;
        requireTransition(change, 'execute');
        // Evidence in PEM is what a person did by hand; otherwise the connector that holds the
        // credentials, or serves the class's source, executes.
        const connector = await service.connectorFor(tx, governance, change, connectorId ?? (evidence.pem === undefined ? undefined : 'manual'));
        const checked = connector.checkEvidence(evidence);
        if ('problem' in checked) throw new TrustplaneError('VALIDATION_FAILED', `${checked.problem}; the change was not touched`);
        if (evidence.pem !== undefined && !producesCredential(change.action)) {
          throw new TrustplaneError('VALIDATION_FAILED', `a ${change.action} produces no new credential, so it takes no PEM; leave out --pem-file (the change was not touched)`);
        }
        // New material only: evidence naming a credential the inventory already holds would move it into
        // this class, or make a credential supersede itself.
        for (const fingerprint of checked.fingerprints) {
          const known = await tx.credentials.findById(credentialIdFor(fingerprint), clock.now().toISOString());
          if (known !== null) {
            throw new TrustplaneError('VALIDATION_FAILED', `the evidence is credential ${known.id} (${known.name}, class ${known.classId ?? 'none'}), which the inventory already holds; a ${change.action} records new material (the change was not touched)`);
          }
        }
        // A lease: if no outcome is recorded by then (the process died, the connector hung), the sweep
        // fails the change so that its credentials are free again, for a playbook above all.
        const updated = next(change, { status: 'executing', executor: actor.ref, connector: connector.id, staleAt: new Date(clock.now().getTime() + executionLeaseMs).toISOString() });
        await tx.changes.update(updated);
        await record(tx, actor, updated, 'execute', version, decided, { connector: connector.id }, snapshot.personOf);
        return { change: updated, credentials: await loadCredentials(tx, updated.credentialIds), evidence, connector, governance };
      });
      await service.finishExecution(actor, claimed);
      return service.show(id);
    },

    /** The connector that executes a change (see chooseConnector). */
    connectorFor: (tx: UnitOfWorkContext, governance: Governance, change: Change, named?: string): Promise<Connector> =>
      chooseConnector(connectors, { tx, governance, change, ...(named === undefined ? {} : { named }) }),

    /** Runs the connector outside any transaction, then records the outcome and its effect on the inventory. */
    async finishExecution(actor: { ref: string; requestId?: string }, claimed: ClaimedExecution): Promise<Change> {
      const { change, credentials, evidence, connector, governance } = claimed;
      const credentialClass = governance.classes.find((entry) => entry.id === change.classId);
      const result = await Promise.resolve()
        .then(() => {
          if (credentialClass === undefined) throw new Error(`class ${change.classId} is no longer in governance`);
          return connector.execute({ change, credentials, evidence, governance, credentialClass, executor: actor.ref, at: clock.now() });
        })
        .catch((error: unknown) => ({ ok: false as const, summary: `the connector failed: ${error instanceof Error ? error.message : String(error)}`, evidence: {} }));
      const outcome = await outcomes.record(actor, claimed, result);
      if (outcome.status === 'executed' && result.ok && result.afterCommit !== undefined) {
        await result.afterCommit().catch((error: unknown) => deps.onSideEffectError?.(error, `after executing change ${change.id}`));
      }
      return outcome;
    },

    /** What the change's connector checks for itself after execution (a CRL, OCSP, a chain, a secret's versions). */
    async probe(id: string): Promise<ProbeResult[]> {
      const { change, credentials, produced } = await unitOfWork(async (tx) => {
        const current = await loadChange(tx, id);
        const executed = (await tx.changes.events(id)).findLast((event) => event.step === 'executed');
        const producedIds = Array.isArray(executed?.details.produced) ? executed.details.produced.filter((entry): entry is string => typeof entry === 'string') : [];
        return { change: current, credentials: await loadCredentials(tx, current.credentialIds), produced: await loadCredentials(tx, producedIds) };
      });
      const connector = change.connector === null ? undefined : connectors.find(change.connector);
      if (connector?.probe === undefined || change.executedAt === null) return [];
      return connector.probe({ change, credentials, produced, at: clock.now() });
    },

    /**
     * The verifier's step. The connector's probes run first, outside the transaction (they read the CRL,
     * ask OCSP, check the chain) and are recorded with the verifier's own checks. A verifier may not pass a
     * change a probe failed; without an outcome of their own, the probes decide.
     */
    async verify(actor: Actor, id: string, input: { outcome?: 'passed' | 'failed'; checks: readonly string[]; note?: string }): Promise<ChangeDetail> {
      // A failure stated by the verifier stands even when the probes cannot run (the CA's URLs unreachable, say).
      const probes = await service.probe(id).catch((error: unknown) => {
        if (input.outcome === 'failed') return [];
        throw error;
      });
      const failedProbes = probes.filter((probe) => !probe.passed);
      if (input.outcome === undefined && probes.length === 0) {
        throw new TrustplaneError('VALIDATION_FAILED', `change ${id}'s connector has no probes, so say what you checked and whether it passed (--outcome passed|failed --check TEXT)`);
      }
      if (input.outcome !== undefined && input.checks.length === 0) {
        throw new TrustplaneError('VALIDATION_FAILED', 'an outcome you state yourself needs the checks you made (--check TEXT); or leave out the outcome and let the probes decide');
      }
      const outcome = input.outcome ?? (failedProbes.length === 0 ? 'passed' : 'failed');
      await step(actor, async (tx, decide, snapshot) => {
        const { version } = requireGovernance(snapshot);
        const change = await loadChange(tx, id);
        const decided = decide({ action: stepAction('verify', change.action), resource: changeResource(change) });
        if (isDenial(decided)) return decided;
        requireTransition(change, 'verify');
        if (outcome === 'passed' && failedProbes.length > 0) {
          throw new TrustplaneError('VALIDATION_FAILED', `the change cannot pass verification: ${failedProbes.map((probe) => `${probe.name}: ${probe.detail}`).join('; ')}; record --outcome failed, or find out why`);
        }
        const updated = next(change, { status: outcome === 'passed' ? 'verified' : 'verification_failed', verifier: actor.ref, verifiedAt: clock.now().toISOString() });
        await tx.changes.update(updated);
        await record(tx, actor, updated, 'verify', version, decided, { outcome, checks: input.checks, probes, note: input.note ?? null }, snapshot.personOf);
        await notify(tx, updated, updated.status, [updated.requester, ...(updated.executor === null ? [] : [updated.executor])]);
        return null;
      });
      return service.show(id);
    },

    /**
     * Expires changes that waited past their stale time without being executed, and fails those whose
     * execution lease ran out without an outcome. One transaction per change, so that a change moved by
     * someone else at the same moment costs only itself. Returns how many.
     */
    async expireStale(): Promise<number> {
      const now = clock.now();
      const stale = await unitOfWork((tx) => tx.changes.stale(now.toISOString(), 500));
      let swept = 0;
      for (const change of stale) {
        const done = await unitOfWork(async (tx) => {
          const version = (await tx.governance.currentVersion())?.version ?? 0;
          const lapsed = change.status === 'executing';
          const ended = next(change, { status: lapsed ? 'failed' : 'expired' });
          await tx.changes.update(ended);
          await record(tx, { ref: systemPrincipals.automation }, ended, lapsed ? 'fail' : 'expire', version, null, lapsed
            ? { summary: `no outcome was recorded within the execution lease (${change.staleAt}); what the connector did is unknown: check the system it acted on`, staleAt: change.staleAt }
            : { staleAt: change.staleAt });
          await notify(tx, ended, ended.status, [ended.requester, ...(lapsed && ended.executor !== null ? [ended.executor] : [])]);
          return true;
        }).catch((error: unknown) => {
          if (error instanceof TrustplaneError && error.code === 'CONFLICT') return false;
          throw error;
        });
        if (done) swept += 1;
      }
      return swept;
    },

    async show(id: string): Promise<ChangeDetail> {
      return unitOfWork(async (tx) => {
        const change = await loadChange(tx, id);
        return { ...change, events: await tx.changes.events(id) };
      });
    },

    list: (filter: ChangeFilter): Promise<Change[]> => unitOfWork((tx) => tx.changes.list(filter)),
  };
  return service;
};

export type ChangeService = ReturnType<typeof createChangeService>;
