// Separation of duties, stated once (DESIGN.md, "Separation of duties, stated once"). Each rule names two
// duties of a change that one person never holds both of. Cedar's built-in `forbid` policies are compiled
// from this table, the decision-rights lint asks it whether duties can be given out, and posture (M15) and
// the evidence pack judge recorded changes with it, so that the four can never disagree.
//
// Principals are compared by the people behind them: a service account or an agent counts as its owner,
// so nobody approves as themselves and executes through an account they own.
import type { ChangeStep } from '../authz/cedar-schema.ts';

/** The duties of a change, in the order they are taken. */
export const duties = ['requester', 'approver', 'executor', 'verifier'] as const;
export type Duty = (typeof duties)[number];

/** The steps by which each duty is taken: whoever rejects a change acts as its approver. */
export const dutySteps: Record<Duty, readonly ChangeStep[]> = {
  requester: ['request'],
  approver: ['approve', 'reject'],
  executor: ['execute'],
  verifier: ['verify'],
};

export type SeparationRule = {
  /** The Cedar policy is `sod.<id>`. */
  id: string;
  /** The duty taken first, and the later one that the same person may not take. */
  first: Duty;
  then: Duty;
  /** The steps of the later duty the rule refuses, where not all of them: an approver may still reject. */
  on?: readonly ChangeStep[];
  because: string;
};

/**
 * requester ≠ approver; requester ≠ verifier; approver ≠ executor; approver ≠ verifier; executor ≠ verifier;
 * and each approval of a quorum is a different person. The requester may execute (a partner or an
 * engineer carrying out their own approved request).
 */
export const separationRules: readonly SeparationRule[] = [
  { id: 'requester-approves', first: 'requester', then: 'approver', because: 'the requester of a change never approves or rejects it' },
  { id: 'requester-verifies', first: 'requester', then: 'verifier', because: 'the requester of a change never verifies it' },
  { id: 'approver-approves-once', first: 'approver', then: 'approver', on: ['approve'], because: 'an approver counts once towards a quorum' },
  { id: 'approver-executes', first: 'approver', then: 'executor', because: 'an approver of a change never executes it' },
  { id: 'approver-verifies', first: 'approver', then: 'verifier', because: 'an approver of a change never verifies it' },
  { id: 'executor-verifies', first: 'executor', then: 'verifier', because: 'the executor of a change never verifies it' },
];

/** Whoever took a duty: the principal that acted, and the person behind it (itself for a person or the system). */
export type Participant = { ref: string; person: string };

/** Who took each duty of one change so far. */
export type ChangeParticipants = {
  requester: Participant;
  approvers: readonly Participant[];
  executor: Participant | null;
  verifier: Participant | null;
};

export type SeparationViolation = { rule: string; person: string; detail: string };

const holders = (participants: ChangeParticipants, duty: Duty): readonly Participant[] => {
  switch (duty) {
    case 'requester': return [participants.requester];
    case 'approver': return participants.approvers;
    case 'executor': return participants.executor === null ? [] : [participants.executor];
    case 'verifier': return participants.verifier === null ? [] : [participants.verifier];
  }
};

const named = (participant: Participant): string =>
  participant.ref === participant.person ? participant.ref : `${participant.ref} (${participant.person}'s)`;

/** The rules a change's recorded participants break, each with the person who held both duties. */
export const separationViolations = (participants: ChangeParticipants): SeparationViolation[] => {
  const violations: SeparationViolation[] = [];
  for (const rule of separationRules) {
    const firsts = holders(participants, rule.first);
    const thens = holders(participants, rule.then);
    firsts.forEach((first, index) => {
      // Within one duty (a quorum), each pair once.
      const others = rule.first === rule.then ? thens.slice(index + 1) : thens;
      const same = others.find((then) => then.person === first.person);
      if (same !== undefined) {
        violations.push({ rule: rule.id, person: first.person, detail: `${named(first)} and ${named(same)}: ${rule.because}` });
      }
    });
  }
  return violations;
};

