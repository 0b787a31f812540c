// A playbook's scope, stated once (DESIGN.md, playbook): who may invoke it, for which triggers, which
// lifecycle actions on which classes, and how many credentials at most. Cedar's policy for the playbook
// is compiled from these conditions (governance-policies.ts), the explanation of a refusal names the ones
// an invocation is outside of, and the lint asks which playbooks cover a class.
import type { Playbook } from './governance-model.ts';
import type { GovernedAction } from './governance-vocabulary.ts';

export type Invocation = { trigger: string; lifecycleAction: GovernedAction; classes: readonly string[]; credentialCount: number };

/** Whether the playbook reaches a class: it names it, or every class ("*"). */
export const playbookCoversClass = (playbook: Playbook, classId: string): boolean => playbook.classes.includes('*') || playbook.classes.includes(classId);

/** The playbooks that may take `action` on the class's credentials. */
export const playbooksFor = (playbooks: readonly Playbook[], classId: string, action: GovernedAction): Playbook[] =>
  playbooks.filter((playbook) => playbook.actions.includes(action) && playbookCoversClass(playbook, classId));

/**
 * What an invocation asks that the playbook does not allow, in words; empty when it is inside the scope.
 * `isResponder` says whether the invoking principal is one of the responders (through its teams).
 */
export const outsidePlaybook = (playbook: Playbook, invocation: Invocation, invoker: { ref: string; isResponder: boolean }): string[] => [
  ...(invoker.isResponder ? [] : [`${invoker.ref} is not among its responders (${playbook.responders.join(', ')})`]),
  ...((playbook.triggers as readonly string[]).includes(invocation.trigger) ? [] : [`it is for ${playbook.triggers.join(', ')}, not ${invocation.trigger || 'no trigger'}`]),
  ...(playbook.actions.includes(invocation.lifecycleAction) ? [] : [`it allows ${playbook.actions.join(', ')}, not ${invocation.lifecycleAction}`]),
  ...(invocation.credentialCount <= playbook.maxCredentials ? [] : [`it acts on at most ${playbook.maxCredentials} credentials (its blast-radius limit), and ${invocation.credentialCount} were named`]),
  ...invocation.classes.filter((classId) => !playbookCoversClass(playbook, classId)).map((classId) => `class ${classId} is outside its scope (${playbook.classes.join(', ')})`),
];

/** The same conditions as a Cedar `when` clause over the request's context, for the playbook's permit. */
export const playbookCondition = (playbook: Playbook, responders: string): string => {
  const strings = (values: readonly string[]): string => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
  return [
    `(${responders})`,
    `${strings(playbook.triggers)}.contains(context.trigger)`,
    `${strings(playbook.actions)}.contains(context.lifecycleAction)`,
    `context.credentialCount <= ${playbook.maxCredentials}`,
    ...(playbook.classes.includes('*') ? [] : [`${strings(playbook.classes)}.containsAll(context.classes)`]),
  ].join(' && ');
};
