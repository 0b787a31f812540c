// The built-in CAs over the API: list them, and create a hierarchy for a source (administrators only).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import type { CaService } from '../services/ca-service.ts';
import { pkiUrls } from '../services/ca-service.ts';
import type { CertificateAuthority } from '../stores/ca-store.ts';
import { requirePrincipal } from './authentication.ts';
import { idSchema, isoTimeSchema, listEnvelope } from './schemas.ts';

const authoritySchema = z.object({
  id: z.string(), source: z.string(), name: z.string(), parent: z.string().nullable(), serial: z.string(), notAfter: isoTimeSchema,
  crlNumber: z.number(), ocspResponder: z.boolean(), createdAt: isoTimeSchema,
  urls: z.object({ certificate: z.string(), crl: z.string(), ocsp: z.string().optional() }),
  certificatePem: z.string(),
});

export const caRoutes = (deps: { ca: CaService; publicUrl: () => string }) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const view = (authority: CertificateAuthority) => {
    const urls = pkiUrls(deps.publicUrl(), authority.id);
    return {
      id: authority.id, source: authority.sourceId, name: authority.name, parent: authority.parentId, serial: authority.serial, notAfter: authority.notAfter,
      crlNumber: authority.crlNumber, ocspResponder: authority.ocspKeyId !== null, createdAt: authority.createdAt,
      urls: { certificate: urls.certificate, crl: urls.crl, ...(authority.ocspKeyId === null ? {} : { ocsp: urls.ocsp }) },
      certificatePem: authority.certificatePem,
    };
  };

  api.get('/api/v1/cas', {
    config: { action: 'read' },
    schema: { tags: ['pki'], summary: 'The built-in CAs: roots and issuing intermediates, one hierarchy per source', response: { 200: listEnvelope(authoritySchema) } },
  }, async () => ({ items: (await deps.ca.list()).map(view) }));

  api.get('/api/v1/credentials/:id/certificate', {
    config: { action: 'read' },
    schema: {
      tags: ['pki'],
      summary: 'The certificate the built-in CA issued for a credential (PEM), with its chain',
      params: z.object({ id: z.string().min(1).max(100) }),
      response: { 200: z.object({ credentialId: z.string(), ca: z.string(), serial: z.string(), revokedAt: isoTimeSchema.nullable(), certificatePem: z.string(), chainPem: z.array(z.string()) }) },
    },
  }, async (request) => {
    const found = await deps.ca.certificateOf(request.params.id);
    return { credentialId: request.params.id, ca: found.caId, serial: found.serial, revokedAt: found.revokedAt, certificatePem: found.pem, chainPem: found.chain };
  });

  api.post('/api/v1/cas', {
    config: { action: 'administer' },
    schema: {
      tags: ['pki'],
      summary: 'Create a CA hierarchy (root, issuing intermediate, OCSP responder) for a builtin_ca source',
      body: z.object({
        source: idSchema,
        name: z.string().trim().min(1).max(120),
        algorithm: z.enum(caKeyAlgorithms).default('ECDSA-P256'),
        backend: z.enum(['software', 'pkcs11']).default('software'),
      }).strict(),
      response: { 201: z.object({ root: authoritySchema, issuing: authoritySchema }) },
    },
  }, async (request, reply) => {
    const created = await deps.ca.createAuthority({ sourceId: request.body.source, name: request.body.name, algorithm: request.body.algorithm, backend: request.body.backend, actor: requirePrincipal(request).ref });
    return reply.status(201).send({ root: view(created.root), issuing: view(created.issuing) });
  });
};
