// The rules of separation of duties over the duties a change recorded (separation-of-duties.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { separationViolations } from './separation-of-duties.ts';
import type { Participant } from './separation-of-duties.ts';

const as = (ref: string, person = ref): Participant => ({ ref, person });

test('a requester may execute; nobody else holds two duties the rules keep apart', () => {
  assert.deepEqual(separationViolations({ requester: as('person:ivan'), approvers: [as('person:dave')], executor: as('person:ivan'), verifier: as('person:erin') }), []);
  assert.deepEqual(separationViolations({ requester: as('person:ivan'), approvers: [as('person:dave')], executor: as('person:dave'), verifier: as('person:ivan') }).map((violation) => violation.rule),
    ['requester-verifies', 'approver-executes']);
});

test('principals are compared by the people behind them', () => {
  const violations = separationViolations({
    requester: as('person:ivan'), approvers: [as('person:dave'), as('service-account:renewal-bot', 'person:dave')],
    executor: as('agent:helper', 'person:erin'), verifier: as('person:erin'),
  });
  assert.deepEqual(violations.map((violation) => [violation.rule, violation.person]), [
    ['approver-approves-once', 'person:dave'],
    ['executor-verifies', 'person:erin'],
  ]);
  assert.equal(violations[1]?.detail, "agent:helper (person:erin's) and person:erin: the executor of a change never verifies it");
});

test('an unfinished change breaks nothing yet', () => {
  assert.deepEqual(separationViolations({ requester: as('person:ivan'), approvers: [], executor: null, verifier: null }), []);
});
