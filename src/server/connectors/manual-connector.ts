// The manual connector: a person did the work outside Trustplane (at a CA's console, in a vault) and
// records what was done. For issue, renew and rotate the evidence may carry the new certificate or public
// key in PEM, which becomes a credential of the change's class; renew and rotate supersede the old one.
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import { formatParseFailure, parseTrustMaterial } from '../../core/inventory/index.ts';
import type { CredentialFacts } from '../../core/inventory/index.ts';
import type { Connector, ConnectorResult, ExecutionEvidence, ProducedCredential } from './connector.ts';

const maxPemBytes = 256 * 1024;

// The bytes of a certificate go with it, so that who signed it is verified before it is recorded.
const certificateBytes = (facts: CredentialFacts, pem: string): { der?: Uint8Array } => {
  if (facts.kind !== 'x509_certificate') return {};
  try {
    return { der: new Uint8Array(new X509Certificate(pem).raw) };
  } catch {
    return {};
  }
};

type EvidenceReading = { ok: true; produced: ProducedCredential[] } | { ok: false; problem: string };

/** Reads the evidence PEM, if any: exactly one certificate or public key, never a private key. */
const readEvidence = (evidence: ExecutionEvidence): EvidenceReading => {
  const { pem } = evidence;
  if (pem === undefined) return { ok: true, produced: [] };
  const bytes = Buffer.from(pem, 'utf8');
  if (bytes.byteLength > maxPemBytes) return { ok: false, problem: `the evidence PEM is ${bytes.byteLength} bytes; at most ${maxPemBytes} are accepted` };
  const parsed = parseTrustMaterial({ name: 'evidence.pem', bytes });
  if (!parsed.ok) return { ok: false, problem: `the evidence is not a certificate or public key: ${formatParseFailure(parsed.error)}` };
  if (parsed.credentials.some((credential) => credential.facts.kind === 'private_key')) {
    return { ok: false, problem: 'the evidence holds a private key; send only the certificate or public key' };
  }
  if (parsed.credentials.length !== 1) return { ok: false, problem: `the evidence holds ${parsed.credentials.length} credentials; send exactly one new certificate or public key` };
  return { ok: true, produced: parsed.credentials.map((credential) => ({ entry: credential.entry, facts: credential.facts, ...certificateBytes(credential.facts, pem) })) };
};

export const manualConnector: Connector = {
  id: 'manual',
  description: 'the executor did the work outside Trustplane and records it, with evidence',
  sourceKinds: [],
  holds: async () => false,

  checkEvidence(evidence) {
    const reading = readEvidence(evidence);
    return reading.ok ? { fingerprints: reading.produced.map((entry) => entry.facts.fingerprint) } : { problem: reading.problem };
  },

  async execute({ change, evidence }): Promise<ConnectorResult> {
    const recorded: Record<string, unknown> = {
      ...(evidence.reference === undefined ? {} : { reference: evidence.reference }),
      ...(evidence.note === undefined ? {} : { note: evidence.note }),
    };
    const reading = readEvidence(evidence);
    if (!reading.ok) return { ok: false, summary: reading.problem, evidence: recorded };
    const [replacement] = reading.produced;
    return {
      ok: true,
      summary: replacement === undefined ? `${change.action} recorded by hand` : `${change.action} recorded by hand with a new ${replacement.facts.kind.replace('_', ' ')}`,
      evidence: replacement === undefined ? recorded : { ...recorded, fingerprint: replacement.facts.fingerprint },
      produced: reading.produced,
      credentialStatus: change.action === 'revoke' ? 'revoked' : change.action === 'retire' ? 'retired' : null,
    };
  },
};
