// Every store and service test runs on both databases Trustplane supports: SQLite in a temporary
// directory, and a fresh PostgreSQL database created for the test file and dropped after it.
// PostgreSQL is reached at TRUSTPLANE_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust auth).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/server/db/database.ts';
import type { Database, DatabaseLocation } from '../../src/server/db/database.ts';

export const adminPostgresUrl = process.env.TRUSTPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = {
  readonly database: Database;
  readonly location: DatabaseLocation;
  /** A data directory for files the server keeps beside its database. */
  readonly dataDir: string;
  destroy(): Promise<void>;
};

export type DatabaseTarget = {
  readonly name: 'sqlite' | 'postgresql';
  /** Creates an empty, migrated database. */
  create(): Promise<TestDatabase>;
  /** Creates an empty database without opening it (for tests that start servers themselves). */
  createEmpty(): Promise<{ location: DatabaseLocation; dataDir: string; drop(): Promise<void> }>;
};

const withAdminClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: adminPostgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

const createEmptySqlite = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustplane-test-'));
  return {
    location: { kind: 'sqlite', file: join(dataDir, 'trustplane.sqlite') } as DatabaseLocation,
    dataDir,
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
};

const createEmptyPostgres = async () => {
  const name = `trustplane_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  const url = new URL(adminPostgresUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'trustplane-test-'));
  return {
    location: { kind: 'postgres', url: url.toString() } as DatabaseLocation,
    dataDir,
    drop: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
};

const targetFor = (name: DatabaseTarget['name'], createEmpty: DatabaseTarget['createEmpty']): DatabaseTarget => ({
  name,
  createEmpty,
  async create() {
    const empty = await createEmpty();
    const database = await openDatabase(empty.location);
    await migrateToLatest(database);
    return {
      database,
      location: empty.location,
      dataDir: empty.dataDir,
      destroy: async () => {
        await database.close();
        await empty.drop();
      },
    };
  },
});

export const databaseTargets: readonly DatabaseTarget[] = [
  targetFor('sqlite', createEmptySqlite),
  targetFor('postgresql', createEmptyPostgres),
];
