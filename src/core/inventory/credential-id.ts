// A credential's id follows from its SHA-256 fingerprint, so importing the same material twice finds
// the same credential. Twenty hex digits (80 bits) keep ids short enough to type; two different
// fingerprints that share them are refused on import rather than merged (credential-store.ts).
export const credentialIdLength = 20;

export const credentialIdFor = (fingerprint: string): string => `cr_${fingerprint.slice(0, credentialIdLength)}`;
