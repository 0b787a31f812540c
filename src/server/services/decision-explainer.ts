// `trustplane can PRINCIPAL ACTION RESOURCE [--at TIME]`: the decision Cedar would make, and why, without
// acting and without recording anything. The resource is named as the CLI and API name things
// (`change:ch_…`, `class:internal-mtls`, `credential:cr_…`, `playbook:key-compromise`, `review:rv_…`,
// `delegation:globex-night-renewals`, `governance`); a bare step (`approve`) takes its lifecycle action
// from the change it names.
import { changeSteps, isAuthzAction, stepAction } from '../../core/authz/cedar-schema.ts';
import type { AuthzAction, ChangeStep } from '../../core/authz/cedar-schema.ts';
import type { AuthzResource } from '../../core/authz/authz-model.ts';
import type { AuthzOutcome } from '../../core/authz/explain-decision.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { AuthzService } from './authz-service.ts';
import { changeResource } from './change-service.ts';

export type ExplainInput = { principal: string; action: string; resource: string; at: Date };

export type Explanation = AuthzOutcome & {
  principal: string;
  action: AuthzAction;
  resource: string;
  at: string;
  governanceVersion: number | null;
};

const resourcePattern = /^(change|class|credential|playbook|review|delegation):([A-Za-z0-9._-]{1,80})$|^governance$/;

const resolve = async (tx: UnitOfWorkContext, text: string, now: string): Promise<{ resource: AuthzResource; lifecycleAction: string | null }> => {
  const match = resourcePattern.exec(text);
  if (match === null) throw new TrustplaneError('VALIDATION_FAILED', `resource "${text.slice(0, 80)}" is not one of change:ID, class:ID, credential:ID, playbook:ID, review:ID, delegation:ID or governance`);
  const [, type, id = ''] = match;
  switch (type) {
    case undefined: return { resource: { type: 'governance' }, lifecycleAction: null };
    case 'change': {
      const change = await tx.changes.find(id);
      if (change === null) throw new TrustplaneError('NOT_FOUND', `no change ${id}`);
      return { resource: changeResource(change), lifecycleAction: change.action };
    }
    case 'class': return { resource: { type: 'class', classId: id }, lifecycleAction: null };
    case 'credential': {
      const credential = await tx.credentials.findById(id, now);
      if (credential === null) throw new TrustplaneError('NOT_FOUND', `no credential ${id}`);
      return { resource: { type: 'credential', id, classId: credential.classId }, lifecycleAction: null };
    }
    case 'playbook': return { resource: { type: 'playbook', id }, lifecycleAction: null };
    case 'review': {
      const review = await tx.reviews.find(id);
      if (review === null) throw new TrustplaneError('NOT_FOUND', `no review ${id}`);
      return { resource: { type: 'review', id, classId: review.classId, accountable: review.accountable, executor: review.executor, executorPeople: (await tx.changes.find(review.changeId))?.people?.[review.executor] ?? [] }, lifecycleAction: null };
    }
    case 'delegation': {
      const delegation = await tx.governance.findEntity('delegations', id);
      if (delegation === null) throw new TrustplaneError('NOT_FOUND', `no delegation ${id}`);
      const spec = delegation.spec as { grantedBy: string; to: string };
      return { resource: { type: 'delegation', id, grantedBy: spec.grantedBy, partner: spec.to.slice('org:'.length) }, lifecycleAction: null };
    }
    default: throw new TrustplaneError('VALIDATION_FAILED', `unknown resource type ${type}`);
  }
};

const actionFor = (text: string, lifecycleAction: string | null): AuthzAction => {
  if (text === 'invoke') return 'invoke-playbook';
  if (text === 'complete') return 'complete-review';
  if ((changeSteps as readonly string[]).includes(text)) {
    if (lifecycleAction === null) throw new TrustplaneError('VALIDATION_FAILED', `"${text}" needs its lifecycle action on this resource, e.g. ${text}-revoke`);
    const candidate = stepAction(text as ChangeStep, lifecycleAction as never);
    if (isAuthzAction(candidate)) return candidate;
  }
  if (isAuthzAction(text)) return text;
  throw new TrustplaneError('VALIDATION_FAILED', `action "${text.slice(0, 40)}" is not known; use a step (request, approve, reject, execute, verify, cancel) with its lifecycle action (approve-revoke), or invoke, complete, revoke-delegation, read, import, administer`);
};

export const createDecisionExplainer = ({ unitOfWork, authz }: { unitOfWork: UnitOfWork; authz: AuthzService }) => ({
  async explain(input: ExplainInput & { trigger?: string; lifecycleAction?: string; credentialCount?: number; classes?: string[] }): Promise<Explanation> {
    return unitOfWork(async (tx) => {
      const { resource, lifecycleAction } = await resolve(tx, input.resource, input.at.toISOString());
      const action = actionFor(input.action, lifecycleAction);
      const snapshot = await authz.snapshot(tx);
      const invocation = action === 'invoke-playbook'
        ? { trigger: input.trigger ?? 'key_compromise', lifecycleAction: (input.lifecycleAction ?? 'revoke') as never, classes: input.classes ?? [], credentialCount: input.credentialCount ?? 1 }
        : undefined;
      // A trigger also decides requests and cancellations (the revocations an offboarding orders).
      const trigger = invocation === undefined && input.trigger !== undefined ? { trigger: input.trigger } : {};
      const outcome = snapshot.decide({ principal: input.principal, action, resource, at: input.at, ...(invocation === undefined ? {} : { invocation }), ...trigger });
      return { ...outcome, principal: input.principal, action, resource: input.resource, at: input.at.toISOString(), governanceVersion: snapshot.version };
    });
  },
});

export type DecisionExplainer = ReturnType<typeof createDecisionExplainer>;
