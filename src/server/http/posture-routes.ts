// Posture over the API: the metrics now, each beside its industry figure, and the daily snapshots (`read`).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { PostureService } from '../services/posture-service.ts';
import { isoTimeSchema } from './schemas.ts';

const metricSchema = z.object({
  id: z.string(), title: z.string(), definition: z.string(), value: z.number().nullable(), numerator: z.number(), denominator: z.number(),
  better: z.enum(['higher', 'lower']), detail: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  breakdown: z.array(z.object({ label: z.string(), count: z.number() })),
  benchmark: z.object({ figure: z.string(), source: z.string(), note: z.string() }).nullable(), frameworks: z.array(z.string()),
});

export const postureRoutes = (posture: PostureService) => (app: FastifyInstance): void => {
  app.get('/api/v1/posture', {
    config: { action: 'read' },
    schema: {
      tags: ['posture'],
      summary: 'The posture metrics of frameworks.md §10.2 the data supports, each beside the industry figure it answers, and the daily snapshots for a trend',
      response: {
        200: z.object({
          posture: z.object({
            at: isoTimeSchema,
            population: z.object({ live: z.number(), unclassified: z.number(), lapsed: z.number(), classes: z.number(), byStatus: z.record(z.string(), z.number()) }),
            metrics: z.array(metricSchema),
          }),
          trend: z.array(z.object({ day: z.string(), at: isoTimeSchema, values: z.record(z.string(), z.number().nullable()) })),
        }),
      },
    },
  }, async () => posture.report());
};
