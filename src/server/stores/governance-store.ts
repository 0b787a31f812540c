// Stores governance as one row per declared entity (kind, id, spec JSON, position in the file) plus one
// row per applied version; governanceFromRows rebuilds the core model from them.
import type { Transaction } from 'kysely';
import { governanceSections } from '../../core/governance/index.ts';
import type { Governance } from '../../core/governance/index.ts';
import type { DatabaseSchema } from '../db/schema.ts';

export type GovernanceEntityRow = { kind: string; id: string; spec: unknown; position: number; version: number };
export type GovernanceVersionRow = { version: number; appliedAt: string; appliedBy: string; documentSha256: string; summary: unknown };

/** Rebuilds the governance model from its rows (it was validated when it was applied). */
export const governanceFromRows = (rows: readonly { kind: string; spec: unknown; position: number }[]): Governance => {
  const model: Record<string, unknown> = {};
  for (const section of governanceSections) {
    const specs = rows.filter((row) => row.kind === section.key).sort((a, b) => a.position - b.position).map((row) => row.spec);
    model[section.key] = section.single ? specs[0] : specs;
  }
  return model as Governance;
};

export const createGovernanceStore = (trx: Transaction<DatabaseSchema>) => ({
  async currentVersion(): Promise<GovernanceVersionRow | null> {
    const row = await trx.selectFrom('governance_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (!row) return null;
    return { version: row.version, appliedAt: row.applied_at, appliedBy: row.applied_by, documentSha256: row.document_sha256, summary: JSON.parse(row.summary) };
  },

  async listEntities(kind?: string): Promise<GovernanceEntityRow[]> {
    let query = trx.selectFrom('governance_entities').selectAll();
    if (kind !== undefined) query = query.where('kind', '=', kind);
    const rows = await query.orderBy('kind').orderBy('position').execute();
    return rows.map((row) => ({ kind: row.kind, id: row.id, spec: JSON.parse(row.spec), position: row.position, version: row.version }));
  },

  async findEntity(kind: string, id: string): Promise<GovernanceEntityRow | null> {
    const row = await trx.selectFrom('governance_entities').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return row ? { kind: row.kind, id: row.id, spec: JSON.parse(row.spec), position: row.position, version: row.version } : null;
  },

  /** Replaces the whole declared state with `entities` as version `version`. */
  async replaceAll(version: GovernanceVersionRow, entities: readonly GovernanceEntityRow[]): Promise<void> {
    await trx.insertInto('governance_versions').values({
      version: version.version,
      applied_at: version.appliedAt,
      applied_by: version.appliedBy,
      document_sha256: version.documentSha256,
      summary: JSON.stringify(version.summary),
    }).execute();
    await trx.deleteFrom('governance_entities').execute();
    for (let start = 0; start < entities.length; start += 500) {
      const rows = entities.slice(start, start + 500).map((entity) => ({
        kind: entity.kind, id: entity.id, spec: JSON.stringify(entity.spec), position: entity.position, version: entity.version,
      }));
      await trx.insertInto('governance_entities').values(rows).execute();
    }
  },
});

export type GovernanceStore = ReturnType<typeof createGovernanceStore>;
