import { randomBytes, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { databaseTargets } from '../../test/support/databases.ts';
import { createServices } from '../../src/server/main.ts';
import { keyEncryptionKey } from '../../src/server/keys/key-envelope.ts';
const governance = readFileSync(new URL('../../examples/governance.yaml', import.meta.url), 'utf8');
const target = databaseTargets.find((t) => t.name === (process.argv[2] ?? 'sqlite'))!;
const db = await target.create();
const services = createServices(db.database, { masterKey: keyEncryptionKey(randomBytes(32)), publicUrl: () => 'http://127.0.0.1:8470' });
await services.governance.apply({ document: governance, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
await services.ca.createAuthority({ sourceId: 'internal-ca', name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'bench' });
const ivan = { ref: 'person:ivan', readOnly: false }, dave = { ref: 'person:dave', readOnly: false };
const gov = (await services.unitOfWork((tx) => services.authz.snapshot(tx))).governance!;
const cls = gov.classes.find((c) => c.id === 'internal-mtls')!;
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
let t = performance.now(); let n = 0;
while (performance.now() - t < 3000) { for (let i = 0; i < 20; i++) { const r = await services.ca.issue({ sourceId: 'internal-ca', policy: cls.policy, subjectPublicKey: spki, keyAlgorithm: 'ECDSA-P256', sans: ['dns:a.svc.acme.internal'], commonName: null, lifetimeMs: 86400000*7, at: new Date() }); if (!r.ok) throw new Error(r.problem); } n += 20; }
console.log('ca.issue/s', n / (performance.now() - t) * 1000);
t = performance.now(); n = 0;
while (performance.now() - t < 5000) { 
  const c = await services.changes.request(ivan, { action: 'issue', credentialIds: [], classId: 'internal-mtls', reason: 'bench', spec: { names: ['a.svc.acme.internal'] } });
  await services.changes.approve(dave, c.id);
  const e = await services.changes.execute(ivan, c.id, {});
  if (e.status !== 'executed') throw new Error(JSON.stringify(e.events.at(-1)));
  n++; }
console.log('changes/s (generated key!)', n / (performance.now() - t) * 1000);
await db.destroy();
