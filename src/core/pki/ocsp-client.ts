// The relying party's side of OCSP (RFC 6960), as the verification probes use it: a request for one
// certificate with a nonce, and a reading of the answer that checks what a client must check before it
// believes one (§3.2): the response is signed by the issuer or by a responder the issuer delegated to
// (id-kp-OCSPSigning), it answers the certificate asked about, and it echoes the nonce.
import { hash, verify, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest, id_kp_OCSPSigning, id_pkix_ocsp_basic, id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { AlgorithmIdentifier, Certificate, Extension } from '@peculiar/asn1-x509';

const sha1Oid = '1.3.14.3.2.26';

export type OcspAnswer =
  | { ok: true; status: 'good' | 'unknown'; thisUpdate: Date; nextUpdate: Date | null; responder: string }
  | { ok: true; status: 'revoked'; revokedAt: Date; reason: number | null; thisUpdate: Date; nextUpdate: Date | null; responder: string }
  | { ok: false; problem: string };

const subjectPublicKeyBits = (certificate: Uint8Array): Uint8Array => {
  const parsed = AsnConvert.parse(certificate, Certificate);
  return new Uint8Array(parsed.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
};

const subjectNameDer = (certificate: Uint8Array): Uint8Array =>
  new Uint8Array(AsnConvert.serialize(AsnConvert.parse(certificate, Certificate).tbsCertificate.subject));

const serialOf = (certificate: Uint8Array): ArrayBuffer => AsnConvert.parse(certificate, Certificate).tbsCertificate.serialNumber;

const sameBytes = (left: ArrayBuffer | Uint8Array, right: ArrayBuffer | Uint8Array): boolean => Buffer.from(new Uint8Array(left)).equals(Buffer.from(new Uint8Array(right)));

/** An OCSP request for `certificate` issued by `issuer` (both DER), with a nonce (§4.4.1); SHA-1 CertID as §4.1.1 and RFC 5019 expect. */
export const buildOcspRequest = (certificate: Uint8Array, issuer: Uint8Array, nonce: Uint8Array): Uint8Array => {
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: sha1Oid, parameters: null }),
    issuerNameHash: new OctetString(hash('sha1', subjectNameDer(issuer), 'buffer')),
    issuerKeyHash: new OctetString(hash('sha1', subjectPublicKeyBits(issuer), 'buffer')),
    serialNumber: serialOf(certificate),
  });
  const request = new OCSPRequest({
    tbsRequest: new TBSRequest({
      requestList: [new Request({ reqCert: certId })],
      requestExtensions: [new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))) })],
    }),
  });
  return new Uint8Array(AsnConvert.serialize(request));
};

const digestOf = (algorithm: string): string | null => {
  switch (algorithm) {
    case '1.2.840.10045.4.3.2': case '1.2.840.113549.1.1.11': return 'sha256';
    case '1.2.840.10045.4.3.3': case '1.2.840.113549.1.1.12': return 'sha384';
    case '1.3.101.112': return null;
    default: return 'unsupported';
  }
};

/** Reads an OCSP response about `certificate`, issued by `issuer`, that must echo `nonce`. Never throws. */
export const readOcspResponse = (der: Uint8Array, certificate: Uint8Array, issuer: Uint8Array, nonce: Uint8Array): OcspAnswer => {
  try {
    const response = AsnConvert.parse(der, OCSPResponse);
    if (response.responseStatus !== OCSPResponseStatus.successful) return { ok: false, problem: `the responder answered ${OCSPResponseStatus[response.responseStatus]}` };
    if (response.responseBytes?.responseType !== id_pkix_ocsp_basic) return { ok: false, problem: 'the response is not a basic OCSP response' };
    const basic = AsnConvert.parse(response.responseBytes.response, BasicOCSPResponse);
    const data = basic.tbsResponseData;
    // Who signed: the issuer itself, or a certificate in the response that the issuer issued for OCSP signing.
    const issuerCertificate = new X509Certificate(Buffer.from(issuer));
    let signerKey = issuerCertificate.publicKey;
    let responder = issuerCertificate.subject;
    const delegated = basic.certs?.[0];
    if (delegated !== undefined) {
      const responderCertificate = new X509Certificate(Buffer.from(AsnConvert.serialize(delegated)));
      if (!responderCertificate.checkIssued(issuerCertificate) || !responderCertificate.verify(issuerCertificate.publicKey)) {
        return { ok: false, problem: 'the responder certificate was not issued by the certificate\'s issuer' };
      }
      if (!(responderCertificate.keyUsage ?? []).includes(id_kp_OCSPSigning)) return { ok: false, problem: 'the responder certificate is not for OCSP signing (id-kp-OCSPSigning)' };
      signerKey = responderCertificate.publicKey;
      responder = responderCertificate.subject;
    }
    const digest = digestOf(basic.signatureAlgorithm.algorithm);
    if (digest === 'unsupported') return { ok: false, problem: `the response is signed with an unsupported algorithm ${basic.signatureAlgorithm.algorithm}` };
    const signed = basic.tbsResponseDataRaw ?? AsnConvert.serialize(data);
    if (!verify(digest, new Uint8Array(signed), signerKey, new Uint8Array(basic.signature))) {
      return { ok: false, problem: 'the response\'s signature does not verify' };
    }
    const echoed = data.responseExtensions?.find((extension) => extension.extnID === id_pkix_ocsp_nonce);
    const echoedNonce = echoed === undefined ? null : AsnConvert.parse(echoed.extnValue.buffer, OctetString);
    if (echoedNonce === null || !sameBytes(echoedNonce.buffer, nonce)) return { ok: false, problem: 'the response does not echo the request\'s nonce' };
    const single = data.responses.find((entry) => sameBytes(entry.certID.serialNumber, serialOf(certificate)));
    if (single === undefined) return { ok: false, problem: 'the response says nothing about this certificate' };
    const common = { thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate ?? null, responder };
    const { certStatus } = single;
    if (certStatus.revoked !== undefined) return { ok: true, status: 'revoked', revokedAt: certStatus.revoked.revocationTime, reason: certStatus.revoked.revocationReason?.reason ?? null, ...common };
    return { ok: true, status: certStatus.good !== undefined ? 'good' : 'unknown', ...common };
  } catch (error) {
    return { ok: false, problem: `the response cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
};
