// Monitoring: detection rules over credential facts and a given time, and who hears of what they find.
export * from './alert-vocabulary.ts';
export { monitorContext, isCurrentPerson, departedPeopleOf } from './monitor-context.ts';
export type { ClassFacts, MonitorContext, Happenings } from './monitor-context.ts';
export { credentialFindings, credentialRules, describeSpan } from './credential-rules.ts';
export type { MonitoredCredential } from './credential-rules.ts';
export { revocationSlaBreach, reviewOverdue, deniedAttempts } from './activity-rules.ts';
export type { MonitoredChange, MonitoredReview, MonitoredDenial } from './activity-rules.ts';
export { createRouter } from './routing.ts';
export type { Route, Router } from './routing.ts';
