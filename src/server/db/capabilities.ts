// What differs between the databases Trustplane runs on, named by capability rather than by dialect,
// so that code asks "can I?" and never "am I PostgreSQL?".
import type { ColumnDefinitionBuilder } from 'kysely';

export type DatabaseCapabilities = {
  /** A label for logs and reports only; never branch on it. */
  readonly label: string;
  /** Makes an integer column the table's auto-incrementing primary key. */
  readonly autoIncrementPrimaryKey: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** How many bound parameters one statement may carry. */
  readonly maxBindParameters: number;
  /** Whether a driver error is a unique or primary-key violation (two writers raced for one key). */
  readonly isUniqueViolation: (error: unknown) => boolean;
  /**
   * Whether `select … for update` locks rows until the transaction ends. PostgreSQL runs transactions at
   * once and needs it where a check and a write must not interleave; SQLite lets one writer in at a time.
   */
  readonly lockRowsForUpdate: boolean;
  /**
   * The name of an aggregate function that counts rows per distinct key in a hash map and returns
   * `[[key, count], …]` as JSON text, where the database's GROUP BY sorts every row instead (SQLite: about
   * a microsecond a row, so a second over a million); null where GROUP BY hashes (PostgreSQL).
   */
  readonly countByKeyFunction: string | null;
  /**
   * Whether many rows can be inserted as one array parameter per column (`select … from unnest($1::text[], …)`):
   * a few parameters to parse and plan instead of one per value (PostgreSQL).
   */
  readonly insertFromArrays: boolean;
  /** The column type of raw octets, read back as a Buffer. */
  readonly binaryColumnType: 'blob' | 'bytea';
};

const errorCode = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

/** The hash-map counting aggregate database.ts registers on every SQLite connection. */
export const sqliteCountByKeyFunction = 'trustplane_count_by';

export const sqliteCapabilities: DatabaseCapabilities = {
  label: 'sqlite',
  autoIncrementPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  maxBindParameters: 32_766,
  isUniqueViolation: (error) => errorCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY' || errorCode(error) === 'SQLITE_CONSTRAINT_UNIQUE',
  lockRowsForUpdate: false,
  countByKeyFunction: sqliteCountByKeyFunction,
  insertFromArrays: false,
  binaryColumnType: 'blob',
};

export const postgresCapabilities: DatabaseCapabilities = {
  label: 'postgresql',
  autoIncrementPrimaryKey: (column) => column.primaryKey().generatedAlwaysAsIdentity(),
  maxBindParameters: 65_535,
  isUniqueViolation: (error) => errorCode(error) === '23505',
  lockRowsForUpdate: true,
  countByKeyFunction: null,
  insertFromArrays: true,
  binaryColumnType: 'bytea',
};
