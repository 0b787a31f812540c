// A class the example governance lacks, whose match rule claims the certificates of the test CAs
// (test/fixtures/inventory): what an operator adds to give unclassified certificates a class.
export const legacyClass = `  - id: legacy-tls
    name: Legacy TLS
    description: Certificates from the old test CAs, until they are replaced.
    kinds: [x509_certificate]
    businessOwner: person:carol
    technicalOwner: person:ivan
    policy:
      revocationSla: { key_compromise: 1h, default: 24h }
    match:
      issuers: ["Acme Test"]
    decisionRights:
      revoke: { responsible: [team:security], accountable: person:carol }
    verifier: team:security

`;

/** The governance text with the legacy class added before ssh-access. */
export const withLegacyClass = (governance: string): string => governance.replace('  - id: ssh-access\n', `${legacyClass}  - id: ssh-access\n`);
