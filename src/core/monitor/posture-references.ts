// The references posture is measured against: the CA/Browser Forum's validity schedule and revocation
// deadlines, and the industry figures of frameworks.md §10.1 each metric is shown beside, with their
// attribution as the reference gives it. Kept apart from the metrics so that a new figure or a new
// step of the schedule is one edit here.
const day = 86_400_000;

export type Benchmark = { figure: string; source: string; note: string };

/** CA/B Forum BR §6.3.2 as Ballot SC-081v3 set it: the longest validity for a TLS certificate issued from each date (UTC). */
export const cabValiditySchedule: readonly { issuedFrom: string | null; maxDays: number }[] = [
  { issuedFrom: null, maxDays: 398 },
  { issuedFrom: '2026-03-15T00:00:00.000Z', maxDays: 200 },
  { issuedFrom: '2027-03-15T00:00:00.000Z', maxDays: 100 },
  { issuedFrom: '2029-03-15T00:00:00.000Z', maxDays: 47 },
];

/** The CA/B maximum validity, in days, of a certificate issued at `issuedAt` (its notBefore). */
export const cabMaximumValidityDays = (issuedAt: Date): number => {
  const iso = issuedAt.toISOString();
  return cabValiditySchedule.findLast((step) => step.issuedFrom === null || step.issuedFrom <= iso)?.maxDays ?? 398;
};

/**
 * Whether a certificate's validity exceeds the CA/B maximum for its issue date. Validity runs from
 * notBefore through notAfter inclusive (BR §1.6.1, RFC 5280 §4.1.2.5), so a certificate valid for the
 * maximum ends one second before notBefore + maximum; any excess counts as another day (§6.3.2).
 */
export const exceedsCabMaximum = (notBefore: Date, notAfter: Date): boolean =>
  notAfter.getTime() - notBefore.getTime() + 1000 > cabMaximumValidityDays(notBefore) * day;

// How fast a revocation must be verified to meet CA/B BR §4.9.1.1, the benchmark of M16, lives with the
// revocation clock that judges it.
export { revocationWindowsMs } from '../changes/revocation-clock.ts';


/** Figures of frameworks.md §10.1, meaning kept, attribution as the file gives it, "[unverified]" where it says so. */
export const benchmarks = {
  formerEmployeeTokens: {
    figure: '91% of former-employee tokens remain active after offboarding',
    source: 'as cited by nhimg.org (Netwrix-based) [unverified]',
    note: 'Compare departedOwnerStillLiveShare: the share of credentials in classes whose owner has left that are still live.',
  },
  notRotated: {
    figure: '71% of NHIs are not rotated within recommended timeframes',
    source: 'as cited by NHI Mgmt Group (nhimg.org) material and third-party summaries; primary source not located [unverified]',
    note: 'Compare nonCompliance (1 − value). On age, OWASP NHI7 quotes Orca 2022 (79% of AWS environments have an access key older than 90 days) and Datadog 2024 (60% of cloud keys older than 1 year).',
  },
  formalOffboarding: {
    figure: 'only 20% of organisations have formal processes for offboarding and revoking API keys',
    source: 'as cited by nhimg.org (several articles)',
    note: 'An organisation-level figure; value is the share of this organisation\'s revoked or retired credentials with a complete record. Compare CSA "State of NHI Security" (2024) as quoted by OWASP NHI1/NHI7: 51% have no formal process to offboard or revoke long-lived API keys.',
  },
  outsideSecretManagers: {
    figure: '96% of organisations store secrets outside secrets managers (code, config, CI/CD)',
    source: 'as cited by nhimg.org and Entro-based posts; primary source [unverified]',
    note: 'An organisation-level figure: compare storesSecretsOutsideManagers; value is the share of this organisation\'s secrets in a managed store.',
  },
  thirdPartyExposure: {
    figure: '92% of organisations expose NHIs to third parties',
    source: 'as cited by NHIMG (quoted on solcyber.com and other blogs); primary source [unverified]',
    note: 'An organisation-level figure: compare exposesToThirdParties; value is the share of this organisation\'s credentials exposed.',
  },
  revocationDeadlines: {
    figure: 'revoke within 24 hours for key compromise, within 5 days for the other mandatory reasons',
    source: 'CA/Browser Forum TLS Baseline Requirements §4.9.1.1 (v2.2.6)',
    note: 'Binds publicly trusted CAs; used here as the benchmark for internal revocations, measured from request to verification.',
  },
  validitySchedule: {
    figure: 'maximum TLS validity 398 days, then 200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15',
    source: 'CA/Browser Forum TLS Baseline Requirements §6.3.2, Ballot SC-081v3 (adopted 2025-04-11)',
    note: 'Renewals per year assume one renewal per maximum validity.',
  },
} as const satisfies Record<string, Benchmark>;
