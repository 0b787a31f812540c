import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { credentialFactsWireSchema, credentialKinds, credentialStatuses } from '../../core/inventory/index.ts';
import { credentialSortKeys } from '../stores/credential-query.ts';
import type { InventoryService } from '../services/inventory-service.ts';
import { requirePrincipal } from './authentication.ts';
import { importBodyLimit } from './app.ts';
import { idSchema, principalRefSchema, shortText } from './schemas.ts';

const text = shortText(1024);

const credentialSchema = z.object({
  id: z.string(),
  fingerprint: z.string(),
  kind: z.string(),
  name: z.string(),
  classId: z.string().nullable(),
  sourceId: z.string().nullable(),
  status: z.string(),
  subject: z.string().nullable(),
  issuer: z.string().nullable(),
  serial: z.string().nullable(),
  sans: z.array(z.string()),
  notBefore: z.string().nullable(),
  notAfter: z.string().nullable(),
  keyAlgorithm: z.string().nullable(),
  keySize: z.number().nullable(),
  isCa: z.boolean(),
  signatureAlgorithm: z.string().nullable(),
  externalId: z.string().nullable(),
  storageLocation: z.string().nullable(),
  managedStorage: z.boolean().nullable(),
  exposedTo: z.array(z.string()),
  lastRotatedAt: z.string().nullable(),
  supersedes: z.string().nullable(),
  supersededBy: z.string().nullable(),
  importedFrom: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  workloads: z.array(z.string()),
});

const importCounts = { created: z.number(), updated: z.number(), unchanged: z.number(), skipped: z.number(), heldBack: z.number(), unclassified: z.number() };

const importSummarySchema = z.object({
  files: z.array(z.object({ file: z.string(), credentials: z.number(), ...importCounts })),
  ...importCounts,
  notices: z.array(z.object({
    file: z.string(),
    entry: z.string(),
    credentialId: z.string(),
    outcome: z.enum(['skipped', 'refreshed']).describe('skipped: nothing of the entry was applied; refreshed: its facts were, but for the fields held back'),
    heldBack: z.array(z.object({ field: z.enum(['kind', 'class', 'status', 'name', 'source']), asked: z.string(), stands: z.string(), reason: z.string() })),
  })).describe('entries the import did not apply in full, at most 100'),
  noticesLeftOut: z.number(),
});

const boolText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const credentialRoutes = (inventory: InventoryService) => (app: FastifyInstance): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/credentials', {
    config: { action: 'read' },
    schema: {
      tags: ['credentials'],
      summary: 'List credentials, filtered, sorted and paged',
      querystring: z.object({
        class: idSchema.optional(),
        kind: z.enum(credentialKinds).optional(),
        owner: principalRefSchema.optional().describe('a class owner (business or technical), e.g. person:dave'),
        source: idSchema.optional(),
        workload: idSchema.optional(),
        status: z.enum(credentialStatuses).optional(),
        expiringWithin: z.string().max(20).optional().describe('a duration such as 30d'),
        unclassified: boolText.optional(),
        q: z.string().max(200).optional().describe('text found in the name, subject, SANs, issuer, serial or fingerprint'),
        sort: z.string().regex(new RegExp(`^-?(${credentialSortKeys.join('|')})$`), `sort by ${credentialSortKeys.join(', ')}; prefix with - to reverse`).default('notAfter'),
        page: z.coerce.number().int().min(1).max(1_000_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(1000).default(50),
      }).strict(),
      response: { 200: z.object({ items: z.array(credentialSchema), page: z.number(), pageSize: z.number(), total: z.number().describe('exact when totalIsExact; otherwise a lower bound (10,000)'), totalIsExact: z.boolean() }) },
    },
  }, async (request) => {
    const query = request.query;
    const descending = query.sort.startsWith('-');
    return inventory.list({
      ...(query.class === undefined ? {} : { classId: query.class }),
      ...(query.kind === undefined ? {} : { kind: query.kind }),
      ...(query.owner === undefined ? {} : { owner: query.owner }),
      ...(query.source === undefined ? {} : { sourceId: query.source }),
      ...(query.workload === undefined ? {} : { workloadId: query.workload }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.expiringWithin === undefined ? {} : { expiringWithin: query.expiringWithin }),
      ...(query.unclassified === undefined ? {} : { unclassified: query.unclassified }),
      ...(query.q === undefined ? {} : { text: query.q }),
      sort: query.sort.replace(/^-/, '') as (typeof credentialSortKeys)[number],
      descending,
      page: query.page,
      pageSize: query.pageSize,
    });
  });

  api.get('/api/v1/credentials/:id', {
    config: { action: 'read' },
    schema: {
      tags: ['credentials'],
      summary: 'Show one credential (by id or fingerprint) with its lineage',
      params: z.object({ id: z.string().min(1).max(100) }),
      response: { 200: z.object({ credential: credentialSchema, lineage: z.object({ supersedes: credentialSchema.nullable(), supersededBy: credentialSchema.nullable() }) }) },
    },
  }, async (request) => inventory.show(request.params.id));

  api.post('/api/v1/credentials/import', {
    config: { action: 'import' },
    bodyLimit: importBodyLimit,
    schema: {
      tags: ['credentials'],
      summary: 'Import trust material: files (PEM, DER, OpenSSH, JSON, CSV; base64) or facts parsed by a client. All or nothing.',
      description: 'Adds credentials and refreshes the facts of known ones; never changes the kind, class or status of a credential on record (that takes a change). Entries that asked for such a change are listed in notices.',
      body: z.object({
        files: z.array(z.object({ name: z.string().min(1).max(255), content: z.base64().max(importBodyLimit) })).max(1000).optional(),
        entries: z.array(z.object({ file: z.string().min(1).max(255), entry: z.string().max(200), facts: credentialFactsWireSchema })).max(20_000).optional(),
        class: idSchema.optional(),
        source: idSchema.optional(),
        workloads: z.array(idSchema).max(100).optional(),
        storageLocation: text.optional(),
        managedStorage: z.boolean().optional(),
      }).strict().refine((body) => (body.files === undefined) !== (body.entries === undefined), 'send either files or entries'),
      response: { 200: importSummarySchema },
    },
  }, async (request) => {
    const body = request.body;
    const defaults = {
      ...(body.class === undefined ? {} : { classId: body.class }),
      ...(body.source === undefined ? {} : { sourceId: body.source }),
      ...(body.workloads === undefined ? {} : { workloads: body.workloads }),
      ...(body.storageLocation === undefined ? {} : { storageLocation: body.storageLocation }),
      ...(body.managedStorage === undefined ? {} : { managedStorage: body.managedStorage }),
    };
    const actor = requirePrincipal(request).ref;
    if (body.files !== undefined) {
      const files = body.files.map((file) => ({ name: file.name, bytes: Buffer.from(file.content, 'base64') }));
      return inventory.importFiles(files, defaults, actor, request.id);
    }
    return inventory.importEntries(body.entries ?? [], defaults, actor, request.id);
  });
};
