// Secret versions: one sealed value per credential (a rotation makes a new credential with the next
// version). A version is active, in overlap after a rotation (still valid until expires_at, so consumers
// can move over), or destroyed (the sealed value gone). Every state change is a compare-and-set on the
// row's state, so two requests racing (two reveals, a sweep and a revocation) cannot both win.
import type { Transaction } from 'kysely';
import { TrustplaneError } from '../../core/errors.ts';
import type { DatabaseSchema, SecretVersionTable } from '../db/schema.ts';

export const secretVersionStatuses = ['active', 'overlap', 'destroyed'] as const;
export type SecretVersionStatus = (typeof secretVersionStatuses)[number];

export type SecretVersionRecord = {
  credentialId: string;
  version: number;
  /** The sealed value as stored (JSON text of a SealedValue); null once destroyed. */
  sealed: string | null;
  status: SecretVersionStatus;
  createdAt: string;
  /** When an overlapping version ends (or, for an active one, when the credential's lifetime does). */
  expiresAt: string | null;
  changeId: string | null;
  /** Who may reveal it, once: the requester and executor of the change that made it. */
  revealTo: string[];
  revealedAt: string | null;
  revealedBy: string | null;
  destroyedAt: string | null;
};

/** What the sealed value of a version is bound to: a sealed value copied into another row does not open. */
export const secretAad = (credentialId: string, version: number): string => `secret:${credentialId}:${version}`;

const statusOf = (row: SecretVersionTable): SecretVersionStatus => {
  const status = secretVersionStatuses.find((known) => known === row.status);
  if (status === undefined) throw new TrustplaneError('INTERNAL', `secret version ${row.version} of credential ${row.credential_id} has an unknown status "${row.status.slice(0, 40)}"; the row was altered outside Trustplane`);
  return status;
};

const revealToOf = (text: string | null): string[] => {
  if (text === null) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : [];
};

const toRecord = (row: SecretVersionTable): SecretVersionRecord => ({
  credentialId: row.credential_id,
  version: Number(row.version),
  sealed: row.sealed,
  status: statusOf(row),
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  changeId: row.change_id,
  revealTo: revealToOf(row.reveal_to),
  revealedAt: row.revealed_at,
  revealedBy: row.revealed_by,
  destroyedAt: row.destroyed_at,
});

export const createSecretStore = (trx: Transaction<DatabaseSchema>) => ({
  async insert(record: SecretVersionRecord): Promise<void> {
    await trx.insertInto('secret_versions').values({
      credential_id: record.credentialId,
      version: record.version,
      sealed: record.sealed,
      status: record.status,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      change_id: record.changeId,
      reveal_to: JSON.stringify([...new Set(record.revealTo)]),
      revealed_at: record.revealedAt,
      revealed_by: record.revealedBy,
      destroyed_at: record.destroyedAt,
    }).execute();
  },

  /** The credential's latest version, or null when the store holds no value for it. */
  async current(credentialId: string): Promise<SecretVersionRecord | null> {
    const row = await trx.selectFrom('secret_versions').selectAll()
      .where('credential_id', '=', credentialId).orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  },

  /** Every version of the credential, oldest first. */
  async versions(credentialId: string): Promise<SecretVersionRecord[]> {
    const rows = await trx.selectFrom('secret_versions').selectAll()
      .where('credential_id', '=', credentialId).orderBy('version').execute();
    return rows.map(toRecord);
  },

  /**
   * Whether the store holds a version (in any state) of any of these credentials of these kinds. The kinds
   * matter: the built-in CA keeps the private keys it generates here too, yet executes their certificates' changes.
   */
  async holdsAny(credentialIds: readonly string[], kinds: readonly string[]): Promise<boolean> {
    if (credentialIds.length === 0 || kinds.length === 0) return false;
    const row = await trx.selectFrom('secret_versions')
      .innerJoin('credentials', 'credentials.id', 'secret_versions.credential_id')
      .select('secret_versions.credential_id')
      .where('secret_versions.credential_id', 'in', [...credentialIds]).where('credentials.kind', 'in', [...kinds])
      .limit(1).executeTakeFirst();
    return row !== undefined;
  },

  /** Records the one reveal; false when the version was revealed or destroyed meanwhile. */
  async markRevealed(credentialId: string, version: number, by: string, at: string): Promise<boolean> {
    const result = await trx.updateTable('secret_versions').set({ revealed_at: at, revealed_by: by })
      .where('credential_id', '=', credentialId).where('version', '=', version)
      .where('revealed_at', 'is', null).where('sealed', 'is not', null).where('status', '!=', 'destroyed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** An active version stays valid until `until` after a rotation; false when it is no longer active. */
  async startOverlap(credentialId: string, version: number, until: string): Promise<boolean> {
    const result = await trx.updateTable('secret_versions').set({ status: 'overlap', expires_at: until })
      .where('credential_id', '=', credentialId).where('version', '=', version).where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** Destroys the value of a version in one of the states given; false when it was in none of them. */
  async destroy(credentialId: string, version: number, at: string, from: readonly Exclude<SecretVersionStatus, 'destroyed'>[]): Promise<boolean> {
    if (from.length === 0) return false;
    const result = await trx.updateTable('secret_versions').set({ sealed: null, status: 'destroyed', destroyed_at: at })
      .where('credential_id', '=', credentialId).where('version', '=', version).where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** Overlapping versions whose overlap has ended by `now`, earliest first. */
  async dueOverlaps(now: string, limit: number): Promise<SecretVersionRecord[]> {
    const rows = await trx.selectFrom('secret_versions').selectAll()
      .where('status', '=', 'overlap').where('expires_at', '<=', now)
      .orderBy('expires_at').orderBy('credential_id').limit(limit).execute();
    return rows.map(toRecord);
  },

  /** Every version that still holds a sealed value (for re-wrapping under a new master key). */
  async sealedVersions(): Promise<{ credentialId: string; version: number; sealed: string }[]> {
    const rows = await trx.selectFrom('secret_versions').select(['credential_id', 'version', 'sealed']).where('sealed', 'is not', null).orderBy('credential_id').orderBy('version').execute();
    return rows.map((row) => ({ credentialId: row.credential_id, version: Number(row.version), sealed: row.sealed as string }));
  },

  async replaceSealed(credentialId: string, version: number, sealed: string): Promise<void> {
    await trx.updateTable('secret_versions').set({ sealed }).where('credential_id', '=', credentialId).where('version', '=', version).where('sealed', 'is not', null).execute();
  },
});

export type SecretStore = ReturnType<typeof createSecretStore>;
