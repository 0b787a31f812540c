// Opens the database Trustplane runs on: SQLite in the data directory by default, PostgreSQL when a
// URL is given. Migrations run at start-up; Kysely's migrator holds a lock while they run (an advisory
// lock on PostgreSQL, the single-writer transaction on SQLite), so several nodes can start at once.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { TrustplaneError } from '../../core/errors.ts';
import { postgresCapabilities, sqliteCapabilities, sqliteCountByKeyFunction } from './capabilities.ts';
import type { DatabaseCapabilities } from './capabilities.ts';
import { migrationProvider } from './migrations/index.ts';
import { poolWithPreparedInserts } from './prepared-inserts.ts';
import type { DatabaseSchema } from './schema.ts';

export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/**
 * A named prepared statement (PostgreSQL): planned once per connection, then only executed. Kysely sends
 * every statement unnamed, so PostgreSQL plans it again each time; for a read on the hot path that
 * planning is most of its cost. Reads only, outside any transaction. Absent on SQLite, whose statements
 * the connection already keeps prepared by their text.
 */
export type PreparedRead = <Row>(name: string, text: string, values: readonly unknown[]) => Promise<Row[]>;

export type Database = {
  readonly db: Kysely<DatabaseSchema>;
  readonly capabilities: DatabaseCapabilities;
  readonly location: DatabaseLocation;
  readonly preparedRead?: PreparedRead;
  close(): Promise<void>;
};

export const sqliteFileIn = (dataDir: string): string => join(dataDir, 'trustplane.sqlite');

export const locateDatabase = (dataDir: string, databaseUrl: string | undefined): DatabaseLocation =>
  databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', file: sqliteFileIn(dataDir) };

/** Describes where the database is, with any password in a PostgreSQL URL hidden. */
export const describeLocation = (location: DatabaseLocation): string => {
  if (location.kind === 'sqlite') return `SQLite ${location.file}`;
  try {
    const url = new URL(location.url);
    if (url.password) url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
};

/** How many prepared statements the SQLite connection keeps. */
const statementCacheSize = 500;

/**
 * The connection as Kysely sees it, with prepared statements kept by their SQL: Kysely prepares every
 * query afresh, and on better-sqlite3 preparing costs as much as running a small query (measured: a
 * quarter of an OCSP answer). Statements are reusable once a call returns; nothing here streams, so a
 * statement is never asked to run while it iterates.
 */
const withStatementCache = (connection: SqliteDatabase.Database) => {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = connection.prepare(text);
        if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value as string);
        statements.set(text, statement);
      }
      return statement;
    },
  };
};

/**
 * SQLite groups by sorting; this aggregate counts in a Map instead (DatabaseCapabilities.countByKeyFunction).
 * Over a million rows with a few dozen keys it takes half the time of GROUP BY's sort (measured for
 * posture: 1.7 s against 0.9 s). Keys are compared as JavaScript values: text or numbers.
 */
const registerCountByKey = (connection: SqliteDatabase.Database, name: string): void => {
  connection.aggregate<Map<unknown, number>>(name, {
    deterministic: true,
    start: () => new Map(),
    step: (counts, key: unknown) => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    result: (counts) => JSON.stringify([...counts]),
  });
};

const openSqlite = (file: string): Database => {
  mkdirSync(join(file, '..'), { recursive: true });
  const connection = new SqliteDatabase(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 10000');
  connection.pragma('foreign_keys = ON');
  // A larger page cache (64 MiB) keeps the inventory's indexes in memory during large imports.
  connection.pragma('cache_size = -65536');
  connection.pragma('temp_store = MEMORY');
  registerCountByKey(connection, sqliteCountByKeyFunction);
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return { db, capabilities: sqliteCapabilities, location: { kind: 'sqlite', file }, close: () => db.destroy() };
};

const openPostgres = (url: string): Database => {
  // JIT compilation off for every connection: Trustplane's statements are short, and on its few larger
  // aggregates (posture) compiling took longer than running (measured: +0.4 to 1 s a query at 1M rows).
  const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c jit=off' });
  // An idle client whose connection drops (the server restarts, a network blip) emits 'error' on the
  // pool; unheard, that would end the process. The pool drops that client and connects anew when asked.
  pool.on('error', () => undefined);
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: poolWithPreparedInserts(pool) }) });
  const preparedRead: PreparedRead = async <Row>(name: string, text: string, values: readonly unknown[]) =>
    (await pool.query({ name, text, values: [...values] })).rows as Row[];
  return { db, capabilities: postgresCapabilities, location: { kind: 'postgres', url }, preparedRead, close: () => db.destroy() };
};

export const openDatabase = async (location: DatabaseLocation): Promise<Database> => {
  const database = location.kind === 'sqlite' ? openSqlite(location.file) : openPostgres(location.url);
  try {
    await sql`select 1`.execute(database.db);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new TrustplaneError('NOT_READY', `cannot reach the database (${describeLocation(location)}): ${(error as Error).message}`);
  }
  return database;
};

export const migrateToLatest = async (database: Database): Promise<string[]> => {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.capabilities) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new TrustplaneError('INTERNAL', `database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
};
