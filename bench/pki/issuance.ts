// bench/pki/issuance: what the built-in CA costs through Trustplane's own code paths, on SQLite and on
// PostgreSQL (a fresh database each): certificates issued per second in-process and over HTTP, and OCSP
// and CRLs drawn from the database with a million revoked certificates recorded for one CA. Each figure
// is printed beside a reference measured in the same run:
//   issuance, OCSP ← the raw node:crypto P-256 signing rate (one signature per certificate or answer is
//                    the physical limit), in slices taken in turn with the variant measured, so a noisy
//                    moment on a shared machine hits both alike
//   CRL            ← node:crypto signing as many octets as the CRL (the floor), and the database read alone
// No key is generated while the clock runs: every issue carries a CSR made beforehand, one key each.
//
//   node bench/pki/issuance.ts [--quick] [--databases sqlite,postgresql] [--seconds 6] [--in-flight 8] [--revoked 1000000] [--only caPath,http]
//   (--quick records 10,000 revoked certificates instead of a million)
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { databaseTargets } from '../../test/support/databases.ts';
import type { DatabaseTarget, TestDatabase } from '../../test/support/databases.ts';
import type { Change } from '../../src/core/changes/change-lifecycle.ts';
import { parseCsr } from '../../src/core/pki/csr.ts';
import { derBitString, derOctetString, derOid, derSmallInteger, derUtf8String, sequence, setOf, tagged } from '../../src/core/pki/der.ts';
import type { CertificateRequestFacts } from '../../src/core/pki/csr.ts';
import { buildOcspRequest, readOcspResponse } from '../../src/core/pki/ocsp-client.ts';
import { keyEncryptionKey } from '../../src/server/keys/key-envelope.ts';
import { createHttpApp, createServices } from '../../src/server/main.ts';
import type { Services } from '../../src/server/main.ts';
import { pemToDer, toPem } from '../../src/server/services/ca-service.ts';
import type { ChangeDetail } from '../../src/server/services/change-service.ts';
import { toUpsert } from '../../src/server/services/inventory-service.ts';
import { formatMs } from '../support/stats.ts';
import { exampleGovernanceAt } from '../../src/server/demo/example-governance.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    databases: { type: 'string', default: 'sqlite,postgresql' },
    seconds: { type: 'string', default: '6' },
    'in-flight': { type: 'string', default: '8' },
    revoked: { type: 'string' },
    only: { type: 'string' },
  },
});
const wanted = values.databases.split(',');
/** The CPUs this process may run on (its affinity: taskset -c 0 makes it 1). */
const cpus = availableParallelism();
const budgetMs = Number(values.seconds) * 1000;
const inFlight = Number(values['in-flight']);
const revokedCount = Number(values.revoked ?? (values.quick ? 10_000 : 1_000_000));
const rounds = 3;
const rawSliceMs = 250;
/** Certificates per change in the fleet variants (spec.csrs). */
const fleetSize = 100;
const caId = 'internal-ca';
const classId = 'internal-mtls';
/** The goals of the built-in CA's issue: issuance in-process ≥ 25% of raw signing; ≥ 5k OCSP answers/s on one core; a revocation answered within 1 s; a CRL over 1M in ≤ 10 s. */
const goals = { issuanceShareOfRawSigning: 0.25, ocspPerSecond: 5_000, revocationAnsweredMs: 1_000, crlMillionMs: 10_000 };
const governance = exampleGovernanceAt(new Date());
const ivan = { ref: 'person:ivan', readOnly: false };
const dave = { ref: 'person:dave', readOnly: false };
const carol = { ref: 'person:carol', readOnly: false };

// ── measuring ──
const referenceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const message = new Uint8Array(200);
/** The raw node:crypto P-256 signing rate over `ms`, as bench/pki/revocation measures it. */
const rawSigningRate = (ms: number): number => {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 50; i += 1) sign('sha256', message, referenceKey);
    calls += 50;
  }
  return (calls / (performance.now() - started)) * 1000;
};
const median = (numbers: readonly number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
const count = (value: number) => value.toLocaleString('en-US');
const verdict = (met: boolean) => (met ? 'meets' : 'misses');

/** Keeps `lanes` loops of `operation` going for `ms`; counts what completed, over the time until the last one finished. */
const keepGoing = async (ms: number, lanes: number, operation: () => Promise<unknown>): Promise<{ calls: number; ms: number }> => {
  const started = performance.now();
  let calls = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (performance.now() - started < ms) {
      await operation();
      calls += 1;
    }
  }));
  return { calls, ms: performance.now() - started };
};

type Measured = { perSecond: number; rawPerSecond: number };
/**
 * Warms up, then takes `rounds` turns: a slice of raw signing, then a slice of the variant. `perCall`
 * certificates per call. With `fresh`, the variant uses CSRs never read before: before each slice, enough
 * are made for half again as many certificates as the last slice issued.
 */
const measure = async (operation: () => Promise<unknown>, options: { lanes?: number; perCall?: number; fresh?: boolean } = {}): Promise<Measured> => {
  const lanes = options.lanes ?? 1;
  const perCall = options.perCall ?? 1;
  const sliceMs = budgetMs / rounds;
  let lastPerSecond = 2000;
  const refill = (ms: number) => {
    if (options.fresh === true) refillFresh(Math.ceil(lastPerSecond * (ms / 1000) * 1.5) + (lanes + 1) * perCall);
  };
  refill(Math.min(1000, sliceMs));
  const warm = await keepGoing(Math.min(1000, sliceMs), lanes, operation);
  lastPerSecond = (warm.calls * perCall / warm.ms) * 1000;
  const raw: number[] = [];
  let [calls, ms] = [0, 0];
  for (let round = 0; round < rounds; round += 1) {
    refill(sliceMs);
    raw.push(rawSigningRate(rawSliceMs));
    const slice = await keepGoing(sliceMs, lanes, operation);
    calls += slice.calls;
    ms += slice.ms;
    lastPerSecond = (slice.calls * perCall / slice.ms) * 1000;
  }
  return { perSecond: (calls * perCall / ms) * 1000, rawPerSecond: median(raw) };
};

const line = (label: string, measured: Measured, unit = '') =>
  process.stdout.write(`  ${label.padEnd(86)} ${`${rate(measured.perSecond)}${unit}`.padStart(9)}   ${rate(measured.rawPerSecond).padStart(9)}   ${(measured.perSecond / measured.rawPerSecond).toFixed(4).padStart(7)}\n`);

// ── requests made beforehand ──
/** A PKCS #10 request (RFC 2986) for a fresh P-256 key naming `name` in its subject and SAN request, written with der.ts (fast enough to make tens of thousands). */
const csrFor = (name: string): string => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const san = sequence(derOid('2.5.29.17'), derOctetString(sequence(tagged(0x82, Buffer.from(name, 'latin1')))));
  const info = sequence(
    derSmallInteger(0),
    sequence(setOf(sequence(derOid('2.5.4.3'), derUtf8String(name)))),
    publicKey.export({ type: 'spki', format: 'der' }),
    // RFC 2985 §5.4.2 extensionRequest, in [0] IMPLICIT SET OF Attribute
    tagged(0xa0, sequence(derOid('1.2.840.113549.1.9.14'), setOf(sequence(san)))),
  );
  const signature = sign('sha256', info, privateKey);
  return toPem(new Uint8Array(sequence(info, sequence(derOid('1.2.840.10045.4.3.2')), derBitString(signature))), 'CERTIFICATE REQUEST');
};
let csrsMade = 0;
const newCsr = () => csrFor(`svc-${csrsMade++}.svc.acme.internal`);

/** CSRs read beforehand, as a request reads its CSR: what the CA path starts from (an approved change). Used in turn. */
const parsedCsrs = Array.from({ length: 1000 }, newCsr);
const csrFacts = parsedCsrs.map((csr): CertificateRequestFacts => {
  const parsed = parseCsr(csr);
  if (!parsed.ok) throw new Error(`the bench made a CSR Trustplane refuses: ${parsed.problem}`);
  return parsed.csr;
});
let nextParsed = 0;
const takeParsed = (): number => (nextParsed++) % parsedCsrs.length;

/**
 * CSRs never read before, for the variants that request changes: each is used once, so a request pays for
 * reading and checking its CSR. Made between measured slices, never while the clock runs.
 */
const freshCsrs: string[] = [];
const takeFresh = (): string => {
  const csr = freshCsrs.pop();
  if (csr === undefined) throw new Error('the bench ran out of fresh CSRs: it made too few before the slice');
  return csr;
};
const refillFresh = (count: number): void => {
  while (freshCsrs.length < count) freshCsrs.push(newCsr());
};

// ── the million revoked certificates ──
/** Serial i of the bulk: 16 octets that look random, first octet 0x4X, as an issued serial begins. The same on both databases. */
const bulkSerial = (index: number) => `4${createHash('md5').update(`revoked-${index}`).digest('hex').slice(1)}`;
const bulkReasons = [null, 'keyCompromise', 'cessationOfOperation', 'affiliationChanged', 'superseded'];

/**
 * Records `total` revoked certificates of the CA straight into issued_certificates, each carrying a real
 * certificate's PEM (realistic rows). They stand for revocations of the past, which earlier CRLs named
 * (listed_in_crl 0), so the CRLs measured here list only what they add.
 */
const insertRevoked = async (database: TestDatabase, total: number, pem: string): Promise<void> => {
  const now = Date.now();
  const issuedAt = new Date(now - 20 * 86_400_000).toISOString();
  const notAfter = new Date(now + 10 * 86_400_000).toISOString();
  const revokedAt = Array.from({ length: 30 }, (_, day) => new Date(now - (day + 1) * 86_400_000 + 1234).toISOString());
  const chunk = 100_000;
  if (database.location.kind === 'sqlite') {
    // better-sqlite3's own handle, as bench/inventory's raw inserts: one prepared statement, one transaction per chunk.
    const handle = new SqliteDatabase(database.location.file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    const insert = handle.prepare(`insert into issued_certificates (ca_id, serial, credential_id, change_id, issued_at, not_after, certificate, revoked_at, revocation_reason, listed_in_crl)
      values (?, ?, ?, null, ?, ?, ?, ?, ?, 0)`);
    const insertChunk = handle.transaction((from: number, to: number) => {
      for (let i = from; i < to; i += 1) insert.run(caId, bulkSerial(i), `cr_bench_${i}`, issuedAt, notAfter, pem, revokedAt[i % 30], bulkReasons[i % 5]);
    });
    for (let from = 0; from < total; from += chunk) insertChunk(from, Math.min(total, from + chunk));
    handle.close();
  } else {
    // Made by the server itself: md5 gives the same serials as bulkSerial.
    for (let from = 0; from < total; from += chunk) {
      await sql`insert into issued_certificates (ca_id, serial, credential_id, change_id, issued_at, not_after, certificate, revoked_at, revocation_reason, listed_in_crl)
        select ${caId}, '4' || substr(md5('revoked-' || i), 2), 'cr_bench_' || i, null, ${issuedAt}, ${notAfter}, ${pem},
          (${revokedAt}::text[])[1 + i % 30], (${bulkReasons}::text[])[1 + i % 5], 0
        from generate_series(${from}::int, ${Math.min(total, from + chunk) - 1}::int) as i`.execute(database.database.db);
    }
    // What autovacuum does by itself after a large insert (PostgreSQL 13+): statistics and the visibility map.
    await sql`vacuum analyze issued_certificates`.execute(database.database.db);
  }
};

// ── one database ──
type Result = Record<string, string | number | boolean | null>;
const results: Result[] = [];

/** The first credential an executed issue produced; refuses a change that did not make `count`. */
const producedBy = (change: ChangeDetail, count = 1): string => {
  const executed = change.events.find((event) => event.step === 'executed');
  const produced = executed?.details.produced;
  if (change.status !== 'executed' || !Array.isArray(produced) || produced.length !== count || typeof produced[0] !== 'string') {
    throw new Error(`change ${change.id} ended ${change.status}: ${JSON.stringify(change.events.at(-1)?.details).slice(0, 500)}`);
  }
  return produced[0];
};

const benchDatabase = async (target: DatabaseTarget): Promise<void> => {
  process.stdout.write(`\n${target.name}\n`);
  const database = await target.create();
  let publicUrl = 'http://127.0.0.1:8470';
  const services: Services = createServices(database.database, {
    masterKey: keyEncryptionKey(randomBytes(32)), publicUrl: () => publicUrl,
    onSideEffectError: (error, context) => process.stderr.write(`${context}: ${String(error)}\n`),
  });
  // As `trustplane serve` logs by default (info), into a sink.
  const app = await createHttpApp(database.database, services, { logger: { level: 'info', stream: new Writable({ write: (_chunk, _encoding, done) => done() }) } });
  try {
    await services.governance.apply({ document: governance, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
    await services.ca.createAuthority({ sourceId: caId, name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'bench' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    publicUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const tokens = new Map<string, string>();
    for (const person of ['ivan', 'dave']) {
      tokens.set(person, (await services.tokens.create({ principal: `person:${person}`, scope: 'full', name: 'bench', expiresInMs: 86_400_000, actor: 'bench' })).token);
    }
    const snapshotGovernance = (await services.unitOfWork((tx) => services.authz.snapshot(tx))).governance;
    const credentialClass = snapshotGovernance?.classes.find((entry) => entry.id === classId);
    if (snapshotGovernance === null || snapshotGovernance === undefined || credentialClass === undefined) throw new Error(`the example governance has no class ${classId}`);
    const result: Result = { database: target.name };

    // The variants, from the CA alone to the whole workflow over HTTP.
    const issueOnly = async () => {
      const csr = csrFacts[takeParsed()] as CertificateRequestFacts;
      const issued = await services.ca.issue({
        sourceId: caId, policy: credentialClass.policy, subjectPublicKey: csr.subjectPublicKey, keyAlgorithm: csr.keyAlgorithm, sans: csr.sans,
        commonName: csr.commonName, lifetimeMs: 30 * 86_400_000, at: new Date(),
      });
      if (!issued.ok) throw new Error(issued.problem);
    };
    const approved = await services.changes.request(ivan, { action: 'issue', credentialIds: [], classId, reason: 'bench template', spec: { csr: parsedCsrs[0] } });
    const { events: _events, ...template } = await services.changes.approve(dave, approved.id);
    const connector = services.connectors.get('builtin-ca');
    let changeNumber = 0;
    /**
     * An approved issue carried out as the change service does: the builtin-ca connector (policy, lints,
     * signatures, the certificates read back), then one transaction recording the new credentials and the
     * connector's own records (the issued certificates). Its CSRs were read when it was requested.
     */
    /** Where the CA path's time went (wall time, summed over calls): meaningful with one change in flight, where the parts do not overlap. */
    const phases = { certificates: 0, connectorMs: 0, insertsMs: 0, commitMs: 0 };
    const caPathFor = (certificates: number) => async () => {
      const spec = certificates === 1 ? { csr: parsedCsrs[takeParsed()] } : { csrs: Array.from({ length: certificates }, () => parsedCsrs[takeParsed()] as string) };
      const change: Change = { ...template, id: `chg_bench_${target.name}_${changeNumber++}`, status: 'executing', executor: ivan.ref, spec };
      const started = performance.now();
      const result = await connector.execute({ change, credentials: [], evidence: {}, governance: snapshotGovernance, credentialClass, executor: ivan.ref, at: new Date() });
      if (!result.ok) throw new Error(result.summary);
      const executed = performance.now();
      let recorded = executed;
      await services.unitOfWork(async (tx) => {
        const produced = result.produced.map((entry) => toUpsert({ file: `change:${change.id}`, entry: entry.entry, facts: { ...entry.facts, classId } }, {}, null));
        await (result.producedHere === true ? tx.credentials.insertNew(produced, new Date().toISOString()) : tx.credentials.upsert(produced, new Date().toISOString()));
        await result.record?.(tx);
        recorded = performance.now();
      });
      phases.certificates += certificates;
      phases.connectorMs += executed - started;
      phases.insertsMs += recorded - executed;
      phases.commitMs += performance.now() - recorded;
    };
    const microseconds = (ms: number) => `${((ms / phases.certificates) * 1000).toFixed(0)} µs`;
    const specOf = (certificates: number) => (certificates === 1 ? { csr: takeFresh() } : { csrs: Array.from({ length: certificates }, takeFresh) });
    const workflowFor = (certificates: number) => async () => {
      const requested = await services.changes.request(ivan, { action: 'issue', credentialIds: [], classId, reason: 'bench', spec: specOf(certificates) });
      await services.changes.approve(dave, requested.id);
      return producedBy(await services.changes.execute(ivan, requested.id, {}), certificates);
    };
    const api = async (person: string, path: string, body: unknown): Promise<ChangeDetail> => {
      const response = await fetch(`${publicUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.get(person)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 200 && response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return await response.json() as ChangeDetail;
    };
    const overHttpFor = (certificates: number) => async () => {
      const requested = await api('ivan', '/api/v1/changes', { action: 'issue', class: classId, reason: 'bench', spec: specOf(certificates) });
      await api('dave', `/api/v1/changes/${requested.id}/approve`, {});
      return producedBy(await api('ivan', `/api/v1/changes/${requested.id}/execute`, {}), certificates);
    };

    const healthz = async () => {
      const response = await fetch(`${publicUrl}/healthz`);
      if (response.status !== 200) throw new Error(`GET /healthz: ${response.status}`);
      await response.arrayBuffer();
    };

    process.stdout.write(`  ${'issuance, P-256 CSRs made beforehand'.padEnd(86)} ${'certs/s'.padStart(9)}   ${'raw sign'.padStart(9)}   ${'ratio'.padStart(7)}\n`);
    const variants: [string, string, () => Promise<Measured>][] = [
      ['issueOnly', 'ca.issue: policy, lints, signature; nothing stored', () => measure(issueOnly)],
      ['issueOnlyInFlight', `  the same, ${inFlight} in flight`, () => measure(issueOnly, { lanes: inFlight })],
      ['caPath', 'CA path: an approved issue through builtin-ca, recorded in 1 tx; 1 certificate per change', () => measure(caPathFor(1))],
      ['caPathInFlight', `  the same, ${inFlight} in flight`, () => measure(caPathFor(1), { lanes: inFlight })],
      ['caPathFleet', `  the same, ${fleetSize} certificates per change (spec.csrs)`, () => measure(caPathFor(fleetSize), { perCall: fleetSize })],
      ['workflow', 'change workflow: request → approve → execute (services.changes), 1 certificate per change', () => measure(workflowFor(1), { fresh: true })],
      ['workflowInFlight', `  the same, ${inFlight} in flight`, () => measure(workflowFor(1), { lanes: inFlight, fresh: true })],
      ['workflowFleet', `  the same, ${fleetSize} certificates per change (spec.csrs)`, () => measure(workflowFor(fleetSize), { perCall: fleetSize, fresh: true })],
      ['http', `HTTP API: POST /api/v1/changes, …/approve, …/execute, ${inFlight} in flight, 1 certificate per change`, () => measure(overHttpFor(1), { lanes: inFlight, fresh: true })],
      ['httpFleet', `  the same, ${fleetSize} certificates per change (spec.csrs), 2 in flight`, () => measure(overHttpFor(fleetSize), { lanes: 2, perCall: fleetSize, fresh: true })],
    ];
    const measured = new Map<string, Measured>();
    for (const [key, label, run] of variants.filter(([key]) => values.only === undefined || values.only.split(',').includes(key))) {
      Object.assign(phases, { certificates: 0, connectorMs: 0, insertsMs: 0, commitMs: 0 });
      const figures = await run();
      measured.set(key, figures);
      line(label, figures);
      if ((key === 'caPath' || key === 'caPathFleet') && phases.certificates > 0) {
        // 25% of raw signing leaves four signatures' time for each certificate, the signature included.
        process.stdout.write(`    a certificate's time, warm-up included: the connector ${microseconds(phases.connectorMs)}, the inserts ${microseconds(phases.insertsMs)}, the commit ${microseconds(phases.commitMs)}; 25% of raw signing allows ${((4 / figures.rawPerSecond) * 1e6).toFixed(0)} µs in all\n`);
        for (const [part, ms] of Object.entries({ Connector: phases.connectorMs, Inserts: phases.insertsMs, Commit: phases.commitMs })) result[`${key}${part}Microseconds`] = Math.round((ms / phases.certificates) * 1000);
      }
      result[`${key}PerSecond`] = Math.round(figures.perSecond);
      result[`${key}RawSignPerSecond`] = Math.round(figures.rawPerSecond);
    }
    const httpFloor = await measure(healthz, { lanes: inFlight });
    process.stdout.write(`  reference for the HTTP figures: GET /healthz with the same client (in this process), ${inFlight} in flight: ${rate(httpFloor.perSecond)} requests\n`);
    result.httpFloorPerSecond = Math.round(httpFloor.perSecond);
    const goalLabels: Record<string, string> = {
      caPath: 'CA path, 1 per change', caPathFleet: `CA path, ${fleetSize} per change`, workflow: 'change workflow, 1 per change', workflowFleet: `change workflow, ${fleetSize} per change`,
    };
    for (const [key, label] of Object.entries(goalLabels)) {
      const figures = measured.get(key);
      if (figures === undefined) continue;
      const share = figures.perSecond / figures.rawPerSecond;
      process.stdout.write(`  goal (a) in-process ≥ ${goals.issuanceShareOfRawSigning * 100}% of raw signing, ${label}: ${verdict(share >= goals.issuanceShareOfRawSigning)} (${(share * 100).toFixed(1)}%)\n`);
    }

    if (revokedCount > 0) await ocspAtScale(database, services, publicUrl, result);
    results.push(result);
  } finally {
    await app.close();
    await database.destroy();
  }
};

// ── OCSP and CRL with many revoked certificates ──
const ocspAtScale = async (database: TestDatabase, services: Services, publicUrl: string, result: Result): Promise<void> => {
  const issuing = await services.ca.authority(caId);
  const issuerDer = pemToDer(issuing.certificatePem);
  // The certificate to revoke later, issued through the workflow; its PEM is also what every bulk row carries.
  const requested = await services.changes.request(ivan, { action: 'issue', credentialIds: [], classId, reason: 'to be revoked', spec: { csr: newCsr() } });
  await services.changes.approve(dave, requested.id);
  const toRevoke = producedBy(await services.changes.execute(ivan, requested.id, {}));
  const toRevokePem = (await services.ca.certificateOf(toRevoke)).pem;
  const toRevokeDer = pemToDer(toRevokePem);

  process.stdout.write(`\n  OCSP and CRL with ${count(revokedCount)} revoked certificates of ${caId}\n`);
  const inserted = performance.now();
  await insertRevoked(database, revokedCount, toRevokePem);
  process.stdout.write(`    recorded them with raw SQL (not through the service) in ${((performance.now() - inserted) / 1000).toFixed(1)} s\n`);
  result.revoked = revokedCount;

  // The client builds a request from a certificate; a CertID takes only its serial, so a template certificate stands in for each bulk serial.
  const template = AsnConvert.parse(toRevokeDer, Certificate);
  const certificateWithSerial = (serialHex: string): Uint8Array => {
    template.tbsCertificate.serialNumber = new Uint8Array(Buffer.from(serialHex, 'hex')).buffer;
    return new Uint8Array(AsnConvert.serialize(template));
  };
  const requests = Array.from({ length: 2000 }, () => buildOcspRequest(certificateWithSerial(bulkSerial(Math.floor(Math.random() * revokedCount))), issuerDer, randomBytes(16)));
  const [sampleCertificate, sampleNonce] = [certificateWithSerial(bulkSerial(revokedCount - 1)), randomBytes(16)];
  const sample = readOcspResponse(await services.revocation.ocsp(caId, buildOcspRequest(sampleCertificate, issuerDer, sampleNonce)), sampleCertificate, issuerDer, sampleNonce);
  if (!sample.ok || sample.status !== 'revoked') throw new Error(`OCSP does not answer "revoked" for a recorded serial: ${JSON.stringify(sample)}`);
  let nextRequest = 0;
  const takeRequest = () => requests[(nextRequest++) % requests.length] as Uint8Array;
  const ocspInProcess = () => services.revocation.ocsp(caId, takeRequest());
  const ocspOverHttp = async () => {
    const response = await fetch(`${publicUrl}/pki/ocsp/${caId}`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: takeRequest() });
    if (response.status !== 200) throw new Error(`POST /pki/ocsp: ${response.status}`);
    await response.arrayBuffer();
  };
  process.stdout.write(`    ${'OCSP answers for random revoked serials'.padEnd(84)} ${'answers/s'.padStart(9)}   ${'raw sign'.padStart(9)}   ${'ratio'.padStart(7)}\n`);
  const ocsp: [string, string, () => Promise<Measured>][] = [
    ['ocsp', 'services.revocation.ocsp, 1 in flight', () => measure(ocspInProcess)],
    ['ocspInFlight', `services.revocation.ocsp, ${inFlight} in flight`, () => measure(ocspInProcess, { lanes: inFlight })],
    ['ocspHttp', `POST /pki/ocsp/${caId} over a socket, ${inFlight} in flight`, () => measure(ocspOverHttp, { lanes: inFlight })],
  ];
  let best = 0;
  for (const [key, label, run] of ocsp) {
    const figures = await run();
    line(`  ${label}`, figures);
    if (key !== 'ocspHttp') best = Math.max(best, figures.perSecond);
    result[`${key}PerSecond`] = Math.round(figures.perSecond);
    result[`${key}RawSignPerSecond`] = Math.round(figures.rawPerSecond);
  }
  process.stdout.write(`    goal ≥ ${count(goals.ocspPerSecond)} answers/s on one core (in-process): ${cpus === 1 ? verdict(best >= goals.ocspPerSecond) : `not judged: this process may use ${cpus} CPUs (run it under taskset -c 0, as bench/pki/run.ts does)`}\n`);

  // A new revocation, through a revoke change executed by builtin-ca, watched through OCSP every few milliseconds.
  const nonce = randomBytes(16);
  const watchRequest = buildOcspRequest(toRevokeDer, issuerDer, nonce);
  const statusNow = async () => {
    const answer = readOcspResponse(await services.revocation.ocsp(caId, watchRequest), toRevokeDer, issuerDer, nonce);
    if (!answer.ok) throw new Error(`OCSP about the certificate to revoke: ${answer.problem}`);
    return answer.status;
  };
  if (await statusNow() !== 'good') throw new Error('the certificate to revoke is not good before its revocation');
  const revoke = await services.changes.request(ivan, { action: 'revoke', credentialIds: [toRevoke], reason: 'bench: key compromise drill', trigger: 'key_compromise' });
  await services.changes.approve(carol, revoke.id);
  const pollMs = 5;
  let firstRevoked: number | null = null;
  let watching = true;
  const watcher = (async () => {
    while (watching && firstRevoked === null) {
      if (await statusNow() === 'revoked') firstRevoked = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();
  // The longest gap between ticks of a 5 ms timer: how long the event loop (every request this server serves) was held up.
  let [lastTick, stalledMs] = [performance.now(), 0];
  const ticker = setInterval(() => {
    stalledMs = Math.max(stalledMs, performance.now() - lastTick);
    lastTick = performance.now();
  }, pollMs);
  const executeStarted = Date.now();
  const executed = await services.changes.execute(ivan, revoke.id, {});
  const executeMs = Date.now() - executeStarted;
  const deadline = Date.now() + 60_000;
  while (firstRevoked === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, pollMs));
  watching = false;
  await watcher;
  clearInterval(ticker);
  if (executed.status !== 'executed' || executed.executedAt === null) throw new Error(`the revocation ended ${executed.status}`);
  // executedAt is stamped in the transaction that records the outcome, just before it commits.
  const afterCommitMs = firstRevoked === null ? null : (firstRevoked as number) - Date.parse(executed.executedAt);
  process.stdout.write(`    new revocation (revoke change executed with builtin-ca; OCSP polled every ${pollMs} ms): first "revoked" answer ${afterCommitMs === null ? 'not within 60 s' : `${afterCommitMs} ms`} after the commit\n`);
  process.stdout.write(`      execute() took ${count(executeMs)} ms: it returns after publishing the new CRL; meanwhile the event loop (every request this server serves) was held up for as long as ${count(Math.round(stalledMs))} ms at a stretch\n`);
  process.stdout.write(`    goal ≤ ${goals.revocationAnsweredMs} ms: ${verdict(afterCommitMs !== null && afterCommitMs <= goals.revocationAnsweredMs)}\n`);
  result.revocationAnsweredMs = afterCommitMs;
  result.revokeExecuteMs = executeMs;
  result.revokeLoopStallMs = Math.round(stalledMs);

  // The CRL from the database: publish = read the entries, sign, store; the read alone and the floor beside it.
  const publishMs: number[] = [];
  const readMs: number[] = [];
  let crlBytes = 0;
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    const crl = await services.revocation.publish(caId);
    publishMs.push(performance.now() - started);
    crlBytes = crl.der.length;
    if (crl.revokedCount < revokedCount) throw new Error(`the CRL lists ${crl.revokedCount} certificates, not ${revokedCount}`);
    const read = performance.now();
    await services.unitOfWork((tx) => tx.ca.revokedEntries(caId, new Date().toISOString()));
    readMs.push(performance.now() - read);
  }
  const floor = new Uint8Array(crlBytes);
  const floorMs = median([0, 1, 2].map(() => {
    const started = performance.now();
    sign('sha256', floor, referenceKey);
    return performance.now() - started;
  }));
  const crlMs = median(publishMs);
  process.stdout.write(`    services.revocation.publish: ${formatMs(crlMs)} ms (median of 3), ${(crlBytes / 1e6).toFixed(1)} MB; the database read alone ${formatMs(median(readMs))} ms; `
    + `floor, signing as many octets: ${formatMs(floorMs)} ms (ratio ${(crlMs / floorMs).toFixed(0)}×)\n`);
  process.stdout.write(`    goal ≤ ${goals.crlMillionMs / 1000} s over 1M: ${revokedCount >= 1_000_000 ? verdict(crlMs <= goals.crlMillionMs) : 'not measured (fewer than 1M revoked; run without --quick)'}\n`);
  Object.assign(result, { crlPublishMs: Math.round(crlMs), crlReadMs: Math.round(median(readMs)), crlBytes, crlFloorMs: Number(floorMs.toFixed(1)) });
};

process.stdout.write(`bench/pki/issuance: node ${process.version}, ${cpus} CPU${cpus === 1 ? '' : 's'} for this process (signatures run in its thread pool), ${budgetMs / 1000} s per variant in ${rounds} rounds, raw-signing slices of ${rawSliceMs} ms between them\n`);
const started = performance.now();
for (const target of databaseTargets.filter((candidate) => wanted.includes(candidate.name))) await benchDatabase(target);
process.stdout.write(`\ntook ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.stdout.write(`${JSON.stringify({ benchmark: 'pki-issuance', node: process.version, at: new Date().toISOString(), results })}\n`);
