// Bounded building blocks for request and response schemas: no unbounded string reaches a handler.
import { z } from 'zod';
import { idPattern } from '../../core/governance/index.ts';
import { principalRefPattern } from '../auth/principal.ts';

export const idSchema = z.string().regex(idPattern, 'an id is lowercase letters, digits, ".", "_" or "-", at most 63 characters');
export const opaqueIdSchema = z.string().min(1).max(100);
export const principalRefSchema = z.string().regex(principalRefPattern, 'a principal is written kind:id, for example person:carol');
export const durationTextSchema = z.string().min(2).max(20);
export const isoTimeSchema = z.string().max(40);
export const shortText = (max = 200) => z.string().max(max);

export const listEnvelope = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
