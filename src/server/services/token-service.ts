// API tokens: 256-bit random, shown once at creation, stored as their SHA-256, tied to one principal,
// expiring, revocable. Creating and revoking a token are audited; the token itself never is.
import { createHash } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { parsePrincipalRef, principalEntityKind } from '../auth/principal.ts';
import type { Principal, TokenScope } from '../auth/principal.ts';
import type { UnitOfWork, UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { ApiTokenRecord } from '../stores/token-store.ts';
import { randomId } from '../platform.ts';
import type { Clock, RandomSource } from '../platform.ts';

export const tokenPrefix = 'tpat_';
export const maxTokenLifetimeMs = 366 * 86_400_000;
const lastUsedResolutionMs = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A token about to be made (or already made), as authorization sees it: for whom, that principal's owner, its scope. */
export type TokenGrant = { type: 'token'; principal: string; owner: string | null; readOnly: boolean };

/**
 * Whether the governance in force still lets `minter` make `grant`: a token made under a policy that no
 * longer allows it stops working (the owner of a service account changed, an administrator was removed).
 * Null when no governance is applied yet (only `init`'s bootstrap tokens exist then).
 */
export type MintingCheck = (tx: UnitOfWorkContext, minter: string, grant: TokenGrant) => Promise<{ allowed: boolean; reason: string; version: number } | null>;

export type TokenServiceDeps = { unitOfWork: UnitOfWork; clock: Clock; random: RandomSource; mintingAllowed?: MintingCheck };

export type CreateTokenInput = {
  principal: string;
  scope: TokenScope;
  name: string;
  expiresInMs: number;
  actor: string;
  requestId?: string;
};

export const createTokenService = ({ unitOfWork, clock, random, mintingAllowed }: TokenServiceDeps) => {
  // Tokens found still allowed, by governance version: one Cedar decision per token and version.
  const stillAllowed = new Map<string, number>();

  const grantIn = async (tx: UnitOfWorkContext, principal: string, scope: TokenScope): Promise<TokenGrant> => {
    const ref = parsePrincipalRef(principal);
    const entityKind = ref === null ? null : principalEntityKind(ref.kind);
    const declared = ref === null || entityKind === null ? null : await tx.governance.findEntity(entityKind, ref.id);
    const owner = (declared?.spec as { owner?: unknown } | undefined)?.owner;
    return { type: 'token', principal, owner: typeof owner === 'string' ? owner : null, readOnly: scope === 'read-only' };
  };

  const issue = async (input: CreateTokenInput, checkPrincipal: boolean): Promise<{ token: string; record: ApiTokenRecord }> => {
    const ref = parsePrincipalRef(input.principal);
    if (ref === null) {
      throw new TrustplaneError('VALIDATION_FAILED', `principal "${input.principal.slice(0, 80)}" is not of the form person:ID or service-account:ID`);
    }
    if (input.expiresInMs <= 0 || input.expiresInMs > maxTokenLifetimeMs) {
      throw new TrustplaneError('VALIDATION_FAILED', 'a token must expire within 366 days; pass a shorter --expires-in');
    }
    const now = clock.now();
    const token = `${tokenPrefix}${random.bytes(32).toString('base64url')}`;
    const record: ApiTokenRecord = {
      id: randomId(random, 'tok'),
      name: input.name,
      principal: `${ref.kind}:${ref.id}`,
      scope: input.scope,
      createdAt: now.toISOString(),
      createdBy: input.actor,
      expiresAt: new Date(now.getTime() + input.expiresInMs).toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    };
    await unitOfWork(async (tx) => {
      if (checkPrincipal) {
        const entityKind = principalEntityKind(ref.kind);
        const declared = entityKind === null ? null : await tx.governance.findEntity(entityKind, ref.id);
        if (declared === null) {
          throw new TrustplaneError('VALIDATION_FAILED', `${ref.kind} "${ref.id}" is not declared in governance; tokens are for declared people, service accounts and agents`);
        }
      }
      await tx.tokens.insert(record, hashToken(token));
      await tx.audit.append({
        at: now, actor: input.actor, action: 'token.create', target: `token:${record.id}`,
        ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
        details: { principal: record.principal, scope: record.scope, name: record.name, expiresAt: record.expiresAt },
      });
    });
    return { token, record };
  };

  return {
    create: (input: CreateTokenInput) => issue(input, true),

    /** The token about to be created, as authorization sees it: for whom, that principal's owner, its scope. */
    grantFor: (principal: string, scope: TokenScope): Promise<TokenGrant> => unitOfWork((tx) => grantIn(tx, principal, scope)),

    /** The first administrator token, made by `init` before any governance exists. */
    createBootstrap: (input: Omit<CreateTokenInput, 'principal' | 'scope'>) => issue({ ...input, principal: 'system:bootstrap', scope: 'full' }, false),

    async authenticate(token: string): Promise<Principal> {
      const now = clock.now();
      const { record, declared, minting } = await unitOfWork(async (tx) => {
        const found = await tx.tokens.findByHash(hashToken(token));
        if (found === null || found.revokedAt !== null || found.expiresAt <= now.toISOString()) return { record: found, declared: false, minting: null };
        // A token is only as good as its principal: someone removed from governance is no longer let in.
        const ref = parsePrincipalRef(found.principal);
        const entityKind = ref === null ? null : principalEntityKind(ref.kind);
        const stillDeclared = ref !== null && (entityKind === null || await tx.governance.findEntity(entityKind, ref.id) !== null);
        // ...and only as good as the policy it was made under. `init`'s bootstrap token was made before any
        // governance, under no one's right.
        const version = (await tx.governance.currentVersion())?.version ?? null;
        const minting = !stillDeclared || mintingAllowed === undefined || version === null || found.createdBy === 'system:init' || stillAllowed.get(found.id) === version
          ? null
          : await mintingAllowed(tx, found.createdBy, await grantIn(tx, found.principal, found.scope === 'full' ? 'full' : 'read-only'));
        if (stillDeclared && minting?.allowed !== false && (found.lastUsedAt === null || now.getTime() - Date.parse(found.lastUsedAt) > lastUsedResolutionMs)) {
          await tx.tokens.markUsed(found.id, now.toISOString());
        }
        return { record: found, declared: stillDeclared, minting };
      });
      if (record === null) throw new TrustplaneError('UNAUTHENTICATED', 'the bearer token is not known; create one with `trustplane tokens create`');
      if (record.revokedAt !== null) throw new TrustplaneError('TOKEN_REVOKED', `token ${record.id} was revoked at ${record.revokedAt}`);
      if (record.expiresAt <= now.toISOString()) throw new TrustplaneError('TOKEN_EXPIRED', `token ${record.id} expired at ${record.expiresAt}`);
      const ref = parsePrincipalRef(record.principal);
      if (ref === null) throw new TrustplaneError('INTERNAL', `token ${record.id} names an unreadable principal`);
      if (!declared) throw new TrustplaneError('UNAUTHENTICATED', `token ${record.id} belongs to ${record.principal}, who is no longer declared in governance`);
      if (minting !== null) {
        if (!minting.allowed) {
          stillAllowed.delete(record.id);
          throw new TrustplaneError('UNAUTHENTICATED', `token ${record.id} was made by ${record.createdBy}, whom governance version ${minting.version} no longer allows to make it (${minting.reason.replace(/^denied: /, '')}); ask for a new token`);
        }
        if (stillAllowed.size > 100_000) stillAllowed.clear();
        stillAllowed.set(record.id, minting.version);
      }
      return { ...ref, ref: record.principal, scope: record.scope === 'full' ? 'full' : 'read-only', tokenId: record.id };
    },

    list: (options: { principal?: string; includeRevoked: boolean }) => unitOfWork((tx) => tx.tokens.list(options)),

    async revoke(id: string, actor: string, requestId?: string): Promise<ApiTokenRecord> {
      const now = clock.now();
      return unitOfWork(async (tx) => {
        const record = await tx.tokens.findById(id);
        if (record === null) throw new TrustplaneError('NOT_FOUND', `token "${id.slice(0, 80)}" does not exist`);
        if (record.revokedAt !== null) return record;
        await tx.tokens.markRevoked(id, now.toISOString());
        await tx.audit.append({
          at: now, actor, action: 'token.revoke', target: `token:${id}`,
          ...(requestId === undefined ? {} : { requestId }),
          details: { principal: record.principal },
        });
        return { ...record, revokedAt: now.toISOString() };
      });
    },
  };
};

export type TokenService = ReturnType<typeof createTokenService>;
