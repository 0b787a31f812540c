// Whether a server's public URL is the one its CA certificates carry. A CA certificate's URLs (its
// issuer's certificate and CRL) are fixed when `init` or `ca create` signs it, while the certificates a
// server issues carry its public URL of the day: if the two differ, relying parties are sent to two places
// and one of them is probably not Trustplane.
import { X509Certificate } from 'node:crypto';
import type { CertificateAuthority } from '../stores/ca-store.ts';

const caIssuersPrefix = 'CA Issuers - URI:';

/** The base URL a CA certificate points relying parties at (its caIssuers URL before /pki/ca/…), or null (a root has none). */
export const publicUrlCarriedBy = (certificatePem: string): string | null => {
  const url = (new X509Certificate(certificatePem).infoAccess ?? '').split('\n')
    .find((line) => line.startsWith(caIssuersPrefix))?.slice(caIssuersPrefix.length);
  const at = url?.lastIndexOf('/pki/ca/') ?? -1;
  return url === undefined || at < 0 ? null : url.slice(0, at);
};

/** A warning for the operator when CA certificates carry another public URL than this server's; null when they agree. */
export const publicUrlMismatch = (authorities: readonly Pick<CertificateAuthority, 'id' | 'certificatePem'>[], publicUrl: string): string | null => {
  const carried = new Map<string, string[]>();
  for (const authority of authorities) {
    const url = publicUrlCarriedBy(authority.certificatePem);
    if (url !== null && url !== publicUrl) carried.set(url, [...carried.get(url) ?? [], authority.id]);
  }
  if (carried.size === 0) return null;
  const where = [...carried].map(([url, ids]) => `${url} (CA ${ids.join(', ')})`).join(' and ');
  const first = [...carried.keys()][0] as string;
  return `the CA certificates point relying parties at ${where}, but this server's public URL is ${publicUrl}, which the certificates it issues will carry: `
    + `relying parties would look for CRLs and CA certificates in two places. Serve under the URL the CA certificates carry (--public-url ${first} or TRUSTPLANE_PUBLIC_URL, `
    + 'or the port in it with --port), or make a CA under this URL (trustplane ca create SOURCE)';
};
