import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodes } from '../../src/core/errors.ts';
import { databaseTargets } from '../support/databases.ts';
import { bearer, startServerFixture } from '../support/server-fixture.ts';
import type { ServerFixture } from '../support/server-fixture.ts';

for (const target of databaseTargets) {
  describe(`API surface on ${target.name}`, () => {
    let server: ServerFixture;
    before(async () => { server = await startServerFixture(target, { governance: true }); });
    after(() => server.close());

    test('health and readiness answer without a token', async () => {
      assert.deepEqual((await server.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
      assert.deepEqual((await server.app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
    });

    test('the OpenAPI document describes every /api/v1 route with the bearer scheme', async () => {
      const document = (await server.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      assert.equal(document.openapi, '3.1.0');
      for (const path of ['/api/v1/credentials', '/api/v1/credentials/import', '/api/v1/credentials/{id}', '/api/v1/governance/apply', '/api/v1/tokens', '/api/v1/classes/{id}', '/api/v1/people']) {
        assert.ok(document.paths[path], `${path} is documented`);
      }
      assert.equal(document.components.securitySchemes.bearer.scheme, 'bearer');
      const listParameters = document.paths['/api/v1/credentials'].get.parameters.map((parameter: { name: string }) => parameter.name);
      assert.ok(listParameters.includes('expiringWithin') && listParameters.includes('owner'));
    });

    test('no token, a bad header, or an unknown token is refused as problem+json', async () => {
      for (const headers of [{}, { authorization: 'Basic abc' }, bearer('tpat_nobody_has_this_token')]) {
        const response = await server.app.inject({ method: 'GET', url: '/api/v1/credentials', headers });
        assert.equal(response.statusCode, 401);
        assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
        assert.equal(response.json().code, 'UNAUTHENTICATED');
        assert.ok(errorCodes.includes(response.json().code));
      }
    });

    test('no spelling of a URL reaches a route without a token, and an anonymous body is never read', async () => {
      for (const url of ['/%61pi/v1/tokens', '/api/v1/%74okens', '/api//v1/tokens', '/API/v1/tokens']) {
        const response = await server.app.inject({ method: 'GET', url });
        assert.ok([401, 404].includes(response.statusCode), `${url} answered ${response.statusCode}`);
        assert.doesNotMatch(response.body, /tok_/);
      }
      const anonymous = await server.app.inject({ method: 'POST', url: '/api/v1/governance/apply', payload: { bogus: 1 } });
      assert.equal(anonymous.statusCode, 401, 'authentication comes before validation');
      assert.equal(anonymous.json().code, 'UNAUTHENTICATED');
    });

    test('a reader may read but not administer', async () => {
      assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(server.readerToken) })).statusCode, 200);
      const refused = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(server.readerToken), payload: { principal: 'person:frank' } });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'FORBIDDEN');
      assert.match(refused.json().detail, /read-only token only reads/);
    });

    test('tokens: created for a declared principal, listed without values, revoked at once', async () => {
      const created = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(server.adminToken), payload: { principal: 'service-account:ci-deployer', scope: 'read-only', expiresIn: '7d' } });
      assert.equal(created.statusCode, 201);
      const { token, record } = created.json();
      const listed = await server.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(server.adminToken) });
      assert.ok(!listed.body.includes(token), 'a token value never appears in a listing');
      assert.ok(listed.json().items.some((item: { id: string }) => item.id === record.id));
      assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(token) })).statusCode, 200);
      await server.app.inject({ method: 'POST', url: `/api/v1/tokens/${record.id}/revoke`, headers: bearer(server.adminToken) });
      const after = await server.app.inject({ method: 'GET', url: '/api/v1/classes', headers: bearer(token) });
      assert.equal(after.json().code, 'TOKEN_REVOKED');
      const undeclared = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(server.adminToken), payload: { principal: 'person:zed' } });
      assert.equal(undeclared.statusCode, 400);
      assert.match(undeclared.json().detail, /person "zed" is not declared/);
    });

    test('a full token is made by its principal or the owner of a service account; administrators make read-only ones', async () => {
      const token = async (by: string, principal: string, scope: 'full' | 'read-only') =>
        server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(by), payload: { principal, scope, expiresIn: '1d' } });
      const ivanFull = await token(server.adminToken, 'person:ivan', 'full');
      assert.equal(ivanFull.statusCode, 403, 'carol, an administrator, cannot act as ivan');
      assert.equal(ivanFull.json().code, 'FORBIDDEN');
      assert.equal((await token(server.adminToken, 'person:ivan', 'read-only')).statusCode, 201);
      const carolFull = await token(server.adminToken, 'person:carol', 'full');
      assert.equal(carolFull.statusCode, 201, 'carol makes a full token for herself');
      const dave = (await server.services.tokens.create({ principal: 'person:dave', scope: 'full', name: 'test', expiresInMs: 86_400_000, actor: 'system:bootstrap' })).token;
      assert.equal((await token(dave, 'service-account:renewal-bot', 'full')).statusCode, 201, 'dave owns the renewal bot');
      assert.equal((await token(dave, 'service-account:ci-deployer', 'full')).statusCode, 403, 'ivan owns the CI deployer');
      const denied = await server.app.inject({ method: 'GET', url: '/api/v1/authz/denied?principal=person:carol&limit=5', headers: bearer(server.adminToken) });
      assert.ok(denied.json().items.some((item: { action: string }) => item.action === 'create-token'), 'the refusal is recorded');
    });

    test('malformed input gets a validation problem naming the field; oversize bodies a 413', async () => {
      const badQuery = await server.app.inject({ method: 'GET', url: '/api/v1/credentials?pageSize=5000&kind=nope', headers: bearer(server.adminToken) });
      assert.equal(badQuery.statusCode, 400);
      assert.equal(badQuery.json().code, 'VALIDATION_FAILED');
      assert.ok(badQuery.json().errors.some((line: string) => line.startsWith('querystring.pageSize')));
      const badJson = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...bearer(server.adminToken), 'content-type': 'application/json' }, payload: '{"principal":' });
      assert.equal(badJson.json().code, 'VALIDATION_FAILED');
      const huge = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...bearer(server.adminToken), 'content-type': 'application/json' }, payload: JSON.stringify({ principal: 'x'.repeat(2 * 1024 * 1024) }) });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().code, 'PAYLOAD_TOO_LARGE');
      const unknown = await server.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: bearer(server.adminToken) });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'NOT_FOUND');
    });
  });
}
