// /pki: what relying parties fetch without a token, at the URLs certificates carry: CA certificates,
// CRLs (RFC 5280) and OCSP (RFC 6960, GET and POST). Public by nature; nothing here reveals more than
// the certificates themselves do. /pki answers in the media types of RFC 2585 and RFC 6960, not JSON.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { idPattern } from '../../core/governance/index.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { CaService } from '../services/ca-service.ts';
import { pemToDer, pkiUrls } from '../services/ca-service.ts';
import type { RevocationService } from '../services/revocation-service.ts';
import { ocspErrorResponse, ocspRequestFromGetPath, maxOcspRequestBytes } from '../../core/pki/ocsp.ts';

const caIdOf = (text: string): string => {
  if (!idPattern.test(text)) throw new TrustplaneError('NOT_FOUND', `no CA ${JSON.stringify(text.slice(0, 64))}`);
  return text;
};

// The body as it is, not a copy: a CRL over a million entries is 46 MB, served from memory.
const sendDer = (reply: FastifyReply, type: string, body: Uint8Array, maxAgeSeconds: number) =>
  reply.header('content-type', type).header('cache-control', maxAgeSeconds > 0 ? `public, max-age=${maxAgeSeconds}` : 'no-cache').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));

export const pkiRoutes = (deps: { ca: CaService; revocation: RevocationService; publicUrl: () => string }) => (app: FastifyInstance): void => {
  app.addContentTypeParser('application/ocsp-request', { parseAs: 'buffer', bodyLimit: maxOcspRequestBytes }, (_request, body, done) => done(null, body));

  app.get('/pki', { config: { public: true }, schema: { tags: ['pki'], summary: 'The built-in CAs and the URLs of their certificates, CRLs and OCSP responders' } }, async () => ({
    items: (await deps.ca.list()).map((authority) => {
      const urls = pkiUrls(deps.publicUrl(), authority.id);
      return {
        id: authority.id, source: authority.sourceId, name: authority.name, parent: authority.parentId, serial: authority.serial, notAfter: authority.notAfter,
        certificate: urls.certificate, certificatePem: `${urls.certificate.slice(0, -'.crt'.length)}.pem`, crl: urls.crl, ...(authority.ocspKeyId === null ? {} : { ocsp: urls.ocsp }),
      };
    }),
  }));

  app.get<{ Params: { file: string } }>('/pki/ca/:file', { config: { public: true }, schema: { tags: ['pki'], summary: 'A CA certificate: ID.crt (DER, application/pkix-cert), ID.pem, or ID-chain.pem (the CA and its issuers)' } }, async (request, reply) => {
    const match = /^(.+?)(-chain)?\.(crt|pem)$/.exec(request.params.file);
    if (match === null) throw new TrustplaneError('NOT_FOUND', 'ask for /pki/ca/ID.crt, /pki/ca/ID.pem or /pki/ca/ID-chain.pem');
    const caId = caIdOf(match[1] as string);
    if (match[2] !== undefined) {
      if (match[3] !== 'pem') throw new TrustplaneError('NOT_FOUND', `a chain is served as PEM: /pki/ca/${caId}-chain.pem`);
      const chain = await deps.ca.chain(caId);
      return reply.header('content-type', 'application/pem-certificate-chain').header('cache-control', 'public, max-age=3600').send(chain.map((authority) => authority.certificatePem).join(''));
    }
    const authority = await deps.ca.authority(caId);
    if (match[3] === 'pem') return reply.header('content-type', 'application/x-pem-file').header('cache-control', 'public, max-age=3600').send(authority.certificatePem);
    return sendDer(reply, 'application/pkix-cert', pemToDer(authority.certificatePem), 3600);
  });

  app.get<{ Params: { file: string } }>('/pki/crl/:file', { config: { public: true }, schema: { tags: ['pki'], summary: 'The latest CRL of a CA (DER, application/pkix-crl)' } }, async (request, reply) => {
    const match = /^(.+)\.crl$/.exec(request.params.file);
    if (match === null) throw new TrustplaneError('NOT_FOUND', 'ask for /pki/crl/ID.crl');
    const crl = await deps.revocation.crl(caIdOf(match[1] as string));
    const secondsLeft = Math.max(0, Math.floor((Date.parse(crl.nextUpdate) - Date.now()) / 1000));
    return sendDer(reply.header('last-modified', new Date(crl.thisUpdate).toUTCString()), 'application/pkix-crl', crl.der, Math.min(secondsLeft, 3600));
  });

  app.post<{ Params: { id: string }; Body: Buffer }>('/pki/ocsp/:id', {
    config: { public: true },
    schema: { tags: ['pki'], summary: 'OCSP over POST (RFC 6960 A.1): an application/ocsp-request body', params: z.object({ id: z.string().max(63) }) },
  }, async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) throw new TrustplaneError('UNSUPPORTED_MEDIA_TYPE', 'send the OCSP request as application/ocsp-request');
    return sendDer(reply, 'application/ocsp-response', await deps.revocation.ocsp(caIdOf(request.params.id), request.body), 0);
  });

  // GET carries the request base64-encoded (and URL-encoded) in the path (RFC 6960 A.1); it may contain "/".
  app.get<{ Params: { id: string; '*': string } }>('/pki/ocsp/:id/*', { config: { public: true }, schema: { tags: ['pki'], summary: 'OCSP over GET (RFC 6960 A.1): the request in base64 in the path' } }, async (request, reply) => {
    const decoded = ocspRequestFromGetPath(request.params['*']);
    const answer = decoded.ok ? await deps.revocation.ocsp(caIdOf(request.params.id), decoded.der) : ocspErrorResponse('malformedRequest');
    return sendDer(reply, 'application/ocsp-response', answer, decoded.ok ? 60 : 0);
  });
};
