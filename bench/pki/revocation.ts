// bench/pki/revocation: what publishing revocation costs on one core, with a P-256 CA and responder made
// by the openssl CLI. Each figure is printed beside references measured in the same run:
//   CRL  ← node:crypto signing the same number of octets as the CRL's to-be-signed part (the floor: a
//          CRL is one signature over everything), and the raw P-256 signing rate (how many signatures the
//          same time would buy)
//   OCSP ← the raw node:crypto P-256 signing rate (one signature per answer is the physical limit)
// The OCSP responder and the raw signer take turns in rounds, so a noisy moment on a shared machine hits
// both alike.
//
//   node bench/pki/revocation.ts [--quick] [--seconds 2]      (--quick leaves out the CRL of 1M entries)
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCrl } from '../../src/core/pki/crl.ts';
import type { CrlEntry } from '../../src/core/pki/crl.ts';
import { createOcspResponder } from '../../src/core/pki/ocsp.ts';
import type { OcspCertStatus } from '../../src/core/pki/ocsp.ts';
import { crlReasonCodes } from '../../src/core/pki/revocation-reasons.ts';
import { keyObjectSigner } from '../../src/server/signers/key-object-signer.ts';
import { formatMs } from '../support/stats.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seconds: { type: 'string', default: '2' } } });
const sizes = values.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const budgetMs = Number(values.seconds) * 1000;
/** The goal of DESIGN.md's brief for the built-in CA: one CRL over a million entries in well under 10 s, and ≥ 5k OCSP answers/s. */
const goals = { crlMillionMs: 10_000, ocspPerSecond: 5_000 };

const directory = mkdtempSync(join(tmpdir(), 'trustplane-bench-revocation-'));
const file = (name: string) => join(directory, name);
const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
writeFileSync(file('extensions.cnf'), [
  '[req]', 'distinguished_name = dn', '[dn]',
  '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
  '[responder]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = OCSPSigning', 'noCheck = ignored',
  '[leaf]', 'basicConstraints = CA:FALSE', '',
].join('\n'));
const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl(['req', '-x509', '-new', ...p256, '-keyout', 'ca.key', '-subj', '/O=Bench/CN=Bench CA', '-days', '30', '-config', 'extensions.cnf', '-extensions', 'ca', '-out', 'ca.pem']);
for (const [name, section, serial] of [['responder', 'responder', '0x5e'], ['leaf', 'leaf', '0x0123456789abcdef0123456789abcdef']] as const) {
  openssl(['req', '-new', ...p256, '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '7', '-extfile', 'extensions.cnf', '-extensions', section, '-out', `${name}.pem`]);
}
openssl(['ocsp', '-issuer', 'ca.pem', '-cert', 'leaf.pem', '-reqout', 'request.der']);
const derOf = (name: string) => new Uint8Array(openssl(['x509', '-in', `${name}.pem`, '-outform', 'DER']));
const [caCertificate, responderCertificate, request] = [derOf('ca'), derOf('responder'), new Uint8Array(readFileSync(file('request.der')))];
const caKey = createPrivateKey(readFileSync(file('ca.key')));
const responderKey = createPrivateKey(readFileSync(file('responder.key')));
rmSync(directory, { recursive: true, force: true });

/** Calls `operation` repeatedly for `ms`; returns calls and elapsed time. */
const forAbout = async (ms: number, operation: () => unknown): Promise<{ calls: number; ms: number }> => {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 50; i += 1) await operation();
    calls += 50;
  }
  return { calls, ms: performance.now() - started };
};
const perSecond = (result: { calls: number; ms: number }) => (result.calls / result.ms) * 1000;
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const message = new Uint8Array(200);
const rawSign = () => sign('sha256', message, caKey);

const cpus = availableParallelism();
process.stdout.write(`bench/pki/revocation: P-256 CA and responder, ${cpus} CPU${cpus === 1 ? '' : 's'} for this process (the responder signs in its thread pool), node ${process.version}\n\n`);
const signRates: number[] = [];
for (let round = 0; round < 3; round += 1) signRates.push(perSecond(await forAbout(budgetMs / 4, rawSign)));
const signRate = median(signRates);
process.stdout.write(`raw node:crypto P-256 sign (200 octets): ${rate(signRate)}\n\n`);

// ── CRL ──
const caSigner = keyObjectSigner(caKey, 'ECDSA-P256');
const yearAgo = Date.parse('2026-01-01T00:00:00Z');
const reasons = [null, crlReasonCodes.keyCompromise, crlReasonCodes.cessationOfOperation, crlReasonCodes.affiliationChanged, crlReasonCodes.superseded];
const entries = (count: number): CrlEntry[] => Array.from({ length: count }, (_, index) => ({
  // 16-octet random-looking serials, as issued certificates carry; a quarter with the top bit set.
  serial: ((0x4f3c2a1b0e9d8c7bn << 64n) + BigInt(index) * 0x9e3779b97f4a7c15n).toString(16).replace(/^4/, index % 4 === 0 ? 'c' : '4'),
  revokedAt: new Date(yearAgo + index * 17_000),
  reason: reasons[index % reasons.length] ?? null,
}));

process.stdout.write('CRL (complete, v2)       build ms (median)   DER size     entries/s      floor: sign same octets   ratio to floor   = raw signatures\n');
let millionMs: number | null = null;
for (const size of sizes) {
  const revoked = entries(size);
  const runs = size >= 1_000_000 ? 3 : 5;
  const times: number[] = [];
  let der: Uint8Array = new Uint8Array(0);
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    der = await buildCrl({ issuerCertificate: caCertificate, crlNumber: BigInt(run + 1), thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), revoked, signer: caSigner });
    times.push(performance.now() - started);
  }
  const buildMs = median(times);
  const sameOctets = new Uint8Array(der.length);
  const floorTimes: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    sign('sha256', sameOctets, caKey);
    floorTimes.push(performance.now() - started);
  }
  const floorMs = median(floorTimes);
  if (size === 1_000_000) millionMs = buildMs;
  process.stdout.write(`  ${size.toLocaleString('en-US').padStart(9)} revoked      ${formatMs(buildMs).padStart(10)}     ${`${(der.length / 1e6).toFixed(1)} MB`.padStart(9)}   ${rate(size / buildMs * 1000).padStart(12)}   ${`${formatMs(floorMs)} ms`.padStart(18)}     ${(buildMs / floorMs).toFixed(1).padStart(9)}×     ${Math.round(buildMs / 1000 * signRate).toLocaleString('en-US').padStart(9)}\n`);
}
const rss = process.memoryUsage().rss / 1e6;
process.stdout.write(`  resident memory after the CRLs: ${rss.toFixed(0)} MB (the entries themselves included)\n`);
if (millionMs !== null) process.stdout.write(`  1M entries: ${formatMs(millionMs)} ms, ${millionMs < goals.crlMillionMs ? 'meets' : 'misses'} the goal of < ${goals.crlMillionMs / 1000} s: one CRL, no sharding needed\n`);

// ── OCSP ──
const responder = createOcspResponder({ issuerCertificate: caCertificate, responderCertificate, signer: keyObjectSigner(responderKey, 'ECDSA-P256') });
const revokedStatus: OcspCertStatus = { kind: 'revoked', revokedAt: new Date(yearAgo), reason: crlReasonCodes.keyCompromise };
const lookup = async (serials: string[]) => serials.map(() => revokedStatus);
const respond = () => {
  const now = new Date();
  return responder.respond(request, now, new Date(now.getTime() + 3_600_000), lookup);
};
const responderSign = () => sign('sha256', message, responderKey);
await forAbout(200, respond);
const ocsp = { respond: [] as number[], sign: [] as number[] };
for (let round = 0; round < 4; round += 1) {
  ocsp.respond.push(perSecond(await forAbout(budgetMs / 4, respond)));
  ocsp.sign.push(perSecond(await forAbout(budgetMs / 4, responderSign)));
}
const [answers, signatures] = [median(ocsp.respond), median(ocsp.sign)];
process.stdout.write(`\nOCSP (one CertID with nonce, parse → check issuer → look up → sign → encode)\n`);
process.stdout.write(`  signed answers: ${rate(answers)}   raw P-256 sign: ${rate(signatures)}   ratio answers / raw signs: ${(answers / signatures).toFixed(2)}\n`);
process.stdout.write(`  ${cpus > 1 ? `not judged against the goal of ≥ ${goals.ocspPerSecond.toLocaleString('en-US')} answers/s on one core: run under taskset -c 0, as bench/pki/run.ts does` : `${answers >= goals.ocspPerSecond ? 'meets' : 'misses'} the goal of ≥ ${goals.ocspPerSecond.toLocaleString('en-US')} answers/s on one core`}\n`);
