// PostgreSQL connections for Kysely that send each distinct INSERT as a named prepared statement, so the
// server parses and plans it once per connection and then only binds and runs it. Kysely sends every
// statement unnamed, and a multi-row insert is mostly parsing and planning: recording a hundred issued
// certificates (2,900 parameters in one statement) took 35 µs a row unnamed and 19 µs named (measured
// with the credentials table's indexes; docs/benchmarks.md). An insert has one plan whatever its values,
// so a generic plan costs it nothing; reads stay unnamed and keep plans made for their values.
// Statements with RETURNING stay unnamed too: a migration that changed their table would change their
// result type, which PostgreSQL refuses for a prepared statement. Done here because neither pg nor Kysely
// prepares by statement text on its own (pg's named queries take a name per call).
//
// What a connection keeps is bounded: the server holds each prepared statement's parse and plan (about
// 4 MB for a 1,000-row insert of the credentials table), so only inserts of at most
// `preparedInsertParameters` parameters are named, and at most `preparedInsertsPerConnection` of them, and
// SQL text of at most `preparedInsertBytesPerConnection` in all; past that, inserts run unnamed.
// A prepared statement's parameter types are fixed when it is prepared: a migration that changed a column's
// type would need connections opened before it to be dropped (Trustplane migrates at start-up, before its
// pool serves). If the server no longer has a statement (26000: `DISCARD ALL`, a pooler in transaction
// mode), that call fails and the text is prepared again under a new name next time.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** How many inserts one connection keeps prepared; the texts past it go unnamed (multi-row inserts of odd sizes differ in text). */
export const preparedInsertsPerConnection = 256;
/** The most parameters a named insert has: a hundred rows of the widest table (issued credentials), not an import's thousand. */
export const preparedInsertParameters = 4000;
/** The SQL text one connection keeps prepared, in all (the server's memory for them grows with it). */
export const preparedInsertBytesPerConnection = 2 * 1024 * 1024;

/** PostgreSQL's code for a prepared statement it does not have. */
const unknownStatement = '26000';

const isPlainInsert = (text: string): boolean => /^\s*insert\s/i.test(text) && !/\sreturning\s/i.test(text);

/** The pool Kysely draws connections from: `pool`'s clients, each sending its inserts prepared. */
export const poolWithPreparedInserts = (pool: pg.Pool): PostgresPool => {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // Statement names are per connection; so is what this one has prepared. Names are never reused.
    const names = new Map<string, string>();
    let [made, bytes] = [0, 0];
    const nameFor = (text: string, parameters: number): string | undefined => {
      let name = names.get(text);
      if (name === undefined && names.size < preparedInsertsPerConnection && parameters <= preparedInsertParameters
        && bytes + text.length <= preparedInsertBytesPerConnection && isPlainInsert(text)) {
        made += 1;
        name = `trustplane_insert_${made}`;
        names.set(text, name);
        bytes += text.length;
      }
      return name;
    };
    const query = async (statement: string | PostgresCursor<unknown>, parameters: readonly unknown[] = []) => {
      // Kysely hands a cursor only to stream, which Trustplane configures nowhere; pass it on untouched.
      if (typeof statement !== 'string') return client.query(statement as unknown as pg.Submittable);
      const name = nameFor(statement, parameters.length);
      if (name === undefined) return client.query({ text: statement, values: [...parameters] }) as Promise<PostgresQueryResult<unknown>>;
      try {
        return await (client.query({ name, text: statement, values: [...parameters] }) as Promise<PostgresQueryResult<unknown>>);
      } catch (error) {
        if ((error as { code?: unknown }).code === unknownStatement) {
          names.delete(statement);
          bytes -= statement.length;
        }
        throw error;
      }
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
