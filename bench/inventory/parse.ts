// bench/inventory/parse: how fast `credentials import` reads trust material before storing it, beside
// node:crypto's own X509Certificate parse of the same certificates (the floor for reading X.509 here).
//
//   node bench/inventory/parse.ts [--certificates 5000] [--rows 200000]
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseTrustMaterial } from '../../src/core/inventory/index.ts';
import { createCa, issueLeaf } from '../../src/server/demo/demo-certificates.ts';
import { formatRate, timed } from '../support/stats.ts';

const { values } = parseArgs({ options: { certificates: { type: 'string', default: '5000' }, rows: { type: 'string', default: '200000' } } });
const certificates = Number(values.certificates);
const rows = Number(values.rows);
const now = new Date();
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

const ca = await createCa('O=Acme Corp, CN=Bench Issuing CA', now, random);
const pems: string[] = [];
for (let i = 0; i < certificates; i += 1) {
  pems.push(await issueLeaf(ca, { commonName: `svc-${i}.svc.acme.internal`, dnsNames: [`svc-${i}.svc.acme.internal`], notBefore: now, notAfter: new Date(now.getTime() + 30 * 86_400_000), usage: 'client-server' }, random));
}
const bundle = Buffer.from(pems.join(''));

const ours = await timed(async () => parseTrustMaterial({ name: 'bundle.pem', bytes: bundle }));
if (!ours.value.ok || ours.value.credentials.length !== certificates) throw new Error('the bundle did not parse');
const floor = await timed(async () => pems.map((pem) => new X509Certificate(pem).fingerprint256));
process.stdout.write(`PEM bundle of ${certificates.toLocaleString('en-US')} certificates: ${formatRate(certificates, ours.ms)} (node:crypto X509Certificate alone ${formatRate(certificates, floor.ms)}, ratio ${(floor.ms / ours.ms).toFixed(2)})\n`);

const header = 'kind,id,name,source,storage_location,managed_storage,workloads,not_after\n';
const lines: string[] = [];
for (let i = 0; i < rows; i += 1) lines.push(`api_key,pk_${i},payments-key-${i},vault,vault:kv/payments/${i},true,payments-api;checkout-web,2027-0${1 + (i % 9)}-15`);
const csv = Buffer.from(header + lines.join('\n'));
const csvParse = await timed(async () => parseTrustMaterial({ name: 'export.csv', bytes: csv }));
if (!csvParse.value.ok || csvParse.value.credentials.length !== rows) throw new Error('the export did not parse');
const split = await timed(async () => csv.toString('utf8').split('\n').map((line) => line.split(',')).length);
process.stdout.write(`CSV export of ${rows.toLocaleString('en-US')} rows (${(csv.length / 1048576).toFixed(0)} MiB): ${formatRate(rows, csvParse.ms)} (splitting the text on newlines and commas alone ${formatRate(rows, split.ms)}, ratio ${(split.ms / csvParse.ms).toFixed(2)})\n`);
