// Delegations as they stand: declared in governance, live or lapsed, inside or outside a window now, or
// revoked at once (without waiting for an apply). A revocation takes effect on the next decision.
import { delegationEnd, delegationIsLive, delegationIsOpen, nextWindowOpening } from '../../core/governance/index.ts';
import type { Delegation } from '../../core/governance/index.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { DelegationRevocation } from '../../core/authz/authz-model.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { Actor } from './actor.ts';
import { requestIdOf } from './actor.ts';
import { isDenial } from './authz-service.ts';
import type { AuthzService } from './authz-service.ts';

export type DelegationState = Delegation & {
  state: 'open' | 'closed' | 'expired' | 'revoked';
  nextWindowAt: string | null;
  revocation: DelegationRevocation | null;
};

const stateOf = (delegation: Delegation, revocation: DelegationRevocation | null, at: Date): DelegationState => {
  const state = revocation !== null ? 'revoked' : !delegationIsLive(delegation, at) ? 'expired' : delegationIsOpen(delegation, at) ? 'open' : 'closed';
  const end = delegationEnd(delegation) ?? undefined;
  const next = state === 'closed'
    ? (delegation.windows ?? []).map((window) => nextWindowOpening(window, at, end)).filter((date): date is Date => date !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null
    : null;
  return { ...delegation, state, nextWindowAt: next?.toISOString() ?? null, revocation };
};

export const createDelegationService = ({ unitOfWork, clock, authz }: { unitOfWork: UnitOfWork; clock: Clock; authz: AuthzService }) => ({
  list: (at?: Date): Promise<DelegationState[]> => unitOfWork(async (tx) => {
    const snapshot = await authz.snapshot(tx);
    const revoked = await tx.authz.revocations();
    return (snapshot.governance?.delegations ?? []).map((delegation) => stateOf(delegation, revoked.get(delegation.id as string) ?? null, at ?? clock.now()));
  }),

  async revoke(actor: Actor, id: string, reason: string): Promise<DelegationState> {
    const result = await unitOfWork(async (tx) => {
      const snapshot = await authz.snapshot(tx);
      const delegation = snapshot.governance?.delegations.find((entry) => entry.id === id);
      if (delegation === undefined) throw new TrustplaneError('NOT_FOUND', `no delegation ${id}; \`trustplane delegations list\` shows them`);
      const revoked = await tx.authz.revocations();
      const earlier = revoked.get(id);
      if (earlier !== undefined) throw new TrustplaneError('INVALID_TRANSITION', `delegation ${id} was already revoked at ${earlier.revokedAt} by ${earlier.revokedBy}`);
      const now = clock.now();
      const decided = authz.decideIn(snapshot, {
        principal: actor.ref, action: 'revoke-delegation', at: now, readOnly: actor.readOnly,
        resource: { type: 'delegation', id, grantedBy: delegation.grantedBy, partner: delegation.to.slice('org:'.length) },
      });
      if (isDenial(decided)) return decided;
      const revocation: DelegationRevocation = { delegationId: id, revokedAt: now.toISOString(), revokedBy: actor.ref, reason };
      await tx.authz.revokeDelegation(revocation);
      await tx.audit.append({
        at: now, actor: actor.ref, action: 'delegation.revoke', target: `delegation:${id}`, ...(snapshot.version === null ? {} : { governanceVersion: snapshot.version }), ...requestIdOf(actor),
        details: { partner: delegation.to, reason, policies: decided.policies.map((policy) => policy.id) },
      });
      await tx.outbox.add({ topic: 'notification', payload: { event: 'delegation_revoked', delegationId: id, recipients: [delegation.grantedBy, delegation.to] } });
      return stateOf(delegation, revocation, now);
    });
    return authz.settle(result, actor.requestId);
  },
});

export type DelegationService = ReturnType<typeof createDelegationService>;
