// Real X.509 material for the demo organisation, made with @peculiar/x509 over node:crypto's WebCrypto:
// CA hierarchies and leaf certificates whose validity is placed relative to the demo's clock.
// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

type CryptoKeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 86_400_000;

export type DemoCa = { name: string; keys: CryptoKeyPair; certificate: x509.X509Certificate };

const generateKeys = async (): Promise<CryptoKeyPair> =>
  (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;

const serialFrom = (random: () => number): string => {
  let hex = '';
  for (let i = 0; i < 16; i += 1) hex += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return `7${hex.slice(1)}`;
};

export const createCa = async (name: string, now: Date, random: () => number, parent?: DemoCa): Promise<DemoCa> => {
  const keys = await generateKeys();
  const extensions = [
    new x509.BasicConstraintsExtension(true, parent === undefined ? undefined : 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const notBefore = new Date(now.getTime() - 400 * day);
  const notAfter = new Date(now.getTime() + (parent === undefined ? 3650 : 1825) * day);
  const certificate = parent === undefined
    ? await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: serialFrom(random), name, notBefore, notAfter, keys, signingAlgorithm: ecdsa, extensions })
    : await x509.X509CertificateGenerator.create({
      serialNumber: serialFrom(random), subject: name, issuer: parent.certificate.subject, notBefore, notAfter,
      publicKey: keys.publicKey, signingKey: parent.keys.privateKey, signingAlgorithm: ecdsa,
      extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey)],
    });
  return { name, keys, certificate };
};

export type LeafRequest = {
  commonName: string;
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  usage: 'server' | 'client-server' | 'code-signing';
};

export const issueLeaf = async (ca: DemoCa, request: LeafRequest, random: () => number): Promise<string> => {
  const keys = await generateKeys();
  const usages = {
    'server': [x509.ExtendedKeyUsage.serverAuth],
    'client-server': [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
    'code-signing': [x509.ExtendedKeyUsage.codeSigning],
  }[request.usage];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (request.dnsNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(request.dnsNames.map((value) => ({ type: 'dns' as const, value }))));
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialFrom(random),
    subject: `CN=${request.commonName}`,
    issuer: ca.certificate.subject,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ecdsa,
    extensions,
  });
  return `${certificate.toString('pem')}\n`;
};

/** An OpenSSH public key line (RFC 8709 §4 wire format) for a fresh Ed25519 key. */
export const sshPublicKeyLine = async (comment: string): Promise<string> => {
  const keys = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const raw = Buffer.from(await webcrypto.subtle.exportKey('raw', keys.publicKey));
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
};
