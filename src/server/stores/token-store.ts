// API tokens, stored by the SHA-256 of the token (tokens are 256-bit random, so a fast hash is enough
// and a lookup is one indexed read). The token itself is never stored.
import type { Transaction } from 'kysely';
import type { ApiTokenTable, DatabaseSchema } from '../db/schema.ts';

export type ApiTokenRecord = {
  id: string;
  name: string;
  principal: string;
  scope: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

const toRecord = (row: ApiTokenTable): ApiTokenRecord => ({
  id: row.id,
  name: row.name,
  principal: row.principal,
  scope: row.scope,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

export const createTokenStore = (trx: Transaction<DatabaseSchema>) => ({
  async insert(record: ApiTokenRecord, tokenHash: string): Promise<void> {
    await trx.insertInto('api_tokens').values({
      id: record.id,
      name: record.name,
      principal: record.principal,
      scope: record.scope,
      token_hash: tokenHash,
      created_at: record.createdAt,
      created_by: record.createdBy,
      expires_at: record.expiresAt,
      revoked_at: record.revokedAt,
      last_used_at: record.lastUsedAt,
    }).execute();
  },

  async findByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = await trx.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toRecord(row) : null;
  },

  async findById(id: string): Promise<ApiTokenRecord | null> {
    const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  },

  async list(options: { principal?: string; includeRevoked: boolean }): Promise<ApiTokenRecord[]> {
    let query = trx.selectFrom('api_tokens').selectAll();
    if (options.principal !== undefined) query = query.where('principal', '=', options.principal);
    if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  },

  async markRevoked(id: string, at: string): Promise<void> {
    await trx.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
  },

  async markUsed(id: string, at: string): Promise<void> {
    await trx.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },
});

export type TokenStore = ReturnType<typeof createTokenStore>;
