// Who hears of an alert (DESIGN.md, decision rights): the class's technical owner and the parties its
// decision rights inform for the action the alert calls for; if nobody acknowledges in time, the
// business owner. Without a class (an unowned credential) the administrators. Teams expand to their
// people; people who left are never told; partners are told nothing.
import type { Governance, GovernedAction } from '../governance/index.ts';
import type { AlertType } from './alert-vocabulary.ts';

/** The action whose decision right names who is informed of an alert of this type. */
const actionOf: Record<AlertType, GovernedAction | null> = {
  expiring: 'renew', expired: 'renew', rotation_overdue: 'rotate', orphaned: 'revoke', unmanaged_storage: 'rotate',
  third_party_exposure: 'revoke', weak_crypto: 'rotate', revocation_sla_breach: 'revoke', review_overdue: 'revoke', denied_attempt: null,
};

export type Route = { notify: string[]; escalateTo: string[] };

export const createRouter = (governance: Governance | null, departed: ReadonlySet<string>) => {
  const customer = governance?.organization.id;
  const people = new Map((governance?.people ?? []).filter((person) => person.org === customer && !departed.has(person.id)).map((person) => [person.id, person]));
  const expand = (refs: readonly string[]): string[] => {
    const ids = new Set<string>();
    for (const ref of refs) {
      const [kind, id] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
      if (kind === 'person' && people.has(id)) ids.add(id);
      if (kind === 'team') for (const person of people.values()) if (person.teams.includes(id)) ids.add(person.id);
    }
    return [...ids].sort();
  };
  const administrators = expand(governance?.administrators ?? []);
  const classes = new Map((governance?.classes ?? []).map((entry) => [entry.id, entry]));
  /** Who hears of an alert of this type about this class. */
  const work = (type: AlertType, classId: string | null, extra: readonly string[]): Route => {
    const entry = classId === null ? undefined : classes.get(classId);
    if (entry === undefined) return { notify: administrators, escalateTo: administrators };
    const action = actionOf[type];
    const informed = action === null ? [] : entry.decisionRights[action]?.informed ?? [];
    // Denials concern both owners; so does an orphan, whose technical owner may be the one who left.
    const owners = type === 'denied_attempt' || type === 'orphaned' ? [entry.technicalOwner, entry.businessOwner] : [entry.technicalOwner];
    const notify = expand([...owners, ...informed, ...extra]);
    const escalateTo = expand([entry.businessOwner]);
    return {
      notify: notify.length > 0 ? notify : administrators,
      escalateTo: escalateTo.length > 0 ? escalateTo : administrators,
    };
  };

  // A sweep routes many alerts of few kinds: each route is worked out once.
  const routes = new Map<string, Route>();
  return {
    route(type: AlertType, classId: string | null, extra: readonly string[] = []): Route {
      const key = `${type} ${classId ?? ''} ${extra.join(',')}`;
      let route = routes.get(key);
      if (route === undefined) {
        route = work(type, classId, extra);
        routes.set(key, route);
      }
      return route;
    },
    person: (id: string) => people.get(id) ?? null,
  };
};

export type Router = ReturnType<typeof createRouter>;
