// Generated inventory for the benchmark: half certificate facts (as the PEM parser yields them), half
// API-key facts (as a JSON export yields them). Synthetic facts rather than freshly signed certificates,
// so that the figure is the import pipeline's (checks, classification, storage) and not the generator's.
import { createHash } from 'node:crypto';
import type { ImportedEntry } from '../../src/core/inventory/index.ts';

const day = 86_400_000;
const services = ['payments', 'checkout', 'ledger', 'identity', 'events', 'search', 'orders', 'billing'];

export const generateBatch = (start: number, count: number, now: Date): ImportedEntry[] => {
  const entries: ImportedEntry[] = [];
  for (let i = start; i < start + count; i += 1) {
    const fingerprint = createHash('sha256').update(`bench-credential-${i}`).digest('hex');
    // not-after spread from 30 days ago to 335 days ahead, so that every window has members.
    const notAfter = new Date(now.getTime() + ((i * 7919) % 365 - 30) * day);
    if (i % 2 === 0) {
      const host = `${services[i % services.length]}-${i}.svc.acme.internal`;
      entries.push({
        file: 'bench-certificates.pem',
        entry: `certificate #${i / 2 + 1}`,
        facts: {
          kind: 'x509_certificate', fingerprint, name: host, subject: `CN=${host}`, issuer: 'CN=Acme Internal Issuing CA 1, O=Acme Corp',
          sans: [`dns:${host}`], serial: fingerprint.slice(0, 32), notBefore: new Date(notAfter.getTime() - 30 * day), notAfter,
          keyAlgorithm: 'ECDSA-P256', keySize: 256, isCa: false, signatureAlgorithm: 'ecdsa-with-SHA256',
          source: 'internal-ca', workloads: ['payments-api'],
        },
      });
    } else {
      entries.push({
        file: 'bench-api-keys.json',
        entry: `credentials[${(i - 1) / 2}]`,
        facts: {
          kind: 'api_key', fingerprint, name: `payments-key-${i}`, externalId: `pk_${i}`, source: 'vault',
          storageLocation: `vault:kv/payments/${i}`, managedStorage: i % 10 !== 1, notAfter,
          lastRotatedAt: new Date(now.getTime() - ((i * 31) % 200) * day),
        },
      });
    }
  }
  return entries;
};
