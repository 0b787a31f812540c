import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restateKnownCredential } from './import-restatement.ts';

const certificate = { kind: 'x509_certificate', name: 'api.acme.example', classId: 'public-tls', status: 'revoked', statusInEffect: 'revoked', sourceId: 'letsencrypt' };
const restating = { kind: 'x509_certificate', name: 'api.acme.example', subject: 'CN=api.acme.example', classId: null, status: null, sourceId: null };

const fields = (restatement: ReturnType<typeof restateKnownCredential>) => restatement.heldBack.map(({ field, asked, stands }) => `${field}: ${asked} -> ${stands}`);

test('restating a credential as it is holds nothing back', () => {
  assert.deepEqual(restateKnownCredential(restating, certificate), { outcome: 'refreshed', heldBack: [] });
  assert.deepEqual(restateKnownCredential({ ...restating, classId: 'public-tls', status: 'revoked' }, certificate).heldBack, []);
});

test('status and class are held back, and the rest of the entry applies', () => {
  const restatement = restateKnownCredential({ ...restating, classId: 'code-signing', status: 'active' }, certificate);
  assert.equal(restatement.outcome, 'refreshed');
  assert.deepEqual(fields(restatement), ['class: code-signing -> public-tls', 'status: active -> revoked']);
});

test('a lapsed certificate restated as expired, or as active as stored, asks for nothing', () => {
  const lapsed = { ...certificate, status: 'active', statusInEffect: 'expired' };
  assert.deepEqual(restateKnownCredential({ ...restating, status: 'expired' }, lapsed).heldBack, []);
  assert.deepEqual(restateKnownCredential({ ...restating, status: 'active' }, lapsed).heldBack, []);
  assert.deepEqual(fields(restateKnownCredential({ ...restating, status: 'retired' }, lapsed)), ['status: retired -> expired']);
});

test('an unclassified credential may be given its first class', () => {
  assert.deepEqual(restateKnownCredential({ ...restating, classId: 'code-signing' }, { ...certificate, classId: null }).heldBack, []);
});

test('an entry of another kind is skipped whole', () => {
  const restatement = restateKnownCredential({ ...restating, kind: 'private_key', name: 'renamed', subject: null, status: 'active' }, certificate);
  assert.equal(restatement.outcome, 'skipped');
  assert.deepEqual(fields(restatement), ['kind: private_key -> x509_certificate']);
});

test('a certificate is renamed only by an entry that carries its subject; other kinds take the name they are given', () => {
  assert.deepEqual(fields(restateKnownCredential({ ...restating, name: 'from a row', subject: null }, certificate)), ['name: from a row -> api.acme.example']);
  assert.deepEqual(restateKnownCredential({ ...restating, name: 'CN from the material' }, certificate).heldBack, []);
  const apiKey = { kind: 'api_key', name: 'payments-old', classId: null, status: 'active', statusInEffect: 'active', sourceId: null };
  assert.deepEqual(restateKnownCredential({ kind: 'api_key', name: 'payments-new', subject: null, classId: null, status: null, sourceId: null }, apiKey).heldBack, []);
});

test('a stated source other than the recorded one is held back: the source decides which connector acts and what the class accepts', () => {
  assert.deepEqual(fields(restateKnownCredential({ ...restating, sourceId: 'internal-ca' }, certificate)), ['source: internal-ca -> letsencrypt']);
  assert.deepEqual(restateKnownCredential({ ...restating, sourceId: 'letsencrypt' }, certificate).heldBack, [], 'the same source asks nothing');
  assert.deepEqual(restateKnownCredential({ ...restating, sourceId: 'internal-ca' }, { ...certificate, sourceId: null }).heldBack, [], 'a first source adds a fact');
});
