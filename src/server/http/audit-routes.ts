// The audit log over the API: entries (filtered), one entry with its inclusion proof against the latest
// checkpoint, consistency proofs, checkpoints, the log's public key, and the pages an export is made of.
// Hashes travel as base64, as in checkpoints. Reading the log is `read`; so is asking for a fresh
// checkpoint, which signs a statement of what the log already holds and changes no trust state.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { renderEvidenceHtml } from '../../core/audit/evidence-html.ts';
import type { AuditService } from '../services/audit-service.ts';
import type { AuditEventRow } from '../stores/audit-store.ts';
import { isoTimeSchema, listEnvelope, parseInstantParameter, principalRefSchema, shortText } from './schemas.ts';

const checkpointSchema = z.object({ size: z.number(), root: z.string(), at: isoTimeSchema, note: z.string() });
const entrySchema = z.object({
  index: z.number(), at: isoTimeSchema, actor: z.string(), action: z.string(), target: z.string(), requestId: z.string().nullable(),
  governanceVersion: z.number().nullable(), details: z.record(z.string(), z.unknown()),
});
const count = (max: number) => z.coerce.number().int().min(0).max(max);

const view = (row: AuditEventRow) => ({
  index: row.leafIndex, at: row.at.toISOString(), actor: row.actor, action: row.action, target: row.target,
  requestId: row.requestId ?? null, governanceVersion: row.governanceVersion ?? null, details: row.details,
});

export const auditRoutes = (audit: AuditService) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/audit/entries', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: 'Audit entries, newest first, by target, actor and time; page with `before` (the last index seen)',
      querystring: z.object({
        target: shortText(300).optional(), actor: principalRefSchema.optional(), from: isoTimeSchema.optional(), to: isoTimeSchema.optional(),
        before: count(Number.MAX_SAFE_INTEGER).optional(), limit: count(1000).default(100),
      }).strict(),
      response: { 200: listEnvelope(entrySchema) },
    },
  }, async (request) => {
    const { target, actor, from, to, before, limit } = request.query;
    const rows = await audit.list({
      limit,
      ...(target === undefined ? {} : { target }), ...(actor === undefined ? {} : { actor }), ...(before === undefined ? {} : { beforeIndex: before }),
      ...(from === undefined ? {} : { from: parseInstantParameter('from', from).toISOString() }), ...(to === undefined ? {} : { to: parseInstantParameter('to', to).toISOString() }),
    });
    return { items: rows.map(view) };
  });

  api.get('/api/v1/audit/entries/:index', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: 'One entry as its leaf (canonical JSON), with its inclusion proof against the latest checkpoint (RFC 9162 §2.1.3)',
      params: z.object({ index: count(Number.MAX_SAFE_INTEGER) }),
      response: { 200: z.object({ index: z.number(), entry: z.string(), leafHash: z.string(), checkpoint: checkpointSchema.nullable(), proof: z.array(z.string()).nullable() }) },
    },
  }, async (request) => audit.entry(request.params.index));

  api.get('/api/v1/audit/consistency', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: 'The consistency proof between two sizes of the log (RFC 9162 §2.1.4)',
      querystring: z.object({ first: count(Number.MAX_SAFE_INTEGER), second: count(Number.MAX_SAFE_INTEGER) }).strict(),
      response: { 200: z.object({ first: z.number(), second: z.number(), proof: z.array(z.string()) }) },
    },
  }, async (request) => audit.consistency(request.query.first, request.query.second));

  api.get('/api/v1/audit/checkpoint', {
    config: { action: 'read' },
    schema: { tags: ['audit'], summary: 'The latest signed checkpoint (c2sp.org/tlog-checkpoint), or null before the first', response: { 200: z.object({ checkpoint: checkpointSchema.nullable(), size: z.number() }) } },
  }, async () => ({ checkpoint: await audit.latest(), size: (await audit.head()).size }));

  api.post('/api/v1/audit/checkpoint', {
    config: { action: 'read' },
    schema: { tags: ['audit'], summary: 'Sign a checkpoint of the log as it stands now (the latest, when nothing was appended since)', response: { 200: checkpointSchema } },
  }, async () => audit.checkpoint());

  api.get('/api/v1/audit/checkpoints', {
    config: { action: 'read' },
    schema: { tags: ['audit'], summary: 'Signed checkpoints, oldest first', querystring: z.object({ limit: count(100_000).default(1000) }).strict(), response: { 200: listEnvelope(checkpointSchema) } },
  }, async (request) => ({ items: await audit.checkpoints(request.query.limit) }));

  api.get('/api/v1/audit/public-key', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: "The log's Ed25519 key: its origin, and the verifier key (name+key ID+base64) that `trustplane audit verify --key` takes",
      response: { 200: z.object({ origin: z.string(), verifierKey: z.string(), publicKey: z.string() }) },
    },
  }, async () => audit.publicKey());

  api.get('/api/v1/reports/evidence', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: 'The evidence pack of a period: changes with who requested, approved, executed and verified them, revocations against their SLA, emergencies and their reviews, denied attempts, each backed by audit entries with inclusion proofs; JSON, or a page with format=html',
      querystring: z.object({ from: isoTimeSchema, to: isoTimeSchema, class: shortText(63).optional(), format: z.enum(['json', 'html']).default('json') }).strict(),
    },
  }, async (request, reply) => {
    const pack = await audit.evidence({
      from: parseInstantParameter('from', request.query.from), to: parseInstantParameter('to', request.query.to), classId: request.query.class ?? null,
    });
    if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(renderEvidenceHtml(pack));
    return pack;
  });

  api.get('/api/v1/audit/export', {
    config: { action: 'read' },
    schema: {
      tags: ['audit'],
      summary: "A page of the log in leaf order, each entry as its leaf's canonical JSON with the leaf hash the log recorded: what `trustplane audit export` writes",
      querystring: z.object({ from: count(Number.MAX_SAFE_INTEGER).default(0), limit: count(10_000).default(5000) }).strict(),
      response: { 200: z.object({ size: z.number(), items: z.array(z.object({ index: z.number(), entry: z.string(), leafHash: z.string() })) }) },
    },
  }, async (request) => ({ size: (await audit.head()).size, items: await audit.entriesFrom(request.query.from, request.query.limit) }));
};
