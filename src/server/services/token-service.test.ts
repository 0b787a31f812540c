import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { TrustplaneError } from '../../core/errors.ts';
import { createUnitOfWork } from '../db/unit-of-work.ts';
import { fixedClock, secureRandom } from '../platform.ts';
import { createTokenService, hashToken } from './token-service.ts';

const day = 86_400_000;

const rejectsWith = async (promise: Promise<unknown>, code: string, pattern: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TrustplaneError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
};

for (const target of databaseTargets) {
  describe(`token service on ${target.name}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await target.create();
      const unitOfWork = createUnitOfWork(database.database);
      await unitOfWork((tx) => tx.governance.replaceAll(
        { version: 1, appliedAt: '2026-11-01T00:00:00.000Z', appliedBy: 'test', documentSha256: '0'.repeat(64), summary: {} },
        [
          { kind: 'organization', id: 'acme', spec: { id: 'acme', name: 'Acme' }, position: 0, version: 1 },
          { kind: 'people', id: 'carol', spec: { id: 'carol', org: 'acme' }, position: 0, version: 1 },
          { kind: 'people', id: 'gina', spec: { id: 'gina', org: 'globex' }, position: 1, version: 1 },
          { kind: 'agents', id: 'helper', spec: { id: 'helper', org: 'acme', owner: 'person:carol' }, position: 0, version: 1 },
        ],
      ));
    });
    after(() => database.destroy());

    test('a token is shown once, stored hashed, and authenticates its principal until it expires', async () => {
      const clock = fixedClock(new Date('2026-11-22T12:00:00Z'));
      const tokens = createTokenService({ unitOfWork: createUnitOfWork(database.database), clock, random: secureRandom });
      const { token, record } = await tokens.create({ principal: 'person:carol', scope: 'read-only', name: 'laptop', expiresInMs: 7 * day, actor: 'system:bootstrap' });
      assert.match(token, /^tpat_[A-Za-z0-9_-]{43}$/);
      const stored = await database.database.db.selectFrom('api_tokens').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
      assert.equal(stored.token_hash, hashToken(token));
      assert.ok(!JSON.stringify(stored).includes(token.slice(5)), 'the token itself is not stored');
      const principal = await tokens.authenticate(token);
      assert.deepEqual({ ref: principal.ref, scope: principal.scope }, { ref: 'person:carol', scope: 'read-only' });
      clock.advance(7 * day);
      await rejectsWith(tokens.authenticate(token), 'TOKEN_EXPIRED', /expired at/);
    });

    test('a revoked token is refused at once, and the revocation is audited', async () => {
      const clock = fixedClock(new Date('2026-11-22T12:00:00Z'));
      const tokens = createTokenService({ unitOfWork: createUnitOfWork(database.database), clock, random: secureRandom });
      const { token, record } = await tokens.create({ principal: 'person:carol', scope: 'full', name: 'ci', expiresInMs: day, actor: 'system:bootstrap' });
      await tokens.revoke(record.id, 'person:carol');
      await rejectsWith(tokens.authenticate(token), 'TOKEN_REVOKED', /was revoked/);
      const audit = await database.database.db.selectFrom('audit_events').selectAll().where('target', '=', `token:${record.id}`).orderBy('seq').execute();
      assert.deepEqual(audit.map((event) => event.action), ['token.create', 'token.revoke']);
      assert.ok(audit.every((event) => !event.details.includes(token.slice(5))), 'the audit log never holds the token');
    });

    test('a token stops working when its principal leaves governance', async () => {
      const unitOfWork = createUnitOfWork(database.database);
      const tokens = createTokenService({ unitOfWork, clock: fixedClock(new Date('2026-11-22T12:00:00Z')), random: secureRandom });
      const { token } = await tokens.create({ principal: 'person:gina', scope: 'full', name: 'x', expiresInMs: day, actor: 'a' });
      assert.equal((await tokens.authenticate(token)).ref, 'person:gina');
      await unitOfWork(async (tx) => {
        const rows = (await tx.governance.listEntities()).filter((row) => row.id !== 'gina');
        await tx.governance.replaceAll({ version: 2, appliedAt: '2026-11-22T12:00:00.000Z', appliedBy: 'test', documentSha256: '1'.repeat(64), summary: {} }, rows);
      });
      await rejectsWith(tokens.authenticate(token), 'UNAUTHENTICATED', /person:gina, who is no longer declared/);
    });

    test('refuses undeclared principals, bad forms and over-long lifetimes, and stores nothing', async () => {
      const tokens = createTokenService({ unitOfWork: createUnitOfWork(database.database), clock: fixedClock(new Date('2026-11-22T12:00:00Z')), random: secureRandom });
      const before = await tokens.list({ includeRevoked: true });
      await rejectsWith(tokens.create({ principal: 'person:zed', scope: 'read-only', name: 'x', expiresInMs: day, actor: 'a' }), 'VALIDATION_FAILED', /person "zed" is not declared/);
      await rejectsWith(tokens.create({ principal: 'carol', scope: 'read-only', name: 'x', expiresInMs: day, actor: 'a' }), 'VALIDATION_FAILED', /person:ID or service-account:ID/);
      await rejectsWith(tokens.create({ principal: 'person:carol', scope: 'read-only', name: 'x', expiresInMs: 400 * day, actor: 'a' }), 'VALIDATION_FAILED', /366 days/);
      await rejectsWith(tokens.authenticate('tpat_unknown'), 'UNAUTHENTICATED', /not known/);
      assert.equal((await tokens.list({ includeRevoked: true })).length, before.length);
    });
  });
}
