// When a revocation counts as published: only when a CRL that Trustplane published names the serial of
// every certificate it revoked at a Trustplane CA. Each CRL's audit entry (crl.publish) lists the serials
// it was the first of its CA's CRLs to name, so the claim rests on the log, not on timing: a CRL signed
// after a revocation may have been read before it committed. A certificate revoked elsewhere (another CA,
// recorded by hand with the manual connector) is never published by Trustplane, and is said to be so.
// OCSP answers are read live and not recorded, so they are not counted here. Pure.

/** What one CRL named first, as its crl.publish audit entry records it. */
export type CrlListing = { ca: string; crlNumber: number; at: string; serials: readonly string[]; entry: number };

export type RevokedCertificate = { ca: string; serial: string };

export type Publication =
  /** Every certificate it revoked at a Trustplane CA is named by a CRL Trustplane published; `at` is when the last of them was. */
  | { state: 'published'; at: string; crls: { ca: string; crlNumber: number; at: string; entry: number }[]; note: string }
  /** Revoked at a Trustplane CA, and not every serial is on a published CRL yet. */
  | { state: 'pending'; listed: number; of: number; note: string }
  /** Revoked outside Trustplane's CAs (by hand, or through a connector that publishes nothing): there is nothing Trustplane published. */
  | { state: 'not_published_by_trustplane'; note: string }
  /** Not executed yet. */
  | { state: 'not_revoked'; note: string };

export type PublicationIndex = ReadonlyMap<string, CrlListing>;

const keyOf = (ca: string, serial: string): string => `${ca}\n${serial}`;

/** The first listing of each serial of each CA, from the CRL publications in log order. */
export const indexCrlListings = (listings: readonly CrlListing[]): PublicationIndex => {
  const index = new Map<string, CrlListing>();
  for (const listing of [...listings].sort((a, b) => a.entry - b.entry)) {
    for (const serial of listing.serials) if (!index.has(keyOf(listing.ca, serial))) index.set(keyOf(listing.ca, serial), listing);
  }
  return index;
};

/**
 * Whether a revocation is published. `revoked` are the certificates its execution revoked at Trustplane's
 * CAs (the built-in CA connector's evidence); `connector` the connector that executed it.
 */
export const revocationPublication = (
  revocation: { revokedAt: string | null; revoked: readonly RevokedCertificate[]; connector: string | null },
  index: PublicationIndex,
): Publication => {
  if (revocation.revokedAt === null) return { state: 'not_revoked', note: 'not revoked yet' };
  if (revocation.revoked.length === 0) {
    return {
      state: 'not_published_by_trustplane',
      note: revocation.connector === 'manual' || revocation.connector === null
        ? 'recorded by hand, not published by Trustplane'
        : `revoked through the ${revocation.connector} connector; no CRL of Trustplane names it`,
    };
  }
  const found = revocation.revoked.map((certificate) => index.get(keyOf(certificate.ca, certificate.serial)));
  const listings = found.filter((listing): listing is CrlListing => listing !== undefined);
  if (listings.length < found.length) {
    return { state: 'pending', listed: listings.length, of: found.length, note: `${listings.length} of ${found.length} revoked certificates named by a CRL Trustplane published` };
  }
  const crls = [...new Map(listings.map((listing) => [listing.entry, listing])).values()]
    .sort((a, b) => a.entry - b.entry)
    .map((listing) => ({ ca: listing.ca, crlNumber: listing.crlNumber, at: listing.at, entry: listing.entry }));
  const at = crls.map((crl) => crl.at).reduce((latest, time) => (time > latest ? time : latest));
  return { state: 'published', at, crls, note: crls.map((crl) => `CRL ${crl.crlNumber} of ${crl.ca}`).join(', ') };
};
