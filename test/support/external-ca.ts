// A CA outside Trustplane (a stand-in for Let's Encrypt or a partner's CA), made with openssl, and the
// certificates an executor might hand the manual connector: issued by it, or self-signed.
import { readFileSync } from 'node:fs';
import { opensslOk, scratchDirectory } from './openssl.ts';
import { exampleGovernance } from './server-fixture.ts';

/** The example governance, with internal-mtls certificates also allowed from the external CA "letsencrypt". */
export const governanceWithExternalMtls = exampleGovernance.replace('allowedSources: [internal-ca]\n', 'allowedSources: [internal-ca, letsencrypt]\n');

export type LeafOptions = {
  /** DNS names for subjectAltName; the first is the common name unless `commonName` says otherwise. */
  names: readonly string[];
  commonName?: string;
  /** What follows -newkey: `['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']` (the default), `['rsa:1024']`. */
  newkey?: readonly string[];
  days?: number;
};

export type ExternalCa = {
  /** The CA's own certificate; PEM. */
  certificate: string;
  /** A certificate the CA issues; PEM. */
  issue(options: LeafOptions): string;
  /** A certificate signed by its own key; PEM. */
  selfSigned(options: LeafOptions): string;
  cleanUp(): void;
};

const p256 = ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

export const createExternalCa = (name: string): ExternalCa => {
  const scratch = scratchDirectory();
  const [caKey, caCertificate] = [scratch.file('ca.key'), scratch.file('ca.pem')];
  opensslOk(['req', '-x509', '-newkey', ...p256, '-nodes', '-keyout', caKey, '-subj', `/CN=${name}`, '-days', '365', '-out', caCertificate,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  let count = 0;
  const request = (options: LeafOptions) => {
    count += 1;
    const [key, csr] = [scratch.file(`leaf-${count}.key`), scratch.file(`leaf-${count}.csr`)];
    const subject = `/CN=${options.commonName ?? options.names[0]}`;
    const sans = options.names.map((entry) => `DNS:${entry}`).join(',');
    return { key, csr, subject, sans, out: scratch.file(`leaf-${count}.pem`), days: String(options.days ?? 20), newkey: options.newkey ?? p256 };
  };
  return {
    certificate: readFileSync(caCertificate, 'utf8'),
    issue(options) {
      const leaf = request(options);
      opensslOk(['req', '-new', '-newkey', ...leaf.newkey, '-nodes', '-keyout', leaf.key, '-subj', leaf.subject, '-addext', `subjectAltName=${leaf.sans}`, '-out', leaf.csr]);
      opensslOk(['x509', '-req', '-in', leaf.csr, '-CA', caCertificate, '-CAkey', caKey, '-CAcreateserial', '-days', leaf.days, '-copy_extensions', 'copy', '-out', leaf.out]);
      return readFileSync(leaf.out, 'utf8');
    },
    selfSigned(options) {
      const leaf = request(options);
      opensslOk(['req', '-x509', '-newkey', ...leaf.newkey, '-nodes', '-keyout', leaf.key, '-subj', leaf.subject, '-addext', `subjectAltName=${leaf.sans}`, '-days', leaf.days, '-out', leaf.out]);
      return readFileSync(leaf.out, 'utf8');
    },
    cleanUp: () => scratch.cleanUp(),
  };
};
