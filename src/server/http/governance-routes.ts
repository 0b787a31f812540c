import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { formatGovernancePath, formatPlan } from '../../core/governance/index.ts';
import { formatFinding } from '../services/governance-service.ts';
import type { GovernanceService } from '../services/governance-service.ts';
import { requirePrincipal } from './authentication.ts';
import { importBodyLimit } from './app.ts';

const planSchema = z.object({ hasChanges: z.boolean() }).catchall(z.unknown());

export const governanceRoutes = (governance: GovernanceService) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/governance/apply', {
    config: { action: 'administer' },
    bodyLimit: importBodyLimit,
    schema: {
      tags: ['governance'],
      summary: 'Validate a governance document, show its plan, and apply it atomically (or only plan, with dryRun)',
      body: z.object({
        document: z.string().max(5 * 1024 * 1024),
        fileName: z.string().min(1).max(255).default('governance.yaml'),
        dryRun: z.boolean().default(false),
      }).strict(),
      response: {
        200: z.object({ plan: planSchema, planText: z.string(), applied: z.boolean(), dryRun: z.boolean(), version: z.number().nullable(), warnings: z.array(z.string()) }),
      },
    },
  }, async (request) => {
    const result = await governance.apply({ ...request.body, actor: requirePrincipal(request).ref, requestId: request.id });
    return { ...result, planText: formatPlan(result.plan) };
  });

  api.post('/api/v1/governance/lint', {
    config: { action: 'read' },
    bodyLimit: importBodyLimit,
    schema: {
      tags: ['governance'],
      summary: 'The decision-rights lint of a governance document, or of the governance in force when no document is sent',
      body: z.object({
        document: z.string().max(5 * 1024 * 1024).optional(),
        fileName: z.string().min(1).max(255).default('governance.yaml'),
      }).strict(),
      response: {
        200: z.object({
          source: z.string(), errors: z.number(), warnings: z.number(),
          findings: z.array(z.object({
            severity: z.enum(['error', 'warning']), rule: z.string(), classId: z.string().nullable(), action: z.string().nullable(),
            file: z.string(), line: z.number(), path: z.string(), message: z.string(), fix: z.string(), text: z.string(),
          })),
        }),
      },
    },
  }, async (request) => {
    const report = await governance.lint(request.body.document === undefined ? {} : { document: request.body.document, fileName: request.body.fileName });
    return { ...report, findings: report.findings.map((finding) => ({ ...finding, path: formatGovernancePath(finding.path), text: formatFinding(finding) })) };
  });

  api.get('/api/v1/governance', {
    config: { action: 'read' },
    schema: {
      tags: ['governance'],
      summary: 'The governance in force: its version and the whole declared model',
      response: { 200: z.object({ version: z.number().nullable(), appliedAt: z.string().nullable(), appliedBy: z.string().nullable(), governance: z.unknown() }) },
    },
  }, async () => {
    const current = await governance.current();
    return current === null
      ? { version: null, appliedAt: null, appliedBy: null, governance: null }
      : { version: current.version, appliedAt: current.appliedAt, appliedBy: current.appliedBy, governance: current.governance };
  });

  api.get('/api/v1/governance/export', {
    config: { action: 'read' },
    schema: {
      tags: ['governance'],
      summary: 'The governance in force as YAML that applies back with no changes',
      response: { 200: z.object({ version: z.number(), yaml: z.string() }) },
    },
  }, async () => governance.export());
};
