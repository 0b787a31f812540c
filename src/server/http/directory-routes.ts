// Read-only views of what governance declares: organizations, people, teams, service accounts,
// agents, workloads, sources, classes, delegations and playbooks.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { TrustplaneError } from '../../core/errors.ts';
import type { GovernanceService } from '../services/governance-service.ts';
import type { InventoryService } from '../services/inventory-service.ts';
import { idSchema } from './schemas.ts';

const declared = z.record(z.string(), z.unknown());

/** URL segment → governance section, and the singular noun used in messages. */
const collections = [
  { path: 'people', section: 'people', noun: 'person' },
  { path: 'teams', section: 'teams', noun: 'team' },
  { path: 'service-accounts', section: 'serviceAccounts', noun: 'service account' },
  { path: 'agents', section: 'agents', noun: 'agent' },
  { path: 'workloads', section: 'workloads', noun: 'workload' },
  { path: 'sources', section: 'sources', noun: 'source' },
  // Their lists are served with their state by emergency-routes.ts (open or revoked delegations).
  { path: 'delegations', section: 'delegations', noun: 'delegation', listed: false },
  { path: 'playbooks', section: 'playbooks', noun: 'playbook', listed: false },
] as const;

type Declared = Record<string, unknown> & { id: string };

export const directoryRoutes = (governance: GovernanceService, inventory: Pick<InventoryService, 'countByClassAndStatus'>) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  for (const collection of collections) {
    if (!('listed' in collection)) api.get(`/api/v1/${collection.path}`, {
      config: { action: 'read' },
      schema: { tags: ['directory'], summary: `List declared ${collection.path}`, response: { 200: z.object({ items: z.array(declared) }) } },
    }, async () => ({ items: (await governance.listEntities(collection.section)) as Declared[] }));

    api.get(`/api/v1/${collection.path}/:id`, {
      config: { action: 'read' },
      schema: { tags: ['directory'], summary: `Show one declared ${collection.noun}`, params: z.object({ id: idSchema }), response: { 200: declared } },
    }, async (request) => {
      const found = await governance.findEntity(collection.section, request.params.id);
      if (found === null) throw new TrustplaneError('NOT_FOUND', `${collection.noun} "${request.params.id}" is not declared in governance`);
      return found as Declared;
    });
  }

  api.get('/api/v1/organizations', {
    config: { action: 'read' },
    schema: {
      tags: ['directory'],
      summary: 'The customer organization and its partners',
      response: { 200: z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })) }) },
    },
  }, async () => {
    const [customer] = (await governance.listEntities('organization')) as { id: string; name: string }[];
    const partners = (await governance.listEntities('partners')) as { id: string; name: string; kind: string }[];
    return { items: [...(customer ? [{ id: customer.id, name: customer.name, kind: 'customer' }] : []), ...partners] };
  });

  const classCounts = async (classId?: string) => {
    const counts = await inventory.countByClassAndStatus(classId);
    const byClass = new Map<string | null, Record<string, number>>();
    for (const { classId, status, count } of counts) byClass.set(classId, { ...byClass.get(classId), [status]: count });
    return byClass;
  };

  api.get('/api/v1/classes', {
    config: { action: 'read' },
    schema: {
      tags: ['classes'],
      summary: 'List credential classes with their credential counts by status',
      response: { 200: z.object({ items: z.array(declared), unclassified: z.record(z.string(), z.number()) }) },
    },
  }, async () => {
    const classes = (await governance.listEntities('classes')) as Declared[];
    const counts = await classCounts();
    return {
      items: classes.map((entry) => ({ ...entry, credentialCounts: counts.get(entry.id) ?? {} })),
      unclassified: counts.get(null) ?? {},
    };
  });

  api.get('/api/v1/classes/:id', {
    config: { action: 'read' },
    schema: { tags: ['classes'], summary: 'Show a class: owners, policy, decision rights and credential counts', params: z.object({ id: idSchema }), response: { 200: declared } },
  }, async (request) => {
    const found = (await governance.findEntity('classes', request.params.id)) as Declared | null;
    if (found === null) throw new TrustplaneError('NOT_FOUND', `class "${request.params.id}" is not declared in governance`);
    // One class's counts read only its own range of the class index.
    const counts = await classCounts(found.id);
    return { ...found, credentialCounts: counts.get(found.id) ?? {} };
  });
};
