// PostgreSQL connections for Kysely that send each distinct INSERT as a named prepared statement, so the
// server parses and plans it once per connection and then only binds and runs it. Kysely sends every
// statement unnamed, and a multi-row insert is mostly parsing and planning: recording a hundred issued
// certificates (2,900 parameters in one statement) took 35 µs a row unnamed and 19 µs named (measured
// with the credentials table's indexes; docs/benchmarks.md). An insert has one plan whatever its values,
// so a generic plan costs it nothing; reads stay unnamed and keep plans made for their values.
// Statements with RETURNING stay unnamed too: a migration that changed their table would change their
// result type, which PostgreSQL refuses for a prepared statement. Done here because neither pg nor Kysely
// prepares by statement text on its own (pg's named queries take a name per call).
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** How many inserts one connection keeps prepared; the texts past it go unnamed (multi-row inserts of odd sizes differ in text). */
export const preparedInsertsPerConnection = 256;

const isPlainInsert = (text: string): boolean => /^\s*insert\s/i.test(text) && !/\sreturning\s/i.test(text);

/** The pool Kysely draws connections from: `pool`'s clients, each sending its inserts prepared. */
export const poolWithPreparedInserts = (pool: pg.Pool): PostgresPool => {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // Statement names are per connection; so is what this one has prepared.
    const names = new Map<string, string>();
    const nameFor = (text: string): string | undefined => {
      let name = names.get(text);
      if (name === undefined && names.size < preparedInsertsPerConnection && isPlainInsert(text)) {
        name = `trustplane_insert_${names.size + 1}`;
        names.set(text, name);
      }
      return name;
    };
    const query = (statement: string | PostgresCursor<unknown>, parameters: readonly unknown[] = []) => {
      // Kysely hands a cursor only to stream, which Trustplane configures nowhere; pass it on untouched.
      if (typeof statement !== 'string') return client.query(statement as unknown as pg.Submittable);
      const name = nameFor(statement);
      return client.query(name === undefined ? { text: statement, values: [...parameters] } : { name, text: statement, values: [...parameters] }) as Promise<PostgresQueryResult<unknown>>;
    };
    return {
      // pg's Client has it, undocumented (Kysely reads it to cancel a query); its types leave it out.
      processID: (client as pg.PoolClient & { processID?: number }).processID,
      query: query as PostgresPoolClient['query'],
      release: (destroy) => client.release(destroy),
    };
  };
  return {
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let connection = wrapped.get(client);
      if (connection === undefined) {
        connection = wrap(client);
        wrapped.set(client, connection);
      }
      return connection;
    },
  };
};
