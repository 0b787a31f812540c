// Changes, their credentials and the history of their steps. Every transition names the revision it
// read: when two transitions race (two approvers at once, approve against cancel), the second finds the
// revision moved and its transaction rolls back whole, so exactly one outcome is recorded.
import type { Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import type { Change, ChangeStatus } from '../../core/changes/change-lifecycle.ts';
import { storedChangeSpec } from '../../core/changes/change-spec.ts';
import type { GovernedAction, RevocationReason } from '../../core/governance/index.ts';
import type { DatabaseCapabilities } from '../db/capabilities.ts';
import type { DatabaseSchema, ChangeTable } from '../db/schema.ts';

export type ChangeEvent = {
  seq: number;
  at: string;
  actor: string;
  /** The person behind the actor when it is not a person itself: the owner of a service account or agent. */
  person?: string;
  step: string;
  governanceVersion: number;
  /** Ids of the Cedar policies that decided the step. */
  policies: readonly string[];
  details: Record<string, unknown>;
};

export type ChangeFilter = {
  status?: ChangeStatus;
  classId?: string;
  credentialId?: string;
  requester?: string;
  /** Requested at or after this instant… */
  requestedFrom?: string;
  /** …and before this one. */
  requestedTo?: string;
  limit: number;
  after?: string;
};

type ChangeRow = ChangeTable;

const toChange = (row: ChangeRow, credentialIds: readonly string[], approvals: readonly string[], people: Readonly<Record<string, readonly string[]>>): Change => ({
  id: row.id,
  classId: row.class_id,
  action: row.action as GovernedAction,
  status: row.status as ChangeStatus,
  requester: row.requester,
  reason: row.reason,
  ticket: row.ticket,
  trigger: row.trigger as RevocationReason | null,
  dueAt: row.due_at,
  requestedAt: row.requested_at,
  staleAt: row.stale_at,
  updatedAt: row.updated_at,
  governanceVersion: Number(row.governance_version),
  approvalsNeeded: Number(row.approvals_needed),
  preApprovedBy: row.pre_approved_by,
  approvals,
  executor: row.executor,
  executedAt: row.executed_at,
  verifier: row.verifier,
  verifiedAt: row.verified_at,
  playbookId: row.playbook_id,
  orderedBy: row.ordered_by,
  connector: row.connector,
  spec: storedChangeSpec(row.spec),
  revision: Number(row.revision),
  credentialIds,
  people,
});

const toRow = (change: Change): ChangeRow => ({
  id: change.id,
  class_id: change.classId,
  action: change.action,
  status: change.status,
  requester: change.requester,
  reason: change.reason,
  ticket: change.ticket,
  trigger: change.trigger,
  due_at: change.dueAt,
  requested_at: change.requestedAt,
  stale_at: change.staleAt,
  updated_at: change.updatedAt,
  governance_version: change.governanceVersion,
  approvals_needed: change.approvalsNeeded,
  pre_approved_by: change.preApprovedBy,
  executor: change.executor,
  executed_at: change.executedAt,
  verifier: change.verifier,
  verified_at: change.verifiedAt,
  playbook_id: change.playbookId,
  ordered_by: change.orderedBy,
  connector: change.connector,
  spec: JSON.stringify(change.spec),
  revision: change.revision,
});

export const createChangeStore = (trx: Transaction<DatabaseSchema>, capabilities: Pick<DatabaseCapabilities, 'lockRowsForUpdate'>) => {
  const hydrate = async (rows: readonly ChangeRow[]): Promise<Change[]> => {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const credentials = await trx.selectFrom('change_credentials').select(['change_id', 'credential_id']).where('change_id', 'in', ids).orderBy('change_id').orderBy('position').execute();
    const approvals = await trx.selectFrom('change_events').select(['change_id', 'actor']).where('change_id', 'in', ids).where('step', '=', 'approve').orderBy('change_id').orderBy('seq').execute();
    const group = (pairs: readonly { change_id: string; value: string }[]): Map<string, string[]> => {
      const map = new Map<string, string[]>();
      for (const pair of pairs) map.set(pair.change_id, [...map.get(pair.change_id) ?? [], pair.value]);
      return map;
    };
    const credentialsOf = group(credentials.map((row) => ({ change_id: row.change_id, value: row.credential_id })));
    const approvalsOf = group(approvals.map((row) => ({ change_id: row.change_id, value: row.actor })));
    // Who stood behind a service account or agent when it took a step (separation of duties compares them).
    const behind = await trx.selectFrom('change_events').select(['change_id', 'actor', 'person']).where('change_id', 'in', ids).where('person', 'is not', null).execute();
    const peopleOf = new Map<string, Record<string, string[]>>();
    for (const row of behind) {
      const people = peopleOf.get(row.change_id) ?? {};
      const known = people[row.actor] ?? [];
      // An account handed over between two steps stood for two people: both are kept.
      if (!known.includes(row.person as string)) people[row.actor] = [...known, row.person as string];
      peopleOf.set(row.change_id, people);
    }
    return rows.map((row) => toChange(row, credentialsOf.get(row.id) ?? [], approvalsOf.get(row.id) ?? [], peopleOf.get(row.id) ?? {}));
  };

  return {
    async insert(change: Change): Promise<void> {
      await trx.insertInto('changes').values(toRow(change)).execute();
      if (change.credentialIds.length > 0) {
        await trx.insertInto('change_credentials').values(change.credentialIds.map((credentialId, position) => ({ change_id: change.id, credential_id: credentialId, position }))).execute();
      }
    },

    /** Writes the change's new state if nobody moved it since `change.revision - 1` was read. */
    async update(change: Change): Promise<void> {
      const { id, revision } = change;
      const result = await trx.updateTable('changes').set({ ...toRow(change), revision }).where('id', '=', id).where('revision', '=', revision - 1).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new TrustplaneError('CONFLICT', `change ${id} was changed by someone else at the same moment; nothing from this request was applied; show it again and retry if the step still applies`);
      }
    },

    async find(id: string): Promise<Change | null> {
      const row = await trx.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : (await hydrate([row]))[0] ?? null;
    },

    async list(filter: ChangeFilter): Promise<Change[]> {
      let query = trx.selectFrom('changes').selectAll();
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.classId !== undefined) query = query.where('class_id', '=', filter.classId);
      if (filter.requester !== undefined) query = query.where('requester', '=', filter.requester);
      if (filter.requestedFrom !== undefined) query = query.where('requested_at', '>=', filter.requestedFrom);
      if (filter.requestedTo !== undefined) query = query.where('requested_at', '<', filter.requestedTo);
      if (filter.credentialId !== undefined) {
        const credentialId = filter.credentialId;
        query = query.where('id', 'in', (sub) => sub.selectFrom('change_credentials').select('change_id').where('credential_id', '=', credentialId));
      }
      if (filter.after !== undefined) query = query.where('id', '<', filter.after);
      const rows = await query.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return hydrate(rows);
    },

    /** Changes not yet executed, or executing, whose stale time (or execution lease) has passed. */
    async stale(now: string, limit: number): Promise<Change[]> {
      const rows = await trx.selectFrom('changes').selectAll().where('status', 'in', ['requested', 'approved', 'executing']).where('stale_at', '<=', now).orderBy('stale_at').limit(limit).execute();
      return hydrate(rows);
    },

    /** Changes still open on any of these credentials, so that one credential has one change at a time. */
    async openOn(credentialIds: readonly string[]): Promise<{ changeId: string; credentialId: string }[]> {
      if (credentialIds.length === 0) return [];
      // Two requests for one credential at once must not both find it free: where transactions run at
      // once, the second waits here until the first commits, and its next statement sees the first's change.
      if (capabilities.lockRowsForUpdate) {
        await trx.selectFrom('credentials').select('id').where('id', 'in', [...credentialIds]).orderBy('id').forUpdate().execute();
      }
      const rows = await trx.selectFrom('change_credentials')
        .innerJoin('changes', 'changes.id', 'change_credentials.change_id')
        .select(['change_credentials.change_id', 'change_credentials.credential_id'])
        .where('change_credentials.credential_id', 'in', [...credentialIds])
        .where('changes.status', 'in', ['requested', 'approved', 'executing'])
        .execute();
      return rows.map((row) => ({ changeId: row.change_id, credentialId: row.credential_id }));
    },

    async appendEvent(changeId: string, event: Omit<ChangeEvent, 'seq'>): Promise<void> {
      const last = await trx.selectFrom('change_events').select((eb) => eb.fn.max('seq').as('seq')).where('change_id', '=', changeId).executeTakeFirst();
      await trx.insertInto('change_events').values({
        change_id: changeId, seq: Number(last?.seq ?? 0) + 1, at: event.at, actor: event.actor, person: event.person ?? null, step: event.step,
        governance_version: event.governanceVersion, policies: JSON.stringify(event.policies), details: JSON.stringify(event.details),
      }).execute();
    },

    async events(changeId: string): Promise<ChangeEvent[]> {
      const rows = await trx.selectFrom('change_events').selectAll().where('change_id', '=', changeId).orderBy('seq').execute();
      return rows.map((row) => ({
        seq: Number(row.seq), at: row.at, actor: row.actor, ...(row.person === null ? {} : { person: row.person }), step: row.step, governanceVersion: Number(row.governance_version),
        policies: JSON.parse(row.policies) as string[], details: JSON.parse(row.details) as Record<string, unknown>,
      }));
    },
  };
};

export type ChangeStore = ReturnType<typeof createChangeStore>;
