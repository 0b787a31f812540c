// Alerts over the API: list and read them (reading is `read`), acknowledge one (Cedar decides who: the
// people it was routed to and administrators), and run a sweep now (`administer`).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { alertStates, alertTypes, severities } from '../../core/monitor/index.ts';
import type { AlertService, SweepReport } from '../services/alert-service.ts';
import type { RenewalReport } from '../services/renewal-service.ts';
import { actorFrom } from './change-routes.ts';
import { requirePrincipal } from './authentication.ts';
import { idSchema, isoTimeSchema, listEnvelope, opaqueIdSchema, shortText } from './schemas.ts';

export const alertSchema = z.object({
  id: z.string(), type: z.enum(alertTypes), target: z.string(), classId: z.string().nullable(), severity: z.enum(severities), stage: z.string(),
  state: z.enum(alertStates), summary: z.string(), details: z.record(z.string(), z.unknown()), recipients: z.array(z.string()), escalateTo: z.array(z.string()),
  openedAt: isoTimeSchema, updatedAt: isoTimeSchema, acknowledgedBy: z.string().nullable(), acknowledgedAt: isoTimeSchema.nullable(),
  note: z.string().nullable(), escalatedAt: isoTimeSchema.nullable(), resolvedAt: isoTimeSchema.nullable(), resolvedBy: z.string().nullable(),
});

const sweepSchema = z.object({
  at: isoTimeSchema, node: z.string(), credentials: z.number(), findings: z.number(), opened: z.number(), raised: z.number(), resolved: z.number(),
  escalated: z.number(), open: z.number(), notifications: z.number(), tookMs: z.number(),
});

const renewalSchema = z.object({
  at: isoTimeSchema, considered: z.number(), renewed: z.number(), failed: z.number(),
  outcomes: z.array(z.object({ credential: z.string(), name: z.string(), change: z.string().nullable(), status: z.string(), problem: z.string().nullable() })),
});

const stateList = z.string().max(100).transform((text, context) => {
  const states = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const unknown = states.filter((state) => !(alertStates as readonly string[]).includes(state));
  if (unknown.length > 0) {
    context.addIssue({ code: 'custom', message: `${unknown.map((state) => JSON.stringify(state)).join(', ')} is not an alert state; use ${alertStates.join(', ')}` });
    return z.NEVER;
  }
  return states as (typeof alertStates)[number][];
});

/** `afterSweep` delivers what a sweep put in the outbox, after the answer (a slow mail server never holds it up). */
export const alertRoutes = ({ alerts, monitorNow, afterSweep }: {
  alerts: AlertService; monitorNow: (options: { actor: string; requestId?: string }) => Promise<SweepReport & { renewals: RenewalReport }>; afterSweep: () => void;
}) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/alerts', {
    config: { action: 'read' },
    schema: {
      tags: ['alerts'],
      summary: 'Alerts, newest first; by default those not resolved',
      querystring: z.object({
        state: stateList.optional(), type: z.enum(alertTypes).optional(), severity: z.enum(severities).optional().describe('at least this severe'),
        class: idSchema.optional(), target: shortText(300).optional(), mine: z.enum(['true', 'false']).optional().describe('only alerts routed to the caller'),
        limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }).strict(),
      response: { 200: listEnvelope(alertSchema) },
    },
  }, async (request) => {
    const { state, type, severity, class: classId, target, mine, limit, offset } = request.query;
    const principal = requirePrincipal(request);
    const items = await alerts.list({
      states: state ?? ['open', 'acknowledged'], limit, offset,
      ...(type === undefined ? {} : { type }), ...(classId === undefined ? {} : { classId }), ...(target === undefined ? {} : { target }),
      ...(severity === undefined ? {} : { minSeverity: severities.slice(severities.indexOf(severity)) }),
      // Alerts route to people; anyone else asking for their own gets none.
      ...(mine === 'true' ? { recipient: principal.ref.startsWith('person:') ? principal.ref.slice('person:'.length) : '\u0000' } : {}),
    });
    return { items };
  });

  api.get('/api/v1/alerts/:id', {
    config: { action: 'read' },
    schema: { tags: ['alerts'], summary: 'One alert', params: z.object({ id: opaqueIdSchema }), response: { 200: alertSchema } },
  }, async (request) => alerts.find(request.params.id));

  api.post('/api/v1/alerts/:id/ack', {
    config: { action: 'use-case' },
    schema: {
      tags: ['alerts'],
      summary: 'Acknowledge an open alert: someone is on it, so it does not escalate; it still resolves by itself when the condition clears',
      params: z.object({ id: opaqueIdSchema }),
      body: z.object({ note: z.string().trim().min(1).max(2000).optional() }).strict().default({}),
      response: { 200: alertSchema },
    },
  }, async (request) => alerts.acknowledge(actorFrom(request), request.params.id, request.body.note));

  api.post('/api/v1/alerts/sweep', {
    config: { action: 'administer' },
    schema: {
      tags: ['alerts'],
      summary: 'Sweep now, as the scheduler does: renew what is pre-approved and due, then open, raise, resolve and escalate alerts; notifications go out after',
      response: { 200: sweepSchema.extend({ renewals: renewalSchema }) },
    },
  }, async (request) => {
    const report = await monitorNow({ actor: requirePrincipal(request).ref, requestId: request.id });
    afterSweep();
    return report;
  });
};
