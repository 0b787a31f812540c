// Alerts: one row per finding while it lasts (open or acknowledged), kept as history once resolved. The
// open key ("type target") is unique while an alert is not resolved, so a finding has one alert however
// many sweeps see it.
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { likeLiteral } from './credential-query.ts';
import type { AlertState, AlertType, Severity } from '../../core/monitor/index.ts';
import type { DatabaseCapabilities } from '../db/capabilities.ts';
import type { AlertTable, DatabaseSchema } from '../db/schema.ts';

export type Alert = {
  id: string;
  type: AlertType;
  target: string;
  classId: string | null;
  severity: Severity;
  stage: string;
  state: AlertState;
  summary: string;
  details: Record<string, unknown>;
  recipients: string[];
  escalateTo: string[];
  openedAt: string;
  updatedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  note: string | null;
  escalatedAt: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
};

export type AlertSummary = Pick<Alert, 'id' | 'type' | 'target' | 'severity' | 'stage' | 'state' | 'openedAt' | 'escalatedAt'>;

export type AlertFilter = {
  states?: readonly AlertState[];
  type?: AlertType;
  minSeverity?: readonly Severity[];
  classId?: string;
  /** Alerts routed to this person (person id), now or on escalation. */
  recipient?: string;
  target?: string;
  limit: number;
  offset: number;
};

export const openKeyOf = (type: string, target: string): string => `${type} ${target}`;

const toAlert = (row: AlertTable): Alert => ({
  id: row.id, type: row.type as AlertType, target: row.target, classId: row.class_id, severity: row.severity as Severity, stage: row.stage,
  state: row.state as AlertState, summary: row.summary, details: JSON.parse(row.details) as Record<string, unknown>,
  recipients: JSON.parse(row.recipients) as string[], escalateTo: JSON.parse(row.escalate_to) as string[],
  openedAt: row.opened_at, updatedAt: row.updated_at, acknowledgedBy: row.acknowledged_by,
  acknowledgedAt: row.acknowledged_at, note: row.note, escalatedAt: row.escalated_at, resolvedAt: row.resolved_at, resolvedBy: row.resolved_by,
});

const toRow = (alert: Alert): AlertTable => ({
  id: alert.id, type: alert.type, target: alert.target, class_id: alert.classId,
  open_key: alert.state === 'resolved' ? null : openKeyOf(alert.type, alert.target),
  severity: alert.severity, stage: alert.stage, state: alert.state, summary: alert.summary, details: JSON.stringify(alert.details),
  recipients: JSON.stringify(alert.recipients), escalate_to: JSON.stringify(alert.escalateTo),
  opened_at: alert.openedAt, updated_at: alert.updatedAt, acknowledged_by: alert.acknowledgedBy,
  acknowledged_at: alert.acknowledgedAt, note: alert.note, escalated_at: alert.escalatedAt, resolved_at: alert.resolvedAt, resolved_by: alert.resolvedBy,
});

/** Parameters per insert statement: below SQLite's 32,766 (and PostgreSQL's 65,535). */
const insertParameters = 30_000;
/** Rows per insert from arrays: each column one array parameter of this length. */
const arrayInsertRows = 5000;
/** Ids per `in (…)` list. */
const idChunk = 1000;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
};

export const createAlertStore = (trx: Transaction<DatabaseSchema>, { insertFromArrays }: Pick<DatabaseCapabilities, 'insertFromArrays'>) => ({
  /** Every alert not resolved, in brief: what a sweep compares its findings with. */
  async unresolvedSummaries(): Promise<AlertSummary[]> {
    const rows = await trx.selectFrom('alerts').select(['id', 'type', 'target', 'severity', 'stage', 'state', 'opened_at', 'escalated_at']).where('open_key', 'is not', null).execute();
    return rows.map((row) => ({ id: row.id, type: row.type as AlertType, target: row.target, severity: row.severity as Severity, stage: row.stage, state: row.state as AlertState, openedAt: row.opened_at, escalatedAt: row.escalated_at }));
  },

  /** Every alert not resolved, whole. */
  async unresolved(): Promise<Alert[]> {
    const rows = await trx.selectFrom('alerts').selectAll().where('open_key', 'is not', null).execute();
    return rows.map(toAlert);
  },

  /** New alerts: open, so without acknowledgement, escalation or resolution (those columns are left to their null default, and not sent). */
  async insertAll(alerts: readonly Alert[]): Promise<void> {
    const rows = alerts.map((alert) => {
      const { acknowledged_by: _by, acknowledged_at: _at, note: _note, escalated_at: _escalated, resolved_at: _resolved, resolved_by: _resolver, ...row } = toRow(alert);
      return row;
    });
    const columns = Object.keys(rows[0] ?? {}) as (keyof typeof rows[number])[];
    if (insertFromArrays) {
      // Every column of a new alert is text: one text[] parameter per column.
      for (const part of chunks(rows, arrayInsertRows)) {
        await sql`insert into alerts (${sql.join(columns.map((column) => sql.ref(column)))}) select * from unnest(${sql.join(columns.map((column) => sql`${part.map((row) => row[column])}::text[]`))})`.execute(trx);
      }
      return;
    }
    for (const part of chunks(rows, Math.floor(insertParameters / Math.max(1, columns.length)))) await trx.insertInto('alerts').values(part).execute();
  },

  /** A finding that moved into another window: its severity, stage and facts. */
  async updateFinding(id: string, fields: { severity: string; stage: string; summary: string; details: Record<string, unknown>; updatedAt: string }): Promise<void> {
    await trx.updateTable('alerts').set({ severity: fields.severity, stage: fields.stage, summary: fields.summary, details: JSON.stringify(fields.details), updated_at: fields.updatedAt })
      .where('id', '=', id).execute();
  },

  async resolveAll(ids: readonly string[], at: string, by: string): Promise<void> {
    for (const part of chunks(ids, idChunk)) {
      await trx.updateTable('alerts').set({ state: 'resolved', open_key: null, resolved_at: at, resolved_by: by, updated_at: at }).where('id', 'in', part).where('open_key', 'is not', null).execute();
    }
  },

  async escalateAll(ids: readonly string[], at: string): Promise<void> {
    for (const part of chunks(ids, idChunk)) {
      await trx.updateTable('alerts').set({ escalated_at: at, updated_at: at }).where('id', 'in', part).where('state', '=', 'open').where('escalated_at', 'is', null).execute();
    }
  },

  /** Acknowledges an open alert; false when it was no longer open (a sweep resolved it, someone else acknowledged it). */
  async acknowledge(id: string, ack: { by: string; at: string; note: string | null }): Promise<boolean> {
    const result = await trx.updateTable('alerts').set({ state: 'acknowledged', acknowledged_by: ack.by, acknowledged_at: ack.at, note: ack.note, updated_at: ack.at })
      .where('id', '=', id).where('state', '=', 'open').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async findMany(ids: readonly string[]): Promise<Alert[]> {
    const found: Alert[] = [];
    for (const part of chunks(ids, idChunk)) found.push(...(await trx.selectFrom('alerts').selectAll().where('id', 'in', part).execute()).map(toAlert));
    return found;
  },

  async find(id: string): Promise<Alert | null> {
    const row = await trx.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : toAlert(row);
  },

  async list(filter: AlertFilter): Promise<Alert[]> {
    let query = trx.selectFrom('alerts').selectAll();
    if (filter.states !== undefined) query = query.where('state', 'in', [...filter.states]);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.minSeverity !== undefined) query = query.where('severity', 'in', [...filter.minSeverity]);
    if (filter.classId !== undefined) query = query.where('class_id', '=', filter.classId);
    if (filter.target !== undefined) query = query.where('target', '=', filter.target);
    // The quoted id matches one JSON element; "_" in it is escaped so that it matches only itself.
    if (filter.recipient !== undefined) {
      const needle = `%${likeLiteral(JSON.stringify(filter.recipient))}%`;
      const matches = (column: 'recipients' | 'escalate_to') => sql<boolean>`${sql.ref(column)} like ${needle} escape '\\'`;
      query = query.where((eb) => eb.or([matches('recipients'), eb.and([eb('escalated_at', 'is not', null), matches('escalate_to')])]));
    }
    const rows = await query.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return rows.map(toAlert);
  },

  async countByState(): Promise<{ state: string; severity: string; count: number }[]> {
    const rows = await trx.selectFrom('alerts').select(['state', 'severity', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('open_key', 'is not', null).groupBy(['state', 'severity']).execute();
    return rows.map((row) => ({ state: row.state, severity: row.severity, count: Number(row.n) }));
  },
});

export type AlertStore = ReturnType<typeof createAlertStore>;
