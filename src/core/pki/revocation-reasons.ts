// Why a certificate was revoked, as CRLs (RFC 5280 §5.3.1) and OCSP responses (RFC 6960 §4.2.1, which
// reuses CRLReason) say it, which reason each of Trustplane's revocation triggers gives, and the names
// stores and OpenSSL use for them.

/** RFC 5280 §5.3.1 CRLReason. Value 7 is not used. */
export const crlReasonCodes = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type CrlReasonName = keyof typeof crlReasonCodes;
export type CrlReasonCode = (typeof crlReasonCodes)[CrlReasonName];

/** What made Trustplane revoke a certificate (a revocation change's trigger). */
export const revocationTriggers = [
  'key_compromise', 'workload_decommissioned', 'owner_departed', 'partner_offboarded', 'superseded', 'policy_violation',
] as const;
export type RevocationTrigger = (typeof revocationTriggers)[number];

export type CrlReason = { code: CrlReasonCode; name: CrlReasonName };

const reasonOfTrigger: Readonly<Record<RevocationTrigger, CrlReasonName>> = {
  key_compromise: 'keyCompromise',
  workload_decommissioned: 'cessationOfOperation',
  // The subject's relationship with the organisation ended; its key is not known to be at risk.
  owner_departed: 'affiliationChanged',
  partner_offboarded: 'affiliationChanged',
  superseded: 'superseded',
  policy_violation: 'privilegeWithdrawn',
};

/** The CRLReason a revocation trigger is published with; null when the trigger names none (published as unspecified). */
export const crlReasonForTrigger = (trigger: string): CrlReason | null => {
  if (!Object.hasOwn(reasonOfTrigger, trigger)) return null;
  const name = reasonOfTrigger[trigger as RevocationTrigger];
  return { code: crlReasonCodes[name], name };
};

/** The code of a reason stored by its name (`keyCompromise`); null for a name that is not a CRLReason. */
export const crlReasonByName = (name: string): CrlReasonCode | null =>
  Object.hasOwn(crlReasonCodes, name) ? crlReasonCodes[name as CrlReasonName] : null;

const namesByCode = Object.fromEntries(Object.entries(crlReasonCodes).map(([name, code]) => [code, name])) as Record<CrlReasonCode, CrlReasonName>;

/** The ASN.1 identifier of a code (`keyCompromise`), as `openssl ocsp -resp_text` prints it after "Reason:". */
export const crlReasonName = (code: CrlReasonCode): CrlReasonName => namesByCode[code];

/** The words `openssl crl -text` prints under "X509v3 CRL Reason Code" (`Key Compromise`). */
export const crlReasonText = (code: CrlReasonCode): string => {
  switch (code) {
    case 0: return 'Unspecified';
    case 1: return 'Key Compromise';
    case 2: return 'CA Compromise';
    case 3: return 'Affiliation Changed';
    case 4: return 'Superseded';
    case 5: return 'Cessation Of Operation';
    case 6: return 'Certificate Hold';
    case 8: return 'Remove From CRL';
    case 9: return 'Privilege Withdrawn';
    case 10: return 'AA Compromise';
  }
};
