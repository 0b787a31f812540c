// DESIGN.md's governance.yaml example, for tests: line numbers below are asserted, so keep it as is.
// `edit` changes it in place and fails loudly when the text to replace is not there exactly once.

export const designExample = `organization: { id: acme, name: Acme Corp }
partners:
  - { id: globex, name: Globex Managed Services, kind: managed_service }
teams: [ { id: security }, { id: platform }, { id: payments } ]
people:
  - { id: carol, name: Carol Diaz, email: carol@acme.example, org: acme, teams: [security] }
  - { id: dave,  name: Dave Kim,   email: dave@acme.example,  org: acme, teams: [platform] }
  - { id: gina,  name: Gina Ortiz, email: gina@globex.example, org: globex }
sources:
  - { id: internal-ca, kind: builtin_ca, operatedBy: team:platform }
workloads:
  - { id: payments-api, owner: team:payments, environment: prod }
classes:
  - id: internal-mtls
    kinds: [x509_certificate]
    businessOwner: person:carol
    technicalOwner: person:dave
    policy:
      maxLifetime: 30d
      renewBefore: 10d
      revocationSla: { key_compromise: 1h, default: 24h }
      keyAlgorithms: [ECDSA-P256, Ed25519]
      allowedNames: ["*.svc.acme.internal"]
      requireManagedStorage: true
      allowedSources: [internal-ca]
    decisionRights:
      issue:  { responsible: [team:platform, org:globex], accountable: person:dave, informed: [team:payments] }
      renew:  { responsible: [org:globex], accountable: person:dave, preApproved: true }
      revoke: { responsible: [team:platform], accountable: person:carol, approvals: 1 }
    verifier: team:security
delegations:
  - { to: org:globex, classes: [internal-mtls], actions: [issue, renew],
      windows: [ { cron: "0 22 * * 1-5", duration: 4h, timeZone: Europe/Berlin } ],
      until: 2027-06-30, grantedBy: person:carol }
playbooks:
  - { id: key-compromise, triggers: [key_compromise], classes: ["*"], actions: [revoke, rotate],
      responders: [team:security], maxCredentials: 500, reviewWithin: 24h }
`;

/** The day the example governance is checked against. */
export const fixtureNow = new Date('2026-11-22T00:00:00Z');

export const edit = (text: string, ...replacements: readonly (readonly [string, string])[]): string =>
  replacements.reduce((result, [from, to]) => {
    const count = result.split(from).length - 1;
    if (count !== 1) throw new Error(`expected "${from}" exactly once in the fixture, found it ${count} times`);
    return result.replace(from, to);
  }, text);
