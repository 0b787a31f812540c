// The manual connector: a person did the work outside Trustplane (at a CA's console, in a vault) and
// records what was done. For issue, renew and rotate the evidence may carry the new certificate or public
// key in PEM, which becomes a credential of the change's class; renew and rotate supersede the old one.
import { Buffer } from 'node:buffer';
import { formatParseFailure, parseTrustMaterial } from '../../core/inventory/index.ts';
import type { Connector, ConnectorResult } from './connector.ts';

const maxPemBytes = 256 * 1024;

export const manualConnector: Connector = {
  id: 'manual',
  description: 'the executor did the work outside Trustplane and records it, with evidence',
  async execute({ change, evidence }): Promise<ConnectorResult> {
    const recorded: Record<string, unknown> = {
      ...(evidence.reference === undefined ? {} : { reference: evidence.reference }),
      ...(evidence.note === undefined ? {} : { note: evidence.note }),
    };
    const producesCredential = change.action === 'issue' || change.action === 'renew' || change.action === 'rotate';
    if (evidence.pem === undefined || !producesCredential) {
      if (evidence.pem !== undefined) return { ok: false, summary: `a ${change.action} produces no new credential; leave out the PEM`, evidence: recorded };
      return {
        ok: true,
        summary: `${change.action} recorded by hand`,
        evidence: recorded,
        produced: [],
        credentialStatus: change.action === 'revoke' ? 'revoked' : change.action === 'retire' ? 'retired' : null,
      };
    }
    const bytes = Buffer.from(evidence.pem, 'utf8');
    if (bytes.byteLength > maxPemBytes) return { ok: false, summary: `the evidence PEM is ${bytes.byteLength} bytes; at most ${maxPemBytes} are accepted`, evidence: recorded };
    const parsed = parseTrustMaterial({ name: 'evidence.pem', bytes });
    if (!parsed.ok) return { ok: false, summary: `the evidence is not a certificate or public key: ${formatParseFailure(parsed.error)}`, evidence: recorded };
    const secret = parsed.credentials.find((credential) => credential.facts.kind === 'private_key');
    if (secret !== undefined) return { ok: false, summary: 'the evidence holds a private key; send only the certificate or public key', evidence: recorded };
    if (parsed.credentials.length !== 1) return { ok: false, summary: `the evidence holds ${parsed.credentials.length} credentials; send exactly one new certificate or public key`, evidence: recorded };
    const produced = parsed.credentials.map((credential) => ({ entry: credential.entry, facts: credential.facts }));
    return {
      ok: true,
      summary: `${change.action} recorded by hand with a new ${produced[0]?.facts.kind.replace('_', ' ')}`,
      evidence: { ...recorded, fingerprint: produced[0]?.facts.fingerprint },
      produced,
      credentialStatus: null,
    };
  },
};
