// Tests that run real `trustplane` processes: they keep track of what they start, so that `after` can end
// what a failing test left running, and wait on what those processes do by polling.
import type { ChildProcess } from 'node:child_process';
import { startCliServer } from './cli-runner.ts';

export type Served = Awaited<ReturnType<typeof startCliServer>>;

export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** SIGKILL, as a crash or the OOM killer would end it: no clean-up of any kind. Resolves once it is gone. */
export const killHard = (child: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (!isRunning(child)) return resolve();
  child.once('close', () => resolve());
  child.kill('SIGKILL');
});

/** The processes one test file starts: `serve` and `track` add to them, `killAll` ends them all. */
export const trackedProcesses = () => {
  const children = new Set<ChildProcess>();
  return {
    track: (child: ChildProcess): void => { children.add(child); },
    serve: async (dataDir: string, env: NodeJS.ProcessEnv, port?: number): Promise<Served> => {
      const server = await startCliServer(dataDir, env, port);
      children.add(server.process);
      return server;
    },
    killAll: async (): Promise<void> => {
      await Promise.all([...children].map(killHard));
      children.clear();
    },
  };
};

/** Polls `probe` until it returns a value; fails naming what it waited for (and what it last saw). */
export const waitFor = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, seen: () => string = () => ''): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}${seen() === '' ? '' : `; last saw ${seen()}`}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
