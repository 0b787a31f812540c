// Credential facts as they travel from a client that parsed them (the CLI) to the server: JSON, with
// dates as ISO-8601 text. One schema for both ends, so that everything the CLI checked before sending
// its first batch is exactly what the server accepts. Its bounds are at least those of the parsers.
import { z } from 'zod';
import { credentialKinds, credentialStatuses } from './credential-kinds.ts';
import type { CredentialFacts } from './credential-facts.ts';

const text = (max: number) => z.string().max(max, { error: `is longer than ${max} characters` });
const instant = z.iso.datetime({ offset: true, error: 'is not an ISO-8601 date-time' }).transform((value) => new Date(value));
const names = (items: number, length: number) => z.array(text(length)).max(items, { error: `has more than ${items} entries` });

export const credentialFactsWireSchema = z.strictObject({
  kind: z.enum(credentialKinds),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, { error: 'is not 64 lowercase hex digits (SHA-256)' }),
  name: text(1024),
  subject: text(4096).optional(),
  issuer: text(4096).optional(),
  sans: names(10_000, 2048).optional(),
  serial: text(256).optional(),
  notBefore: instant.optional(),
  notAfter: instant.optional(),
  keyAlgorithm: text(128).optional(),
  keySize: z.number().int().min(0).max(65_536).optional(),
  isCa: z.boolean().optional(),
  signatureAlgorithm: text(128).optional(),
  externalId: text(512).optional(),
  source: text(256).optional(),
  classId: text(256).optional(),
  storageLocation: text(512).optional(),
  managedStorage: z.boolean().optional(),
  workloads: names(1000, 256).optional(),
  exposedTo: names(1000, 256).optional(),
  lastRotatedAt: instant.optional(),
  status: z.enum(credentialStatuses).optional(),
}) satisfies z.ZodType<CredentialFacts, unknown>;

/** Checks facts as the server will: the first problem as "field: message", or null when they pass. */
export const wireProblem = (facts: CredentialFacts): string | null => {
  const parsed = credentialFactsWireSchema.safeParse(JSON.parse(JSON.stringify(facts)));
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return issue === undefined ? 'is not valid' : `${issue.path.join('.') || 'facts'} ${issue.message}`;
};
