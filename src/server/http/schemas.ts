// Bounded building blocks for request and response schemas: no unbounded string reaches a handler.
import { z } from 'zod';
import { TrustplaneError } from '../../core/errors.ts';
import { idPattern, parseInstant } from '../../core/governance/index.ts';
import { principalRefPattern } from '../auth/principal.ts';

export const idSchema = z.string().regex(idPattern, 'an id is lowercase letters, digits, ".", "_" or "-", at most 63 characters');
export const opaqueIdSchema = z.string().min(1).max(100);
export const principalRefSchema = z.string().regex(principalRefPattern, 'a principal is written kind:id, for example person:carol');
export const durationTextSchema = z.string().min(2).max(20);
export const isoTimeSchema = z.string().max(40);
export const shortText = (max = 200) => z.string().max(max);

export const listEnvelope = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** An instant with its offset (2027-03-01T23:00:00+01:00), as a query or body field; refused with the field's name otherwise. */
export const parseInstantParameter = (field: string, text: string): Date => {
  const ms = parseInstant(text);
  if (ms === null) throw new TrustplaneError('VALIDATION_FAILED', `${field}: "${text.slice(0, 40)}" is not an instant with its offset, for example 2027-03-01T23:00:00Z`);
  return new Date(ms);
};
