// Separation of duties (DESIGN.md; the rules in core/changes/separation-of-duties.ts) can be satisfied: for
// every decision right there is an assignment in which `approvals` distinct people approve, someone else
// executes and a third verifies. People, not principals: a service account or agent counts as its owner, so
// a responsible service account owned by the only approver leaves nobody to execute. The system approves a
// pre-approved standard change, so then only executor and verifier must differ. Requesters are not a
// duty the lint gives out: anyone else the decision rights name may request.
import type { Actor } from './lint-context.ts';
import { describeActor } from './lint-context.ts';
import { actionError, listNames, rightPath } from './lint-finding.ts';
import type { ActionLintRule, ActionScope } from './lint-finding.ts';
import type { DecisionRight } from './governance-model.ts';

export type Duties = {
  /** Distinct eligible approvers. */
  approvers: readonly Actor[];
  quorum: number;
  executors: readonly Actor[];
  /** null when nobody verifies (reported as `no-verifier`): only approve and execute must be separate. */
  verifiers: readonly Actor[] | null;
};

/**
 * The first two actors who are approvers and the first two who are not. Approvers compete with the
 * executor and the verifier only by being them, so these stand for the whole set: if a distinct pair
 * of executor and verifier exists in some combination of kinds, one exists among these.
 */
const representatives = (actors: readonly Actor[], approvers: ReadonlySet<Actor>): Actor[] => [
  ...actors.filter((actor) => !approvers.has(actor)).slice(0, 2),
  ...actors.filter((actor) => approvers.has(actor)).slice(0, 2),
];

/** Whether an executor and a verifier, distinct, leave `quorum` approvers who are neither: at most 16 tries. */
export const canSeparateDuties = ({ approvers, quorum, executors, verifiers }: Duties): boolean => {
  const approverSet = new Set(approvers);
  const quorumLeft = (...taken: Actor[]): boolean => approvers.filter((approver) => !taken.includes(approver)).length >= quorum;
  const candidateExecutors = representatives(executors, approverSet);
  if (verifiers === null) return candidateExecutors.some((executor) => quorumLeft(executor));
  const candidateVerifiers = representatives(verifiers, approverSet);
  return candidateExecutors.some((executor) =>
    candidateVerifiers.some((verifier) => verifier !== executor && quorumLeft(executor, verifier)));
};

const unique = (actors: readonly Actor[]): Actor[] => [...new Set(actors)];
const names = (actors: readonly Actor[]): string => listNames(actors.map(describeActor));

export const verifierIsNamed: ActionLintRule = (scope) => {
  const { right, credentialClass, action } = scope;
  if (right === undefined || right.verifier !== undefined || credentialClass.verifier !== undefined) return [];
  return [actionError(scope, 'no-verifier', rightPath(scope, 'verifier'),
    `no verifier: neither decisionRights.${action}.verifier nor the class's verifier is set, so its changes could never be verified`,
    `set verifier on the class (or on decisionRights.${action}) to a customer team or person who neither approves nor executes`)];
};

type Explanation = { key: 'responsible' | 'approvals' | 'verifier'; message: string; fix: string };

/** Why no assignment exists, from the most basic lack to the last duty that cannot be given out. */
const explain = (scope: ActionScope, right: DecisionRight, verifierRef: string, duties: Duties): Explanation => {
  const { approvers, quorum, executors, verifiers } = duties;
  const { action, credentialClass } = scope;
  if (executors.length === 0) {
    return {
      key: 'responsible',
      message: `nobody can execute it: ${right.responsible.join(', ')} stand${right.responsible.length === 1 ? 's' : ''} for no person, service account or agent`,
      fix: `add members to the team or name people in decisionRights.${action}.responsible`,
    };
  }
  if (verifiers !== null && verifiers.length === 0) {
    return { key: 'verifier', message: `nobody can verify it: the verifier ${verifierRef} has no members`, fix: `add people to ${verifierRef} or name another verifier` };
  }
  if (approvers.length < quorum) {
    return {
      key: 'approvals',
      message: `a quorum of ${quorum} approvals is larger than the ${approvers.length} named approver${approvers.length === 1 ? '' : 's'} (${names(approvers)})`,
      fix: `name at least ${quorum} distinct approvers, or lower approvals to ${approvers.length}`,
    };
  }
  if (!canSeparateDuties({ ...duties, verifiers: null })) {
    const message = executors.length === 1 && approvers.length === 1
      ? `${names(executors)} alone would have to approve and execute it: the only one responsible is also the only approver`
      : executors.length === 1
        ? `${names(executors)}, the only one responsible, is needed as one of the ${quorum} approvers (${names(approvers)}), so would approve and execute the same change`
        : `every one responsible (${names(executors)}) is needed among the ${quorum} approvers (${names(approvers)}), so one would approve and execute the same change`;
    return {
      key: 'responsible',
      message,
      fix: `add a customer team or person who is not an approver to decisionRights.${action}.responsible, or name more approvers than the quorum of ${quorum}`,
    };
  }
  const approval = right.preApproved ? 'pre-approved' : `approvers: ${names(approvers)}, quorum ${quorum}`;
  const who = verifiers?.length === 1
    ? `the verifier ${verifierRef} is only ${names(verifiers)}, who`
    : `everyone the verifier ${verifierRef} stands for (${names(verifiers ?? [])})`;
  return {
    key: 'verifier',
    message: `nobody is left to verify it: ${who} must also approve or execute it (${approval}; responsible: ${names(executors)})`,
    fix: `name a verifier who neither approves nor executes ${action} on "${credentialClass.id}"${verifierRef.startsWith('team:') ? `, or add such a person to ${verifierRef}` : ''}`,
  };
};

export const dutiesCanBeSeparated: ActionLintRule = (scope, context) => {
  const { right, credentialClass, classIndex } = scope;
  if (right === undefined) return [];
  const verifierRef = right.verifier ?? credentialClass.verifier;
  const people = (refs: readonly string[]): Actor[] => unique(refs.flatMap(context.actorsOf).map(context.personOf));
  const duties: Duties = {
    approvers: right.preApproved ? [] : people([right.accountable, ...right.approvers]),
    quorum: right.preApproved ? 0 : right.approvals,
    executors: people(right.responsible),
    verifiers: verifierRef === undefined ? null : people([verifierRef]),
  };
  if (canSeparateDuties(duties)) return [];
  const { key, message, fix } = explain(scope, right, verifierRef ?? '', duties);
  const path = key === 'verifier' && right.verifier === undefined ? ['classes', classIndex, 'verifier'] : rightPath(scope, key);
  return [actionError(scope, 'one-person-approves-and-executes', path, message, fix)];
};
