// Runs a command's action and turns failures into a clear message and a non-zero exit code:
// the problem's code and detail, then each precise error on its own line. Never a stack trace,
// unless TRUSTPLANE_DEBUG is set.
import type { Command } from 'commander';
import { errorCatalog, isTrustplaneError } from '../core/errors.ts';
import { ApiError } from './api-client.ts';
import type { ProblemResponse } from './api-client.ts';
import { contextOf } from './context.ts';
import type { CommandContext } from './context.ts';

const problemOf = (error: unknown): ProblemResponse | null => {
  if (error instanceof ApiError) return error.problem;
  if (isTrustplaneError(error)) {
    return { code: error.code, title: errorCatalog[error.code].title, status: errorCatalog[error.code].status, detail: error.message, ...(error.details.length > 0 ? { errors: [...error.details] } : {}) };
  }
  return null;
};

export const reportFailure = (error: unknown, json: boolean): void => {
  const problem = problemOf(error);
  if (problem === null) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (process.env.TRUSTPLANE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
    return;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: problem }, null, 2)}\n`);
  } else {
    process.stderr.write(`error [${problem.code}]: ${problem.detail}\n`);
    for (const line of problem.errors ?? []) process.stderr.write(`  ${line}\n`);
  }
  process.exitCode = 1;
};

/** Wraps a command action: `action(context, ...args)`; the last commander argument is the Command. */
export const action = <A extends unknown[]>(body: (context: CommandContext, ...args: A) => Promise<void>) =>
  async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const context = contextOf(command);
    try {
      await body(context, ...(args.slice(0, -1) as A));
    } catch (error) {
      reportFailure(error, context.output.json);
    }
  };
