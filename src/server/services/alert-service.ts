// Alerts (issue 6): a sweep applies the pure rules of core/monitor to the whole inventory at one moment,
// and reconciles what it found with the alerts on record: a new finding opens an alert routed by the
// decision rights, one seen again stays (and notifies again when it moves into a more severe window), one
// no longer found resolves by itself; an alert nobody acknowledged in time escalates to the business
// owner. Notifications are outbox messages written in the same transaction, delivered after commit.
//
// What the audit log records: each sweep (what it saw and changed, and on which node), each escalation
// and each acknowledgement. An alert's opening and resolution are findings, not decisions; the alerts
// table keeps them with their times.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { systemPrincipals } from '../../core/authz/governance-policies.ts';
import { TrustplaneError } from '../../core/errors.ts';
import {
  credentialFindings, createRouter, deniedAttempts, departedPeopleOf, monitorContext, reviewOverdue, revocationSlaBreach, severities, severityRank,
} from '../../core/monitor/index.ts';
import type { AlertState, AlertType, Finding, MonitoredCredential, Router, Severity } from '../../core/monitor/index.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import { alertEmail, digestEmail, notificationTopics, webhookMessage } from '../notifications/notification-message.ts';
import type { AlertNotice, Recipient, WebhookEvent } from '../notifications/notification-message.ts';
import type { Clock, RandomSource } from '../platform.ts';
import { openKeyOf } from '../stores/alert-store.ts';
import type { Alert, AlertFilter } from '../stores/alert-store.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { renewalRetryAfterMs } from './renewal-service.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService } from './authz-service.ts';

export type MonitorSettings = {
  leadTimesMs: readonly number[];
  escalateAfterMs: number;
  /** Alerts at least this severe notify at once; every open alert is in the daily digest. */
  notifyMinSeverity: Severity;
  /** Denials inside this window keep a denied_attempt alert open. */
  deniedWindowMs: number;
  /** The channels configured: messages are written only for these. */
  channels: ReadonlySet<'email' | 'webhook'>;
};

export const defaultDeniedWindowMs = 24 * 3_600_000;
export const defaultSeverityForNotifications: Severity = 'warning';

export type SweepReport = {
  at: string;
  node: string;
  credentials: number;
  findings: number;
  opened: number;
  raised: number;
  resolved: number;
  escalated: number;
  open: number;
  notifications: number;
  tookMs: number;
};

/** Credentials read per page: each page is its own short read, and its new alerts one short write. */
export const sweepPageSize = 10_000;

export type AlertServiceDeps = {
  unitOfWork: UnitOfWork; clock: Clock; random: RandomSource; authz: AuthzService;
  settings: MonitorSettings; publicUrl: () => string; nodeId: string;
  /** Credentials after an id, in id order, read outside any transaction (monitor-store.ts credentialPage). */
  readCredentialPage: (afterId: string | null, limit: number) => Promise<MonitoredCredential[]>;
};

const noticeOf = (alert: Alert): AlertNotice => ({
  id: alert.id, type: alert.type, severity: alert.severity, state: alert.state, target: alert.target, classId: alert.classId,
  summary: alert.summary.length <= 2000 ? alert.summary : `${alert.summary.slice(0, 1999)}…`, stage: alert.stage, openedAt: alert.openedAt, details: alert.details, recipients: alert.recipients,
});

export const createAlertService = ({ unitOfWork, clock, random, authz, settings, publicUrl, nodeId, readCredentialPage }: AlertServiceDeps) => {
  const notifyAt = severityRank(settings.notifyMinSeverity);

  /**
   * Alert ids for a batch: the time in milliseconds, a counter, then random bytes, in hex. Ordered by when
   * they were made, so new rows go to the end of the primary key instead of all over it (a first sweep may
   * open a million), and still unguessable; one draw of the random source for the batch.
   */
  let sequence = 0;
  const randomIds = (count: number): (() => string) => {
    const bytes = random.bytes(6 * Math.max(1, count));
    const time = clock.now().getTime().toString(16).padStart(12, '0');
    let next = 0;
    return () => {
      sequence = (sequence + 1) % 0x1000000;
      const id = `alr_${time}${sequence.toString(16).padStart(6, '0')}${bytes.subarray(next * 6, next * 6 + 6).toString('hex')}`;
      next += 1;
      return id;
    };
  };

  /** Writes the messages an alert event sends, for the channels configured; returns how many. */
  const notify = async (tx: UnitOfWorkContext, router: Router, alert: Alert, event: WebhookEvent, people: readonly string[], at: Date): Promise<number> => {
    if (event !== 'alert.resolved' && event !== 'alert.acknowledged' && severityRank(alert.severity) < notifyAt) return 0;
    let written = 0;
    const notice = noticeOf(alert);
    if (settings.channels.has('email') && (event === 'alert.opened' || event === 'alert.raised' || event === 'alert.escalated')) {
      const to = people.map((id) => router.person(id)).filter((person) => person !== null).map((person): Recipient => ({ person: person.id, name: person.name, email: person.email }));
      if (to.length > 0) {
        await tx.outbox.add({ topic: notificationTopics.email, payload: alertEmail(event === 'alert.escalated' ? 'escalation' : 'alert', notice, to, { publicUrl: publicUrl() }) });
        written += 1;
      }
    }
    if (settings.channels.has('webhook')) {
      await tx.outbox.add({ topic: notificationTopics.webhook, payload: webhookMessage(event, notice, at, Number(random.bytes(4).readUInt32BE(0))) });
      written += 1;
    }
    return written;
  };

  /** Everything a sweep knows besides the credentials: governance, departures, deadlines, denials. */
  const readSituation = (at: Date) => unitOfWork(async (tx) => {
    const snapshot = await authz.snapshot(tx);
    const offboarded = await tx.monitor.offboarded();
    const revoked = await tx.authz.revocations();
    const denials = await tx.authz.deniedAttempts({ since: new Date(at.getTime() - settings.deniedWindowMs).toISOString(), limit: 100_000 });
    const deadlines = await tx.monitor.pendingDeadlines();
    const reviews = await tx.monitor.openReviews();
    const failedRenewals = await tx.monitor.failedRenewals(systemPrincipals.renewal, new Date(at.getTime() - renewalRetryAfterMs).toISOString());
    return { snapshot, offboarded, revoked, denials, deadlines, reviews, failedRenewals };
  });

  let sweeping: Promise<unknown> = Promise.resolve();

  const sweepNow = async (options: { actor: string; requestId?: string; onProgress?: (credentials: number) => void }): Promise<SweepReport> => {
    const started = clock.now();
    const at = started;
    const now = at.toISOString();
    const situation = await readSituation(at);
    const governance = situation.snapshot.governance;
    const context = monitorContext(governance, { offboarded: situation.offboarded, revokedDelegations: new Set(situation.revoked.keys()), failedRenewals: situation.failedRenewals }, at, settings.leadTimesMs);
    const router = createRouter(governance, departedPeopleOf(situation.offboarded));
    const report: SweepReport = { at: now, node: nodeId, credentials: 0, findings: 0, opened: 0, raised: 0, resolved: 0, escalated: 0, open: 0, notifications: 0, tookMs: 0 };

    // What is on record, in brief: most of it is only compared with what the sweep finds.
    const records = await unitOfWork((tx) => tx.alerts.unresolvedSummaries());
    const byKey = new Map(records.map((alert) => [openKeyOf(alert.type, alert.target), alert]));
    const found = new Set<string>();
    const changed: { id: string; finding: Finding; raised: boolean }[] = [];
    const escalated: string[] = [];
    const escalateBefore = at.getTime() - settings.escalateAfterMs;

    /**
     * Compares a batch of findings with the record and opens what is new, in a transaction of its own
     * with its notifications: a sweep over a million credentials never holds the database for long, and
     * keeps in memory only what it must change. Two sweeps at once collide on the open key (CONFLICT).
     */
    const reconcile = async (batch: readonly Finding[]): Promise<void> => {
      const opened: Alert[] = [];
      for (const finding of batch) {
        const key = openKeyOf(finding.type, finding.target);
        if (found.has(key)) continue;
        found.add(key);
        const existing = byKey.get(key);
        if (existing === undefined) {
          const route = router.route(finding.type, finding.classId, finding.type === 'review_overdue' ? [String(finding.details.accountable)] : []);
          opened.push({
            id: '', type: finding.type, target: finding.target, classId: finding.classId, severity: finding.severity, stage: finding.stage,
            state: 'open', summary: finding.summary, details: finding.details, recipients: route.notify, escalateTo: route.escalateTo,
            openedAt: now, updatedAt: now, acknowledgedBy: null, acknowledgedAt: null, note: null, escalatedAt: null, resolvedAt: null, resolvedBy: null,
          });
          continue;
        }
        if (existing.stage !== finding.stage || existing.severity !== finding.severity) {
          changed.push({ id: existing.id, finding, raised: severityRank(finding.severity) > severityRank(existing.severity) });
        }
        // Open too long without an acknowledgement: the business owner hears of it.
        if (existing.state === 'open' && existing.escalatedAt === null && Date.parse(existing.openedAt) <= escalateBefore) escalated.push(existing.id);
      }
      if (opened.length === 0) return;
      const ids = randomIds(opened.length);
      for (const alert of opened) alert.id = ids();
      report.notifications += await unitOfWork(async (tx) => {
        await tx.alerts.insertAll(opened);
        let written = 0;
        for (const alert of opened) written += await notify(tx, router, alert, 'alert.opened', alert.recipients, at);
        return written;
      });
      report.opened += opened.length;
    };

    // The next page is read while this one is checked and its alerts written: on PostgreSQL the server
    // reads while the process computes, instead of one waiting for the other. A page is only read, so it is
    // read outside a transaction (a BEGIN would wait for its answer until the checking is done), and the
    // loop yields once so that its first query goes out before the checking starts.
    const readPage = (after: string | null) => readCredentialPage(after, sweepPageSize);
    for (let next = readPage(null); ;) {
      const page = await next;
      if (page.length === 0) break;
      next = readPage(page.at(-1)!.id);
      // A failure below must not leave the read ahead unheard (an unhandled rejection ends the process).
      next.catch(() => undefined);
      await yieldToEventLoop();
      await reconcile(page.flatMap((credential) => credentialFindings(credential, context)));
      report.credentials += page.length;
      options.onProgress?.(report.credentials);
    }
    await reconcile([
      ...situation.deadlines.map((change) => revocationSlaBreach(change, context.at)),
      ...situation.reviews.map((review) => reviewOverdue(review, context.at)),
      ...deniedAttempts(situation.denials, context.at, settings.deniedWindowMs),
    ].filter((finding): finding is Finding => finding !== null));

    // What no longer holds resolves by itself; what moved is rewritten; what waited too long escalates.
    const resolved = records.filter((alert) => !found.has(openKeyOf(alert.type, alert.target))).map((alert) => alert.id);
    return unitOfWork(async (tx) => {
      for (const { id, finding } of changed) await tx.alerts.updateFinding(id, { severity: finding.severity, stage: finding.stage, summary: finding.summary, details: finding.details, updatedAt: now });
      // Only alerts still unresolved are resolved or escalated: an acknowledgement or another sweep may have come in between.
      await tx.alerts.resolveAll(resolved, now, 'system:monitor');
      await tx.alerts.escalateAll(escalated, now);
      // Notifications and audit entries need alerts whole: read back only those.
      const raisedIds = new Set(changed.filter((entry) => entry.raised).map((entry) => entry.id));
      const escalatedIds = new Set(escalated);
      const wanted = [...new Set([...raisedIds, ...escalated, ...(settings.channels.size === 0 ? [] : resolved)])];
      const whole = await tx.alerts.findMany(wanted);
      for (const alert of whole) {
        if (raisedIds.has(alert.id)) {
          const told = alert.escalatedAt === null || escalatedIds.has(alert.id) ? alert.recipients : [...new Set([...alert.recipients, ...alert.escalateTo])];
          report.notifications += await notify(tx, router, alert, 'alert.raised', told, at);
        }
        if (escalatedIds.has(alert.id) && alert.escalatedAt === now) report.notifications += await notify(tx, router, alert, 'alert.escalated', alert.escalateTo, at);
        if (alert.state === 'resolved' && alert.resolvedAt === now) report.notifications += await notify(tx, router, alert, 'alert.resolved', [], at);
      }
      await tx.audit.appendAll(whole.filter((alert) => escalatedIds.has(alert.id) && alert.escalatedAt === now).map((alert) => ({
        at, actor: 'system:monitor', action: 'alert.escalate', target: `alert:${alert.id}`,
        details: { type: alert.type, about: alert.target, severity: alert.severity, escalateTo: alert.escalateTo, openedAt: alert.openedAt, node: nodeId },
      })));
      Object.assign(report, { findings: found.size, open: found.size, raised: raisedIds.size, resolved: resolved.length, escalated: escalated.length, tookMs: clock.now().getTime() - started.getTime() });
      await tx.audit.append({
        at, actor: options.actor, action: 'alerts.sweep', target: 'alerts', ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
        ...(situation.snapshot.version === null ? {} : { governanceVersion: situation.snapshot.version }),
        details: { node: nodeId, credentials: report.credentials, findings: report.findings, opened: report.opened, raised: report.raised, resolved: report.resolved, escalated: report.escalated, notifications: report.notifications },
      });
      return report;
    });
  };

  return {
    /**
     * Sweeps now: finds, opens, raises, resolves and escalates; `actor` is who asked (the scheduler, or a
     * person). Sweeps on one node run one after another; two nodes sweeping at once collide on the open
     * key, and the later is refused (CONFLICT), keeping only the pages of new alerts it had committed.
     */
    sweep(options: { actor: string; requestId?: string; onProgress?: (credentials: number) => void } = { actor: 'system:monitor' }): Promise<SweepReport> {
      const run = sweeping.then(() => sweepNow(options));
      sweeping = run.catch(() => undefined);
      return run;
    },

    list: (filter: AlertFilter): Promise<Alert[]> => unitOfWork((tx) => tx.alerts.list(filter)),

    async find(id: string): Promise<Alert> {
      const alert = await unitOfWork((tx) => tx.alerts.find(id));
      if (alert === null) throw new TrustplaneError('NOT_FOUND', `no alert ${id}; \`trustplane alerts list\` shows the open ones`);
      return alert;
    },

    counts: () => unitOfWork((tx) => tx.alerts.countByState()),

    /** Acknowledges an open alert: someone is on it, so it does not escalate. It still resolves by itself. */
    async acknowledge(actor: Actor, id: string, note?: string): Promise<Alert> {
      const result = await unitOfWork(async (tx) => {
        const alert = await tx.alerts.find(id);
        if (alert === null) throw new TrustplaneError('NOT_FOUND', `no alert ${id}; \`trustplane alerts list\` shows the open ones`);
        if (alert.state !== 'open') throw new TrustplaneError('INVALID_TRANSITION', `alert ${id} is already ${alert.state}${alert.state === 'acknowledged' ? ` (by ${alert.acknowledgedBy} at ${alert.acknowledgedAt})` : ` (at ${alert.resolvedAt})`}`);
        const snapshot = await authz.snapshot(tx);
        const now = clock.now();
        const outcome = authz.decideIn(snapshot, {
          principal: actor.ref, action: 'acknowledge-alert', at: now, readOnly: actor.readOnly,
          // The business owner may acknowledge once the alert was escalated to them, not before.
          resource: { type: 'alert', id, classId: alert.classId, recipients: alert.recipients.map((person) => `person:${person}`), escalateTo: alert.escalatedAt === null ? [] : alert.escalateTo.map((person) => `person:${person}`) },
        });
        if (isDenial(outcome)) return outcome;
        const acknowledged: Alert = { ...alert, state: 'acknowledged', acknowledgedBy: actor.ref, acknowledgedAt: now.toISOString(), note: note ?? null, updatedAt: now.toISOString() };
        if (!await tx.alerts.acknowledge(id, { by: actor.ref, at: acknowledged.acknowledgedAt as string, note: note ?? null })) {
          throw new TrustplaneError('CONFLICT', `alert ${id} changed at the same moment (a sweep resolved it, or someone acknowledged it); look at it again`);
        }
        await tx.audit.append({
          at: now, actor: actor.ref, action: 'alert.acknowledge', target: `alert:${id}`, ...requestIdOf(actor),
          ...(snapshot.version === null ? {} : { governanceVersion: snapshot.version }),
          details: { type: alert.type, about: alert.target, severity: alert.severity, note: note ?? null, policies: outcome.policies.map((policy) => policy.id) },
        });
        const router = createRouter(snapshot.governance, departedPeopleOf(await tx.monitor.offboarded()));
        await notify(tx, router, acknowledged, 'alert.acknowledged', [], now);
        return acknowledged;
      });
      return authz.settle(result, actor.requestId);
    },

    /** Each person's digest of the open alerts routed to them, as email messages; returns how many were written. */
    async digest(day: string): Promise<number> {
      if (!settings.channels.has('email')) return 0;
      return unitOfWork(async (tx) => {
        const snapshot = await authz.snapshot(tx);
        const router = createRouter(snapshot.governance, departedPeopleOf(await tx.monitor.offboarded()));
        const open = await tx.alerts.unresolved();
        const byPerson = new Map<string, Alert[]>();
        for (const alert of open) {
          for (const person of new Set([...alert.recipients, ...(alert.escalatedAt === null ? [] : alert.escalateTo)])) byPerson.set(person, [...byPerson.get(person) ?? [], alert]);
        }
        let written = 0;
        for (const [id, alerts] of byPerson) {
          const person = router.person(id);
          if (person === null) continue;
          await tx.outbox.add({ topic: notificationTopics.email, payload: digestEmail({ person: person.id, name: person.name, email: person.email }, alerts.map(noticeOf), day, { publicUrl: publicUrl() }) });
          written += 1;
        }
        await tx.audit.append({ at: clock.now(), actor: 'system:monitor', action: 'alerts.digest', target: 'alerts', details: { day, people: written, node: nodeId } });
        return written;
      });
    },
  };
};

export type AlertService = ReturnType<typeof createAlertService>;
export { severities };
export type { AlertState, AlertType };
