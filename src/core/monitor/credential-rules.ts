// The rules over one credential at one moment (issue 6): each compares the credential's facts against a
// window (never "exactly day N"), so a sweep that runs late or twice finds the same thing.
import { formatDuration } from '../duration.ts';
import type { Finding, Severity } from './alert-vocabulary.ts';
import { isCurrentPerson } from './monitor-context.ts';
import type { ClassFacts, MonitorContext } from './monitor-context.ts';

/** What the rules read of a credential: the inventory's facts, times as ISO-8601 text. */
export type MonitoredCredential = {
  id: string;
  name: string;
  kind: string;
  classId: string | null;
  /** As stored: an active credential past its not-after is still "active" here, which is what `expired` looks for. */
  status: string;
  notBefore: string | null;
  notAfter: string | null;
  lastRotatedAt: string | null;
  createdAt: string;
  keyAlgorithm: string | null;
  keySize: number | null;
  signatureAlgorithm: string | null;
  managedStorage: boolean | null;
  storageLocation: string | null;
  exposedTo: readonly string[];
  workloads: readonly string[];
};

const day = 86_400_000;

/** A span in the largest whole unit that fits: "6 days", "5 hours", "12 minutes". */
export const describeSpan = (ms: number): string => {
  const units = [['day', day], ['hour', 3_600_000], ['minute', 60_000]] as const;
  for (const [unit, size] of units) {
    const amount = Math.floor(Math.abs(ms) / size);
    if (amount >= 1) return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  }
  return 'less than a minute';
};

const kindWords: Record<string, string> = {
  x509_certificate: 'certificate', private_key: 'private key', ssh_key: 'SSH key', api_key: 'API key',
  oauth_client_secret: 'OAuth client secret', token: 'token', password: 'password', signing_key: 'signing key',
};
const named = (credential: MonitoredCredential): string => `${kindWords[credential.kind] ?? credential.kind} ${credential.name}`;

/** Kinds whose value is itself secret: where it is kept matters. */
const secretKinds: ReadonlySet<string> = new Set(['private_key', 'ssh_key', 'api_key', 'oauth_client_secret', 'token', 'password', 'signing_key']);

/** A lead time as people configure it: whole days in days ("14d", not formatDuration's "2w"), anything else exactly. */
const leadLabel = (ms: number): string => (ms % day === 0 ? `${ms / day}d` : formatDuration(ms));

/** An instant as milliseconds, or null when the text is no instant (never a NaN that every comparison lets through). */
const instant = (text: string | null): number | null => {
  if (text === null) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
};

const article = (word: string): string => (/^[aeiou]|^(RSA|ECDSA|Ed|SSH|API|OAuth|MD|SHA|x)/i.test(word) && !/^(uni|use)/i.test(word) ? `an ${word}` : `a ${word}`);

const isLive = (credential: MonitoredCredential): boolean => credential.status === 'active' || credential.status === 'pending';

const finding = (credential: MonitoredCredential, fields: Omit<Finding, 'target' | 'classId'>): Finding =>
  ({ target: `credential:${credential.id}`, classId: credential.classId, ...fields });

const classOf = (credential: MonitoredCredential, context: MonitorContext): ClassFacts | null =>
  credential.classId === null ? null : context.classes.get(credential.classId) ?? null;

const expiring = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  const notAfter = instant(credential.notAfter);
  if (credential.status !== 'active' || notAfter === null) return null;
  // A certificate is valid through its not-after (RFC 5280 §4.1.2.5): at that instant it still expires, in no time.
  const remaining = notAfter - context.at;
  if (remaining < 0) return null;
  const renewBefore = classOf(credential, context)?.renewBeforeMs ?? 0;
  const window = Math.max(renewBefore, context.leadTimesMs[0] ?? 0);
  if (remaining > window) return null;
  const inside = context.leadTimesMs.filter((lead) => remaining <= lead);
  const stage = inside.length > 0 ? leadLabel(Math.min(...inside)) : `renew-before ${leadLabel(renewBefore)}`;
  const byTime: Severity = remaining <= day ? 'critical' : remaining <= 7 * day ? 'high' : 'warning';
  // An automatic renewal that failed needs its owners now, whatever the time left.
  const failed = context.failedRenewals.get(credential.id);
  const severity: Severity = failed !== undefined && byTime === 'warning' ? 'high' : byTime;
  return finding(credential, {
    type: 'expiring', severity, stage: failed === undefined ? stage : `${stage}, renewal failed`,
    summary: `${named(credential)} expires in ${describeSpan(remaining)} (${credential.notAfter})${failed === undefined ? '' : `; its automatic renewal (change ${failed.changeId}) ${failed.status === 'failed' ? 'failed' : 'failed verification'}`}`,
    details: {
      notAfter: credential.notAfter, remainingMs: remaining, renewBefore: renewBefore === 0 ? null : leadLabel(renewBefore), insideRenewBefore: remaining <= renewBefore,
      ...(failed === undefined ? {} : { renewalChange: failed.changeId, renewalStatus: failed.status }),
    },
  });
};

const expired = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  const notAfter = instant(credential.notAfter);
  if (credential.status !== 'active' || notAfter === null) return null;
  const since = context.at - notAfter;
  if (since <= 0) return null;
  const inUse = credential.workloads.length > 0;
  return finding(credential, {
    type: 'expired', severity: inUse ? 'critical' : 'high', stage: 'expired',
    summary: `${named(credential)} expired ${describeSpan(since)} ago (${credential.notAfter}) and is still recorded as active${inUse ? `, used by ${credential.workloads.join(', ')}` : ''}`,
    details: { notAfter: credential.notAfter, workloads: credential.workloads },
  });
};

const rotationOverdue = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  const every = classOf(credential, context)?.rotateEveryMs ?? null;
  // Only what is in use rotates; an expired credential is the expired rule's.
  if (every === null || credential.status !== 'active') return null;
  const notAfter = instant(credential.notAfter);
  if (notAfter !== null && notAfter < context.at) return null;
  const last = credential.lastRotatedAt ?? credential.notBefore ?? credential.createdAt;
  const lastMs = instant(last);
  if (lastMs === null) return null;
  const age = context.at - lastMs;
  if (age < every) return null;
  const twice = age >= 2 * every;
  return finding(credential, {
    type: 'rotation_overdue', severity: twice ? 'high' : 'warning', stage: twice ? 'overdue twice over' : 'overdue',
    summary: `${named(credential)} was last rotated ${describeSpan(age)} ago (${last}); its class rotates every ${leadLabel(every)}`,
    details: { lastRotatedAt: last, rotateEvery: leadLabel(every), overdueByMs: age - every },
  });
};

const orphaned = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  if (!isLive(credential)) return null;
  const reasons: string[] = [];
  const facts = classOf(credential, context);
  if (credential.classId === null) reasons.push('it belongs to no class, so nobody owns it');
  else if (facts === null) reasons.push(`its class ${credential.classId} is no longer declared`);
  else if (!isCurrentPerson(context, facts.technicalOwner)) reasons.push(`its technical owner ${facts.technicalOwner} has left or is not declared`);
  for (const workload of credential.workloads) {
    if (context.decommissionedWorkloads.has(workload)) reasons.push(`workload ${workload} was decommissioned`);
    else if (!context.knownWorkloads.has(workload)) reasons.push(`workload ${workload} is not declared`);
  }
  if (reasons.length === 0) return null;
  return finding(credential, {
    type: 'orphaned', severity: 'high', stage: 'orphaned',
    summary: `${named(credential)} is orphaned: ${reasons.join('; ')}`,
    details: { reasons, workloads: credential.workloads },
  });
};

const unmanagedStorage = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  if (!isLive(credential) || credential.managedStorage === true) return null;
  const required = classOf(credential, context)?.requireManagedStorage ?? false;
  // Unknown storage matters only where the class requires a managed store; a known unmanaged place matters for any secret.
  if (!required && !(credential.managedStorage === false && secretKinds.has(credential.kind))) return null;
  const known = credential.managedStorage === false;
  const where = known ? (credential.storageLocation === null ? 'outside a managed store' : `in ${credential.storageLocation}, not a managed store`) : 'where nobody recorded';
  return finding(credential, {
    type: 'unmanaged_storage', severity: required && known ? 'high' : 'warning', stage: required ? (known ? 'required' : 'required, unrecorded') : 'advised',
    summary: `${named(credential)} is kept ${where}${required ? '; its class requires a managed store' : ''}`,
    details: { storageLocation: credential.storageLocation, managedStorage: credential.managedStorage, required },
  });
};

const thirdPartyExposure = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  if (!isLive(credential) || credential.exposedTo.length === 0) return null;
  // A class that allows third-party exposure accepts outside services (a payment processor holding its
  // key); a declared partner still acts only under a live delegation, so exposure to one without it counts.
  const allowed = classOf(credential, context)?.allowThirdPartyExposure ?? false;
  const uncovered = credential.exposedTo.filter((party) => {
    if (party === `org:${context.customerOrg}`) return false;
    if (allowed && !context.partners.has(party)) return false;
    const classes = context.liveDelegations.get(party);
    return classes === undefined || !(classes.has('*') || (credential.classId !== null && classes.has(credential.classId)));
  });
  if (uncovered.length === 0) return null;
  return finding(credential, {
    type: 'third_party_exposure', severity: allowed ? 'warning' : 'high', stage: allowed ? 'partner without delegation' : 'exposed',
    summary: `${named(credential)} is exposed to ${uncovered.join(', ')} without a live delegation covering its class${allowed ? '' : ', and its class does not allow third-party exposure'}`,
    details: { parties: uncovered, classAllowsExposure: allowed },
  });
};

/** RSA below 2048 bits and DSA are broken for new use (NIST SP 800-131A); SHA-1 and MD5 signatures are forgeable. */
const weakCrypto = (credential: MonitoredCredential, context: MonitorContext): Finding | null => {
  if (!isLive(credential)) return null;
  const problems: { severity: Severity; text: string }[] = [];
  const { keyAlgorithm, keySize, signatureAlgorithm } = credential;
  if (keyAlgorithm === 'RSA' && keySize !== null && keySize < 2048) problems.push({ severity: 'critical', text: `an RSA key of ${keySize} bits` });
  if (keyAlgorithm === 'DSA') problems.push({ severity: 'critical', text: 'a DSA key' });
  if (signatureAlgorithm !== null && /sha-?1|md5|md2/i.test(signatureAlgorithm)) problems.push({ severity: 'high', text: `${article(signatureAlgorithm)} signature` });
  const allowed = classOf(credential, context)?.keyAlgorithms ?? null;
  const policyName = keyAlgorithm === 'RSA' && keySize !== null ? `RSA-${keySize}` : keyAlgorithm;
  // A key already named broken is not named again as one its class does not allow.
  const broken = problems.some((problem) => problem.severity === 'critical');
  if (!broken && allowed !== null && policyName !== null && !(allowed as readonly string[]).includes(policyName)) {
    problems.push({ severity: 'warning', text: `${article(policyName)} key, which its class does not allow (${allowed.join(', ')})` });
  }
  if (problems.length === 0) return null;
  const severity = problems.some((problem) => problem.severity === 'critical') ? 'critical' : problems.some((problem) => problem.severity === 'high') ? 'high' : 'warning';
  return finding(credential, {
    type: 'weak_crypto', severity, stage: severity,
    summary: `${named(credential)} uses ${problems.map((problem) => problem.text).join(' and ')}`,
    details: { keyAlgorithm, keySize, signatureAlgorithm, allowed },
  });
};

export const credentialRules = [expiring, expired, rotationOverdue, orphaned, unmanagedStorage, thirdPartyExposure, weakCrypto] as const;

/** Every finding about one credential now. */
export const credentialFindings = (credential: MonitoredCredential, context: MonitorContext): Finding[] => {
  const found: Finding[] = [];
  for (const rule of credentialRules) {
    const result = rule(credential, context);
    if (result !== null) found.push(result);
  }
  return found;
};
