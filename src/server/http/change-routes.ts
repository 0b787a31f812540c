// Changes over HTTP. Each step's authorization depends on the change as it stands, so the routes
// declare `use-case` and the change service asks Cedar once it has loaded the change.
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { changeStatuses } from '../../core/changes/change-lifecycle.ts';
import { governedActions, revocationReasons } from '../../core/governance/index.ts';
import { actorOf } from '../services/actor.ts';
import type { Actor } from '../services/actor.ts';
import type { ChangeService } from '../services/change-service.ts';
import { requirePrincipal } from './authentication.ts';
import { idSchema, isoTimeSchema, listEnvelope, opaqueIdSchema } from './schemas.ts';

export const actorFrom = (request: FastifyRequest): Actor => actorOf(requirePrincipal(request), request.id);

export const changeEventSchema = z.object({
  seq: z.number(), at: isoTimeSchema, actor: z.string(), person: z.string().optional(), step: z.string(), governanceVersion: z.number(),
  policies: z.array(z.string()).readonly(), details: z.record(z.string(), z.unknown()),
});

export const changeSchema = z.object({
  id: z.string(),
  classId: z.string(),
  action: z.enum(governedActions),
  status: z.enum(changeStatuses),
  requester: z.string(),
  /** Who ordered a change the system requested (an offboarding's administrator); never its approver. */
  orderedBy: z.string().nullable(),
  /** The people behind each principal that stood for someone else when it took its steps (a service account's owners then). */
  people: z.record(z.string(), z.array(z.string()).readonly()).optional(),
  reason: z.string(),
  ticket: z.string().nullable(),
  trigger: z.string().nullable(),
  dueAt: isoTimeSchema.nullable(),
  requestedAt: isoTimeSchema,
  staleAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
  governanceVersion: z.number(),
  approvalsNeeded: z.number(),
  preApprovedBy: z.string().nullable(),
  approvals: z.array(z.string()).readonly(),
  executor: z.string().nullable(),
  executedAt: isoTimeSchema.nullable(),
  verifier: z.string().nullable(),
  verifiedAt: isoTimeSchema.nullable(),
  playbookId: z.string().nullable(),
  connector: z.string().nullable(),
  spec: z.record(z.string(), z.unknown()),
  revision: z.number(),
  credentialIds: z.array(z.string()).readonly(),
});

const changeDetailSchema = changeSchema.extend({ events: z.array(changeEventSchema) });
const credentialIdSchema = z.string().min(1).max(100);
const reasonSchema = z.string().trim().min(1, 'say why, in a few words').max(2000);
const noteSchema = z.string().trim().min(1).max(2000);
const params = z.object({ id: opaqueIdSchema });

export const changeRoutes = (changes: ChangeService) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/changes', {
    config: { action: 'use-case' },
    schema: {
      tags: ['changes'],
      summary: 'Request a change: issue, renew, rotate, revoke or retire credentials (or issue on a class)',
      body: z.object({
        action: z.enum(governedActions),
        credentials: z.array(credentialIdSchema).max(1000).default([]),
        class: idSchema.optional(),
        reason: reasonSchema,
        ticket: z.string().trim().min(1).max(200).optional(),
        trigger: z.enum(revocationReasons).optional(),
        /** What an issue asks for: { csr } or { names, keyAlgorithm }, with lifetime, workload, source; a secret's name. Checked by the service. */
        spec: z.record(z.string(), z.unknown()).optional(),
      }).strict(),
      response: { 201: changeDetailSchema },
    },
  }, async (request, reply) => {
    const { body } = request;
    const created = await changes.request(actorFrom(request), {
      action: body.action, credentialIds: body.credentials, reason: body.reason,
      ...(body.class === undefined ? {} : { classId: body.class }),
      ...(body.ticket === undefined ? {} : { ticket: body.ticket }),
      ...(body.trigger === undefined ? {} : { trigger: body.trigger }),
      ...(body.spec === undefined ? {} : { spec: body.spec }),
    });
    return reply.status(201).send(created);
  });

  api.get('/api/v1/changes', {
    config: { action: 'read' },
    schema: {
      tags: ['changes'],
      summary: 'List changes, newest first',
      querystring: z.object({
        status: z.enum(changeStatuses).optional(),
        class: idSchema.optional(),
        credential: credentialIdSchema.optional(),
        requester: z.string().max(100).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: listEnvelope(changeSchema) },
    },
  }, async (request) => {
    const { query } = request;
    return {
      items: await changes.list({
        limit: query.limit,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.class === undefined ? {} : { classId: query.class }),
        ...(query.credential === undefined ? {} : { credentialId: query.credential }),
        ...(query.requester === undefined ? {} : { requester: query.requester }),
      }),
    };
  });

  api.get('/api/v1/changes/:id', {
    config: { action: 'read' },
    schema: { tags: ['changes'], summary: 'One change with every step it took', params, response: { 200: changeDetailSchema } },
  }, async (request) => changes.show(request.params.id));

  api.post('/api/v1/changes/:id/approve', {
    config: { action: 'use-case' },
    schema: { tags: ['changes'], summary: 'Approve a change (counts towards its quorum)', params, body: z.object({ note: noteSchema.optional() }).strict().default({}), response: { 200: changeDetailSchema } },
  }, async (request) => changes.approve(actorFrom(request), request.params.id, request.body.note));

  api.post('/api/v1/changes/:id/reject', {
    config: { action: 'use-case' },
    schema: { tags: ['changes'], summary: 'Reject a change, with the reason', params, body: z.object({ note: noteSchema }).strict(), response: { 200: changeDetailSchema } },
  }, async (request) => changes.reject(actorFrom(request), request.params.id, request.body.note));

  api.post('/api/v1/changes/:id/cancel', {
    config: { action: 'use-case' },
    schema: { tags: ['changes'], summary: 'Cancel a change before it is executed', params, body: z.object({ note: noteSchema.optional() }).strict().default({}), response: { 200: changeDetailSchema } },
  }, async (request) => changes.cancel(actorFrom(request), request.params.id, request.body.note));

  api.post('/api/v1/changes/:id/execute', {
    config: { action: 'use-case' },
    schema: {
      tags: ['changes'],
      summary: 'Execute an approved change through a connector: builtin-ca and secret-store act themselves; manual records what was done, with evidence',
      params,
      body: z.object({
        connector: z.string().min(1).max(63).optional(),
        reference: z.string().trim().min(1).max(500).optional(),
        pem: z.string().max(256 * 1024).optional(),
        note: noteSchema.optional(),
      }).strict().default({}),
      response: { 200: changeDetailSchema },
    },
  }, async (request) => {
    const { connector, reference, pem, note } = request.body;
    return changes.execute(actorFrom(request), request.params.id, {
      ...(reference === undefined ? {} : { reference }), ...(pem === undefined ? {} : { pem }), ...(note === undefined ? {} : { note }),
    }, connector);
  });

  api.post('/api/v1/changes/:id/verify', {
    config: { action: 'use-case' },
    schema: {
      tags: ['changes'],
      summary: 'Verify an executed change: the connector\'s probes run and are recorded with the checks made; without an outcome the probes decide',
      params,
      body: z.object({
        outcome: z.enum(['passed', 'failed']).optional(),
        checks: z.array(z.string().trim().min(1).max(500)).max(50).default([]),
        note: noteSchema.optional(),
      }).strict().default({ checks: [] }),
      response: { 200: changeDetailSchema },
    },
  }, async (request) => changes.verify(actorFrom(request), request.params.id, {
    checks: request.body.checks,
    ...(request.body.outcome === undefined ? {} : { outcome: request.body.outcome }),
    ...(request.body.note === undefined ? {} : { note: request.body.note }),
  }));

  api.get('/api/v1/changes/:id/probes', {
    config: { action: 'read' },
    schema: {
      tags: ['changes'],
      summary: 'Run the change\'s connector probes now (what the verify step will record), without recording anything',
      params,
      response: { 200: z.object({ items: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })) }) },
    },
  }, async (request) => ({ items: await changes.probe(request.params.id) }));
};
