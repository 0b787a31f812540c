// Who a use case acts for: the authenticated principal, whether its token only reads, and the request.
import type { Principal } from '../auth/principal.ts';

export type Actor = { ref: string; readOnly: boolean; requestId?: string };

export const actorOf = (principal: Principal, requestId: string): Actor => ({ ref: principal.ref, readOnly: principal.scope === 'read-only', requestId });

export const requestIdOf = (actor: Actor): { requestId?: string } => (actor.requestId === undefined ? {} : { requestId: actor.requestId });
