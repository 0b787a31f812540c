// Runs the real `trustplane` command line as a separate process, as a user would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from './databases.ts';

export const cliPath = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export type CliResult = { code: number | null; stdout: string; stderr: string };

export const runCli = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** Starts `trustplane serve` on a free port and resolves with its URL once it listens; `stderr` is what it has written there so far. */
export const startCliServer = (dataDir: string, env: NodeJS.ProcessEnv, port = 0): Promise<{ url: string; process: ChildProcess; stderr(): string; stop(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--data-dir', dataDir, '--port', String(port), '--log-level', 'silent'], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stderr = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving at (http:\/\/\S+?) /.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve({
          url: match[1] as string,
          process: child,
          stderr: () => stderr,
          stop: () => new Promise((done) => {
            child.on('close', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stderr += chunk.toString();
    });
    child.on('close', (code) => reject(new Error(`trustplane serve exited with ${code}: ${output}`)));
  });

/**
 * Commands run as people, each with their own token: `as` returns what the CLI did; `json` adds --json,
 * expects success, and parses what it printed.
 */
export const personaCommands = <Person extends string>(env: () => NodeJS.ProcessEnv, tokens: ReadonlyMap<Person, string>) => {
  const as = (person: Person, args: readonly string[]): Promise<CliResult> => runCli(args, { ...env(), TRUSTPLANE_TOKEN: tokens.get(person) });
  const json = async (person: Person, args: readonly string[]) => {
    const result = await as(person, [...args, '--json']);
    if (result.code !== 0) throw new Error(`${args.join(' ')} exited with ${result.code}: ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout);
  };
  return { as, json };
};

/** One full token per person, made with the (bootstrap) token in `env`. */
export const fullTokensFor = async <Person extends string>(people: readonly Person[], env: NodeJS.ProcessEnv): Promise<Map<Person, string>> => {
  const tokens = new Map<Person, string>();
  for (const person of people) {
    const created = await runCli(['tokens', 'create', '--for', `person:${person}`, '--scope', 'full', '--json'], env);
    if (created.code !== 0) throw new Error(`a token for ${person} could not be made: ${created.stderr}`);
    tokens.set(person, (JSON.parse(created.stdout) as { token: string }).token);
  }
  return tokens;
};

/** A port nothing listens on now, for a server whose URL must be known before it starts (certificates carry it). */
export const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const probe = createServer();
  probe.on('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    probe.close(() => resolve(port));
  });
});

/** The environment that points `trustplane` at a test database: its PostgreSQL URL, or none for SQLite. */
export const databaseEnvFor = (location: { kind: string; url?: string }): NodeJS.ProcessEnv =>
  (location.kind === 'postgres' ? { TRUSTPLANE_DATABASE_URL: location.url } : { TRUSTPLANE_DATABASE_URL: '' });

/** `trustplane init` in dataDir; resolves with the bootstrap token. */
export const initDataDir = async (dataDir: string, databaseEnv: NodeJS.ProcessEnv): Promise<string> => {
  const init = await runCli(['init', '--data-dir', dataDir, '--json'], databaseEnv);
  if (init.code !== 0) throw new Error(`trustplane init failed: ${init.stderr}`);
  return (JSON.parse(init.stdout) as { token: string }).token;
};

/**
 * An empty test database and a data directory that `trustplane init` made for it, as an operator starts:
 * the environment that points the CLI at the database, the data directory, a directory beside it for
 * the test's own files, the bootstrap token, and `drop` to remove them all.
 */
export const initialisedDataDir = async (target: DatabaseTarget): Promise<{ databaseEnv: NodeJS.ProcessEnv; dataDir: string; scratchDir: string; token: string; drop(): Promise<void> }> => {
  const empty = await target.createEmpty();
  const databaseEnv = databaseEnvFor(empty.location);
  const dataDir = join(empty.dataDir, 'data');
  const token = await initDataDir(dataDir, databaseEnv);
  return { databaseEnv, dataDir, scratchDir: empty.dataDir, token, drop: () => empty.drop() };
};

