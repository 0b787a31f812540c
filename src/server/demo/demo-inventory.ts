// The demo organisation's inventory: about 500 credentials of every governed kind, made of real
// material (certificates signed by demo CAs, Ed25519 SSH keys) and inventory exports, with validity set
// around the demo's clock so that some are expired, some expiring soon, some unclassified and some
// orphaned (used only by a decommissioned workload). Imported through the same parsers as any user file.
import type { ImportDefaults } from '../../core/inventory/index.ts';
import { createCa, issueLeaf, sshPublicKeyLine } from './demo-certificates.ts';

export type DemoImport = { name: string; content: string; defaults: ImportDefaults };

const day = 86_400_000;

/** A seeded generator (mulberry32) so that every demo (and benchmark) has the same shape; not for anything secret. */
export const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const services = ['payments', 'checkout', 'ledger', 'identity', 'events', 'search', 'orders', 'billing', 'catalog', 'fraud', 'notify', 'reports'];

/** Places validity so that `expired` are past, `expiring` end within the renew window, the rest are fine. */
const validity = (now: Date, index: number, lifetimeDays: number, expired: number, expiring: number) => {
  const endOffsetDays = index < expired ? -(1 + (index % 20))
    : index < expired + expiring ? 1 + ((index - expired) % 25)
      : 35 + ((index * 7) % Math.max(1, lifetimeDays - 36));
  const notAfter = new Date(now.getTime() + endOffsetDays * day);
  return { notBefore: new Date(notAfter.getTime() - lifetimeDays * day), notAfter };
};

// Names are written in the order of their RDN sequence (country first), as CAs encode them; RFC 4514
// prints them the other way round ("CN=…, O=…, C=…").
export const generateDemoInventory = async (now: Date): Promise<DemoImport[]> => {
  const random = seeded(20261122);
  const imports: DemoImport[] = [];

  const internalRoot = await createCa('O=Acme Corp, CN=Acme Internal Root CA', now, random);
  const internalIssuing = await createCa('O=Acme Corp, CN=Acme Internal Issuing CA 1', now, random, internalRoot);
  const publicRoot = await createCa("C=US, O=(STAGING) Let's Encrypt, CN=(STAGING) Demo Root X1", now, random);
  const publicIssuing = await createCa("C=US, O=(STAGING) Let's Encrypt, CN=(STAGING) Demo R10", now, random, publicRoot);
  const signingCa = await createCa('O=Acme Corp, CN=Acme Code Signing CA', now, random, internalRoot);
  const legacyCa = await createCa('O=Old Integrator Ltd, CN=Legacy Vendor CA', now, random);

  const publicTls: string[] = [];
  for (let i = 0; i < 70; i += 1) {
    const host = i === 0 ? 'www.acme.example' : `${services[i % services.length]}${Math.floor(i / services.length) || ''}.acme.example`;
    publicTls.push(await issueLeaf(publicIssuing, { commonName: host, dnsNames: [host], usage: 'server', ...validity(now, i, 90, 5, 9) }, random));
  }
  imports.push({ name: 'public-tls-bundle.pem', content: publicTls.join(''), defaults: { sourceId: 'letsencrypt', storageLocation: 'aws-acm:us-east-1', managedStorage: true, workloads: ['checkout-web'] } });

  const workloadsByService: Record<string, string> = {
    payments: 'payments-api', checkout: 'checkout-web', ledger: 'ledger-batch', identity: 'identity-gateway', events: 'data-pipeline', reports: 'legacy-reports',
  };
  const byWorkload = new Map<string, string[]>();
  for (let i = 0; i < 180; i += 1) {
    const service = services[i % services.length] as string;
    const host = `${service}-${Math.floor(i / services.length)}.svc.acme.internal`;
    const pem = await issueLeaf(internalIssuing, { commonName: host, dnsNames: [host], usage: 'client-server', ...validity(now, i, 30, 10, 22) }, random);
    const workload = workloadsByService[service] ?? 'data-pipeline';
    byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), pem]);
  }
  for (const [workload, pems] of byWorkload) {
    imports.push({
      name: `internal-mtls-${workload}.pem`,
      content: pems.join(''),
      defaults: { sourceId: 'internal-ca', workloads: [workload], storageLocation: `k8s-secret:${workload}`, managedStorage: true },
    });
  }
  imports.push({
    name: 'internal-ca-chain.pem',
    content: `${internalIssuing.certificate.toString('pem')}\n${internalRoot.certificate.toString('pem')}\n`,
    defaults: { sourceId: 'internal-ca', storageLocation: 'trustplane', managedStorage: true },
  });

  const signing: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    signing.push(await issueLeaf(signingCa, { commonName: `Acme Release Signing ${2025 + Math.floor(i / 6)}-${(i % 6) + 1}`, dnsNames: [], usage: 'code-signing', ...validity(now, i, 364, 2, 2) }, random));
  }
  imports.push({ name: 'code-signing.pem', content: signing.join(''), defaults: { sourceId: 'aws-kms', storageLocation: 'aws-kms:eu-central-1', managedStorage: true, workloads: ['build-pipeline'] } });

  const legacy: string[] = [];
  for (let i = 0; i < 25; i += 1) {
    const host = `app${i}.legacy.acme.example`;
    legacy.push(await issueLeaf(legacyCa, { commonName: host, dnsNames: [host], usage: 'server', ...validity(now, i, 730, 6, 3) }, random));
  }
  imports.push({ name: 'legacy-scan.pem', content: legacy.join(''), defaults: { storageLocation: 'file:/etc/ssl/legacy', managedStorage: false } });

  const people = ['carol', 'erin', 'lena', 'dave', 'ivan', 'frank', 'hana', 'kofi', 'julia', 'omar', 'tom', 'gina'];
  const sshLines = ['# bastion authorized_keys, exported from the bastion hosts'];
  for (let i = 0; i < 60; i += 1) {
    sshLines.push(await sshPublicKeyLine(`${people[i % people.length]}@bastion-${['eu1', 'us1', 'ap1', 'eu2', 'us2'][i % 5]}`));
  }
  imports.push({ name: 'bastion_authorized_keys', content: `${sshLines.join('\n')}\n`, defaults: { storageLocation: 'bastion:~/.ssh/authorized_keys', managedStorage: false } });

  const apiKeys = Array.from({ length: 90 }, (_, i) => {
    const rotatedDaysAgo = 5 + ((i * 13) % 160);
    return {
      kind: 'api_key',
      id: `pk_live_${(i + 1).toString().padStart(4, '0')}`,
      name: `payments-${['card-processor', 'payouts', 'refunds', 'fx'][i % 4]}-${i + 1}`,
      source: 'vault',
      storageLocation: i % 15 === 0 ? 'env:PAYMENTS_KEY (unmanaged)' : `vault:kv/payments/${i + 1}`,
      managedStorage: i % 15 !== 0,
      workloads: i % 9 === 0 ? ['legacy-reports'] : ['payments-api'],
      exposedTo: i % 10 === 0 ? ['org:globex'] : ['vendor:card-processor'],
      lastRotatedAt: new Date(now.getTime() - rotatedDaysAgo * day).toISOString(),
    };
  });
  imports.push({ name: 'vault-payments-keys.json', content: `${JSON.stringify({ credentials: apiKeys }, null, 2)}\n`, defaults: {} });

  const agentTokens = Array.from({ length: 50 }, (_, i) => ({
    kind: i % 10 === 0 ? 'oauth_client_secret' : 'token',
    id: `agent-token-${i + 1}`,
    name: `agent-${['support', 'triage', 'billing-lookup', 'kb-search', 'escalation'][i % 5]}-${i + 1}`,
    source: 'vault',
    storageLocation: `vault:auth/token/agents/${i + 1}`,
    managedStorage: true,
    workloads: ['support-assistant'],
    notAfter: new Date(now.getTime() + (i < 8 ? -(i + 1) * 3_600_000 : 30 * 60_000 + i * 60_000)).toISOString(),
  }));
  imports.push({ name: 'vault-agent-tokens.json', content: `${JSON.stringify(agentTokens, null, 2)}\n`, defaults: {} });

  const csvRows = ['kind,id,name,source,storageLocation,managedStorage,workloads,notAfter'];
  for (let i = 0; i < 15; i += 1) {
    const kind = ['api_key', 'password', 'token'][i % 3] as string;
    csvRows.push(`${kind},ci-secret-${i + 1},ci-${kind.replace('_', '-')}-${i + 1},github-actions,github:acme/monorepo,false,build-pipeline,${i % 4 === 0 ? new Date(now.getTime() - 10 * day).toISOString() : ''}`);
  }
  imports.push({ name: 'ci-secrets-scan.csv', content: `${csvRows.join('\n')}\n`, defaults: {} });

  return imports;
};
