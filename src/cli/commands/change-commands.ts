// Changes to trust state from the command line: request → approve → execute → verify, or reject and
// cancel; list and show them with every step they took. Flags are checked here, before any request.
import type { Command } from 'commander';
import { changeStatuses } from '../../core/changes/change-lifecycle.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { parseDuration } from '../../core/duration.ts';
import { parseInstant } from '../../core/governance/governance-time.ts';
import { governedActions, policyKeyAlgorithms, revocationReasons } from '../../core/governance/governance-vocabulary.ts';
import { ApiError } from '../api-client.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';
import { formatTable } from '../output.ts';
import { action } from '../run-command.ts';
import { readInputFile } from './governance-commands.ts';

export type ChangeView = {
  id: string; classId: string; action: string; status: string; requester: string; reason: string; ticket: string | null; trigger: string | null;
  dueAt: string | null; requestedAt: string; staleAt: string; updatedAt: string; governanceVersion: number; approvalsNeeded: number;
  preApprovedBy: string | null; approvals: string[]; executor: string | null; executedAt: string | null; verifier: string | null;
  verifiedAt: string | null; playbookId: string | null; connector: string | null; revision: number; credentialIds: string[];
};

type ChangeEventView = { seq: number; at: string; actor: string; step: string; governanceVersion: number; policies: string[]; details: Record<string, unknown> };

type ChangeDetail = ChangeView & { events: ChangeEventView[] };

/** The PEM CSR blocks of a file, each whole; the file itself when it holds none (the server then says what is wrong with it). */
const csrBlocksOf = (text: string): string[] => {
  const blocks = text.match(/-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----[\s\S]*?-----END (?:NEW )?CERTIFICATE REQUEST-----\r?\n?/g);
  return blocks === null ? [text] : blocks;
};

/** Collects a repeatable option: `--credential a --credential b`. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const requireFlag = (flag: string, value: string | undefined, what: string): string => {
  if (value === undefined || value.trim() === '') throw new TrustplaneError('VALIDATION_FAILED', `${flag} is required: ${what}`);
  return value;
};

export const oneOf = <T extends string>(flag: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new TrustplaneError('VALIDATION_FAILED', `${flag} "${value.slice(0, 40)}" is not one of ${allowed.join(', ')}`);
};

export const wholeNumber = (flag: string, text: string, max: number, min = 1): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new TrustplaneError('VALIDATION_FAILED', `${flag} "${text.slice(0, 20)}" is not a whole number from ${min} to ${max}`);
  return value;
};

/**
 * An instant with its offset, or one relative to now on this machine's clock: `now`, `+31d` (from now),
 * `-30d` (ago). Relative times keep examples and scripts true whenever they run.
 */
export const instantFlag = (flag: string, text: string, now: Date = new Date()): string => {
  if (text === 'now') return now.toISOString();
  const relative = /^([+-])(.+)$/.exec(text);
  if (relative !== null) {
    const duration = parseDuration(relative[2] as string);
    if (!duration.ok) throw new TrustplaneError('VALIDATION_FAILED', `${flag} "${text.slice(0, 40)}" is not a time relative to now: ${duration.message} (for example +31d or -12h)`);
    return new Date(now.getTime() + (relative[1] === '-' ? -duration.ms : duration.ms)).toISOString();
  }
  if (parseInstant(text) === null) throw new TrustplaneError('VALIDATION_FAILED', `${flag} "${text.slice(0, 40)}" is not an instant with its offset (for example 2027-03-01T23:00:00Z), or a time relative to now (now, +31d, -12h)`);
  return text;
};

/** `2027-03-01T23:00Z`: minutes are enough in a table. */
export const minute = (iso: string | null): string => (iso === null ? '-' : `${iso.slice(0, 16)}Z`);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Label and value pairs, the labels padded to one width. */
export const printFields = (output: Output, rows: readonly (readonly [string, string])[]): void => {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) output.line(`${label.padEnd(width)}  ${value}`);
};

/** `rotate on internal-mtls, 1 credential` */
export const describeScope = (change: ChangeView): string =>
  `${change.action} on ${change.classId}${change.credentialIds.length === 0 ? '' : `, ${plural(change.credentialIds.length, 'credential')}`}`;

/** Where the change stands and what it waits for, in one phrase. */
export const describeStatus = (change: ChangeView, approvers: readonly string[] = []): string => {
  const due = change.dueAt === null || ['verified', 'rejected', 'cancelled', 'expired'].includes(change.status) ? '' : `; due ${change.dueAt}`;
  const missing = change.approvalsNeeded - change.approvals.length;
  switch (change.status) {
    case 'requested': return `requested, needs ${plural(missing, 'approval')}${approvers.length === 0 ? '' : ` from ${approvers.join(' or ')}`}${due}`;
    case 'approved': return change.preApprovedBy === null
      ? `approved by ${change.approvals.join(', ')}, ready to execute${due}`
      : `approved (pre-approved standard change, pre-authorised by ${change.preApprovedBy})${due}`;
    case 'executed': return `executed by ${change.executor}, waits for its verifier${due}`;
    default: return `${change.status.replace('_', ' ')}${due}`;
  }
};

/** The people who may approve a change's action on its class; none when the class cannot be read. */
const approversOf = async (api: ApiClient, change: ChangeView): Promise<string[]> => {
  type ClassRights = { decisionRights?: Record<string, { accountable?: string; approvers?: string[] }> };
  const credentialClass = await api.get<ClassRights>(`/api/v1/classes/${encodeURIComponent(change.classId)}`).catch((error: unknown) => {
    if (error instanceof ApiError) return null;
    throw error;
  });
  const right = credentialClass?.decisionRights?.[change.action];
  return right === undefined ? [] : [...new Set([...(right.accountable === undefined ? [] : [right.accountable]), ...(right.approvers ?? [])])];
};

const lastEvent = (change: ChangeDetail, steps: readonly string[]): ChangeEventView | undefined =>
  change.events.filter((event) => steps.includes(event.step)).at(-1);

/** One item of a list in a line: a probe as `name pass`, another object as its values. */
const describeItem = (item: unknown): string => {
  if (typeof item !== 'object' || item === null) return String(item);
  const entry = item as Record<string, unknown>;
  if (typeof entry.name === 'string' && typeof entry.passed === 'boolean') return `${entry.name} ${entry.passed ? 'pass' : 'FAIL'}`;
  return Object.values(entry).map(String).join(' ');
};

/** An event's details in a line: `note: …; checks: a, b; evidence.reference: INC-1`. */
const describeDetails = (details: Record<string, unknown>): string => {
  const parts: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return;
    if (Array.isArray(value)) parts.push(`${key}: ${value.map(describeItem).join(', ')}`);
    else if (typeof value === 'object') for (const [inner, innerValue] of Object.entries(value)) add(`${key}.${inner}`, innerValue);
    else parts.push(`${key}: ${String(value)}`);
  };
  for (const [key, value] of Object.entries(details)) add(key, value);
  return parts.length === 0 ? '-' : parts.join('; ');
};

type ProbeView = { name: string; passed: boolean; detail: string };

const printProbes = (output: Output, probes: readonly ProbeView[]): void => {
  for (const probe of probes) output.line(`  ${probe.passed ? 'pass' : 'FAIL'}  ${probe.name}: ${probe.detail}`);
};

const path = (id: string, step = ''): string => `/api/v1/changes/${encodeURIComponent(id)}${step === '' ? '' : `/${step}`}`;

export const registerChangeCommands = (program: Command): void => {
  const changes = program.command('changes').description('changes to trust state: request, approve, execute, verify; list and show');

  changes.command('request')
    .description('request a change: issue, renew, rotate, revoke or retire credentials (or issue on a class)')
    .argument('<action>', governedActions.join(', '))
    .option('--credential <id>', 'a credential the change acts on (repeatable)', collect)
    .option('--class <id>', 'the class to issue in, when an issue names no credentials')
    .option('--reason <text>', 'why, in a few words (required)')
    .option('--ticket <id>', 'the external ticket the change belongs to')
    .option('--trigger <reason>', `why a revocation is needed, which sets its SLA: ${revocationReasons.join(', ')}`)
    .option('--csr <file>', 'issue or rotate: a certificate signing request (PEM); you keep the private key. For an issue, repeatable, and a file may hold several: one certificate per CSR, approved together', collect)
    .option('--dns <name>', 'issue: a DNS name to certify (repeatable); without --csr Trustplane generates the key and the executor reveals it once', collect)
    .option('--key-algorithm <algorithm>', `issue or rotate without a CSR: the key to generate (${policyKeyAlgorithms.join(', ')}); default: the class policy's first`)
    .option('--lifetime <duration>', 'issue: how long the certificate is valid (e.g. 7d); default: the class policy\'s maxLifetime')
    .option('--workload <id>', 'issue: the workload the new credential serves')
    .option('--source <id>', 'issue: the source to issue from; default: the class policy\'s first allowed')
    .option('--secret-name <name>', 'issue on a secret class: the name of the API key, password or token to generate')
    .action(action(async ({ client, output }, actionName: string, options: {
      credential?: string[]; class?: string; reason?: string; ticket?: string; trigger?: string;
      csr?: string[]; dns?: string[]; keyAlgorithm?: string; lifetime?: string; workload?: string; source?: string; secretName?: string;
    }) => {
      const lifecycleAction = oneOf('ACTION', actionName, governedActions);
      const reason = requireFlag('--reason', options.reason, 'say why, in a few words');
      if (options.credential === undefined && options.class === undefined) {
        throw new TrustplaneError('VALIDATION_FAILED', 'name the credentials with --credential ID (repeatable), or the class with --class ID for an issue');
      }
      const trigger = options.trigger === undefined ? undefined : oneOf('--trigger', options.trigger, revocationReasons);
      const csrs: string[] = [];
      for (const file of options.csr ?? []) csrs.push(...csrBlocksOf((await readInputFile(file)).toString('utf8')));
      const spec = {
        ...(csrs.length === 0 ? {} : csrs.length === 1 ? { csr: csrs[0] } : { csrs }),
        ...(options.dns === undefined ? {} : { names: options.dns }),
        ...(options.keyAlgorithm === undefined ? {} : { keyAlgorithm: oneOf('--key-algorithm', options.keyAlgorithm, policyKeyAlgorithms) }),
        ...(options.lifetime === undefined ? {} : { lifetime: options.lifetime }),
        ...(options.workload === undefined ? {} : { workload: options.workload }),
        ...(options.source === undefined ? {} : { source: options.source }),
        ...(options.secretName === undefined ? {} : { name: options.secretName }),
      };
      const api = client();
      const change = await api.post<ChangeDetail>('/api/v1/changes', {
        action: lifecycleAction, credentials: options.credential ?? [], reason,
        ...(options.class === undefined ? {} : { class: options.class }),
        ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
        ...(trigger === undefined ? {} : { trigger }),
        ...(Object.keys(spec).length === 0 ? {} : { spec }),
      });
      const approvers = output.json || change.status !== 'requested' ? [] : await approversOf(api, change);
      output.result(change, () => output.line(`Requested change ${change.id} (${describeScope(change)}): ${describeStatus(change, approvers)}.`));
    }));

  changes.command('approve')
    .description('approve a change (counts towards its quorum)')
    .argument('<id>', 'the change id (ch_…)')
    .option('--note <text>', 'a note recorded with the approval')
    .action(action(async ({ client, output }, id: string, options: { note?: string }) => {
      const change = await client().post<ChangeDetail>(path(id, 'approve'), options.note === undefined ? {} : { note: options.note });
      output.result(change, () => output.line(`Approved change ${change.id} (${change.approvals.length} of ${change.approvalsNeeded}): ${describeStatus(change)}.`));
    }));

  changes.command('reject')
    .description('reject a change, saying why')
    .argument('<id>', 'the change id (ch_…)')
    .option('--note <text>', 'why it is rejected (required)')
    .action(action(async ({ client, output }, id: string, options: { note?: string }) => {
      const note = requireFlag('--note', options.note, 'say why the change is rejected');
      const change = await client().post<ChangeDetail>(path(id, 'reject'), { note });
      output.result(change, () => output.line(`Rejected change ${change.id} (${describeScope(change)}): ${note}`));
    }));

  changes.command('cancel')
    .description('cancel a change before it is executed')
    .argument('<id>', 'the change id (ch_…)')
    .option('--note <text>', 'why it is cancelled')
    .action(action(async ({ client, output }, id: string, options: { note?: string }) => {
      const change = await client().post<ChangeDetail>(path(id, 'cancel'), options.note === undefined ? {} : { note: options.note });
      output.result(change, () => output.line(`Cancelled change ${change.id} (${describeScope(change)}).`));
    }));

  changes.command('execute')
    .description('execute an approved change: the built-in CA or secret store acts itself; with the manual connector, record what was done and the evidence')
    .argument('<id>', 'the change id (ch_…)')
    .option('--connector <id>', 'the connector that does the work (builtin-ca, secret-store, manual); default: the one that holds the credentials or serves the class\'s source, else manual')
    .option('--reference <text>', 'evidence: a ticket, console log or run id')
    .option('--pem-file <file>', 'evidence: the new certificate or public key (PEM) an issue, renew or rotate produced')
    .option('--note <text>', 'a note recorded with the execution')
    .action(action(async ({ client, output }, id: string, options: { connector?: string; reference?: string; pemFile?: string; note?: string }) => {
      const pem = options.pemFile === undefined ? undefined : (await readInputFile(options.pemFile)).toString('utf8');
      const change = await client().post<ChangeDetail>(path(id, 'execute'), {
        ...(options.connector === undefined ? {} : { connector: options.connector }),
        ...(options.reference === undefined ? {} : { reference: options.reference }),
        ...(pem === undefined ? {} : { pem }),
        ...(options.note === undefined ? {} : { note: options.note }),
      });
      const outcome = lastEvent(change, ['executed', 'fail'])?.details ?? {};
      // The API answers with the change either way; a failed execution is still a failed command.
      if (change.status === 'failed') process.exitCode = 1;
      output.result(change, () => {
        const connector = change.connector ?? options.connector ?? 'manual';
        if (change.status === 'failed') return output.line(`Execution of change ${change.id} through ${connector} failed: ${String(outcome.summary ?? 'no reason given')}.`);
        output.line(`Executed change ${change.id} (${describeScope(change)}) through ${connector}: ${String(outcome.summary ?? change.status)}.`);
        const produced = Array.isArray(outcome.produced) ? outcome.produced.map(String) : [];
        if (produced.length === 1) output.line(`New credential: ${produced[0]}.`);
        if (produced.length > 1) output.line(`New credentials (${produced.length}): ${produced.slice(0, 10).join(', ')}${produced.length > 10 ? `, and ${produced.length - 10} more (--json lists them all)` : ''}.`);
        if (produced.length > 0 && /reveal once/.test(String(outcome.summary))) output.line(`Reveal its private key once with: trustplane credentials reveal ${produced[0]} --out key.pem`);
        output.line(`Now ${describeStatus(change)}.`);
      });
    }));

  changes.command('verify')
    .description('verify an executed change: the connector\'s probes run and are recorded with the checks you made; without --outcome the probes decide')
    .argument('<id>', 'the change id (ch_…)')
    .option('--outcome <outcome>', 'passed or failed; required when the connector has no probes (manual)')
    .option('--check <text>', 'a check you made (repeatable)', collect)
    .option('--note <text>', 'a note recorded with the verification')
    .action(action(async ({ client, output }, id: string, options: { outcome?: string; check?: string[]; note?: string }) => {
      const outcome = options.outcome === undefined ? undefined : oneOf('--outcome', options.outcome, ['passed', 'failed'] as const);
      if (outcome !== undefined && (options.check === undefined || options.check.length === 0)) {
        throw new TrustplaneError('VALIDATION_FAILED', '--check is required with --outcome: name each check you made, e.g. --check "new certificate served"; or leave out --outcome and let the probes decide');
      }
      const change = await client().post<ChangeDetail>(path(id, 'verify'), {
        checks: options.check ?? [], ...(outcome === undefined ? {} : { outcome }), ...(options.note === undefined ? {} : { note: options.note }),
      });
      const recorded = lastEvent(change, ['verify'])?.details ?? {};
      const probes = Array.isArray(recorded.probes) ? recorded.probes as ProbeView[] : [];
      if (change.status === 'verification_failed') process.exitCode = 1;
      output.result(change, () => {
        output.line(`${change.status === 'verified' ? 'Verified' : 'Recorded a failed verification of'} change ${change.id} (${describeScope(change)}) with ${plural(options.check?.length ?? 0, 'check')} and ${plural(probes.length, 'probe')}: ${describeStatus(change)}.`);
        printProbes(output, probes);
      });
    }));

  changes.command('probes')
    .description('run the change\'s verification probes now, without recording anything (what verify will record)')
    .argument('<id>', 'the change id (ch_…)')
    .action(action(async ({ client, output }, id: string) => {
      const result = await client().get<{ items: ProbeView[] }>(path(id, 'probes'));
      if (result.items.some((probe) => !probe.passed)) process.exitCode = 1;
      output.result(result, () => {
        if (result.items.length === 0) return output.line(`Change ${id}'s connector has no probes (or the change is not executed yet).`);
        printProbes(output, result.items);
      });
    }));

  changes.command('list')
    .description('list changes, newest first')
    .option('--status <status>', changeStatuses.join(', '))
    .option('--class <id>', 'only changes on this class')
    .option('--credential <id>', 'only changes touching this credential')
    .option('--requester <principal>', 'only changes requested by this principal, e.g. person:gina')
    .option('--limit <n>', 'at most this many (1 to 500)', '50')
    .action(action(async ({ client, output }, options: { status?: string; class?: string; credential?: string; requester?: string; limit: string }) => {
      const status = options.status === undefined ? undefined : oneOf('--status', options.status, changeStatuses);
      const limit = wholeNumber('--limit', options.limit, 500);
      const result = await client().get<{ items: ChangeView[] }>('/api/v1/changes', {
        status, class: options.class, credential: options.credential, requester: options.requester, limit,
      });
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No changes match.');
        output.table(result.items.map((change) => [
          change.id, change.action, change.classId, change.status, change.requester, minute(change.requestedAt), minute(change.dueAt),
        ]), ['ID', 'ACTION', 'CLASS', 'STATUS', 'REQUESTER', 'REQUESTED', 'DUE']);
      });
    }));

  changes.command('show')
    .description('show a change and every step it took: who, when, under which policies')
    .argument('<id>', 'the change id (ch_…)')
    .action(action(async ({ client, output }, id: string) => {
      const change = await client().get<ChangeDetail>(path(id));
      output.result(change, () => {
        printFields(output, [
          ['change', change.id],
          ['action', describeScope(change)],
          ['status', describeStatus(change)],
          ['requester', `${change.requester} at ${change.requestedAt}`],
          ['reason', change.reason],
          ['ticket', change.ticket ?? '-'],
          ['trigger', change.trigger ?? '-'],
          ['credentials', change.credentialIds.length === 0 ? '-' : change.credentialIds.join(', ')],
          ['approvals', `${change.approvals.length} of ${change.approvalsNeeded}${change.approvals.length === 0 ? '' : `: ${change.approvals.join(', ')}`}`],
          ['executor', change.executor === null ? '-' : `${change.executor}${change.executedAt === null ? '' : ` at ${change.executedAt}`}${change.connector === null ? '' : ` (${change.connector})`}`],
          ['verifier', change.verifier === null ? '-' : `${change.verifier} at ${change.verifiedAt ?? '?'}`],
          ['playbook', change.playbookId ?? '-'],
          ['governance', `version ${change.governanceVersion}`],
        ]);
        output.line('history');
        const table = formatTable(change.events.map((event) => [
          String(event.seq), `${event.at.slice(0, 19)}Z`, event.actor, event.step, event.policies.length === 0 ? '-' : event.policies.join(', '), describeDetails(event.details),
        ]), ['SEQ', 'TIME', 'ACTOR', 'STEP', 'POLICIES', 'DETAILS']);
        for (const line of table.split('\n')) output.line(`  ${line}`);
      });
    }));
};
