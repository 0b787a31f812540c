import type { Command } from 'commander';
import { action } from '../run-command.ts';

type TokenRecord = { id: string; name: string; principal: string; scope: string; createdAt: string; expiresAt: string; revokedAt: string | null; lastUsedAt: string | null };

export const registerTokenCommands = (program: Command): void => {
  const tokens = program.command('tokens').description('API tokens: create, list, revoke');

  tokens.command('create')
    .description('create an API token for a person or service account (shown once)')
    .requiredOption('--for <principal>', 'person:ID or service-account:ID')
    .option('--scope <scope>', 'full (everything governance lets the principal do) or read-only', 'read-only')
    .option('--name <name>', 'a label to recognise the token by', 'api token')
    .option('--expires-in <duration>', 'lifetime, at most 366d', '90d')
    .action(action(async ({ client, output }, options: { for: string; scope: string; name: string; expiresIn: string }) => {
      const created = await client().post<{ token: string; record: TokenRecord }>('/api/v1/tokens', {
        principal: options.for, scope: options.scope, name: options.name, expiresIn: options.expiresIn,
      });
      output.result(created, () => {
        output.line(`Created token ${created.record.id} for ${created.record.principal} (${created.record.scope}), expiring ${created.record.expiresAt}.`);
        output.line('The token is shown once; store it now:');
        output.line(created.token);
      });
    }));

  tokens.command('list')
    .description('list API tokens (never their values)')
    .option('--for <principal>', 'only the tokens of this principal')
    .option('--all', 'include revoked tokens')
    .action(action(async ({ client, output }, options: { for?: string; all?: boolean }) => {
      const { items } = await client().get<{ items: TokenRecord[] }>('/api/v1/tokens', { principal: options.for, includeRevoked: options.all === true });
      output.result({ items }, () => {
        if (items.length === 0) return output.line('No tokens.');
        output.table(items.map((token) => [
          token.id, token.principal, token.scope, token.name, token.expiresAt.slice(0, 10), token.revokedAt === null ? 'active' : `revoked ${token.revokedAt.slice(0, 10)}`, token.lastUsedAt?.slice(0, 16) ?? 'never',
        ]), ['ID', 'PRINCIPAL', 'ROLE', 'NAME', 'EXPIRES', 'STATE', 'LAST USED']);
      });
    }));

  tokens.command('revoke')
    .description('revoke an API token at once')
    .argument('<id>', 'the token id (tok_…)')
    .action(action(async ({ client, output }, id: string) => {
      const record = await client().post<TokenRecord>(`/api/v1/tokens/${encodeURIComponent(id)}/revoke`, {});
      output.result(record, () => output.line(`Revoked token ${record.id} of ${record.principal} at ${record.revokedAt}.`));
    }));
};
