// What every command receives: where the API is, the token, and how to print.
import type { Command } from 'commander';
import { createApiClient } from './api-client.ts';
import type { ApiClient } from './api-client.ts';
import { createOutput } from './output.ts';
import type { Output } from './output.ts';

export type GlobalOptions = { json?: boolean; url?: string; token?: string };

export const defaultApiUrl = 'http://127.0.0.1:8470';

export type CommandContext = { output: Output; client: () => ApiClient; options: GlobalOptions };

export const contextOf = (command: Command): CommandContext => {
  const options = command.optsWithGlobals<GlobalOptions>();
  const json = options.json === true;
  return {
    options,
    output: createOutput(json),
    client: () => createApiClient({
      url: options.url ?? process.env.TRUSTPLANE_URL ?? defaultApiUrl,
      token: options.token ?? process.env.TRUSTPLANE_TOKEN,
    }),
  };
};
