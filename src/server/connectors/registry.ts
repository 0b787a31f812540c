// Connectors register by id, as step-ca's CA backends do; the change service looks them up here.
import { TrustplaneError } from '../../core/errors.ts';
import type { Change } from '../../core/changes/change-lifecycle.ts';
import type { Governance } from '../../core/governance/index.ts';
import type { UnitOfWorkContext } from '../db/unit-of-work.ts';
import type { Connector } from './connector.ts';
import { manualConnector } from './manual-connector.ts';

export type ConnectorRegistry = {
  register(connector: Connector): void;
  get(id: string): Connector;
  find(id: string): Connector | undefined;
  all(): Connector[];
  ids(): string[];
};

export const createConnectorRegistry = (connectors: readonly Connector[] = [manualConnector]): ConnectorRegistry => {
  const byId = new Map<string, Connector>();
  const registry: ConnectorRegistry = {
    register(connector) {
      if (byId.has(connector.id)) throw new Error(`connector ${connector.id} is registered twice`);
      byId.set(connector.id, connector);
    },
    get(id) {
      const connector = byId.get(id);
      if (connector === undefined) throw new TrustplaneError('VALIDATION_FAILED', `no connector "${id}"; the registered connectors are ${[...byId.keys()].join(', ')}`);
      return connector;
    },
    find: (id) => byId.get(id),
    all: () => [...byId.values()],
    ids: () => [...byId.keys()],
  };
  for (const connector of connectors) registry.register(connector);
  return registry;
};

/**
 * The connector that executes a change: the one named, else the one that holds its credentials (the CA
 * that issued them, the store that keeps them), else for an issue the one serving the class's source
 * (or the spec's), else the manual connector.
 */
export const chooseConnector = async (
  registry: ConnectorRegistry, input: { tx: UnitOfWorkContext; governance: Governance; change: Change; named?: string },
): Promise<Connector> => {
  const { tx, governance, change, named } = input;
  if (named !== undefined) return registry.get(named);
  if (change.credentialIds.length > 0) {
    for (const connector of registry.all()) {
      if (await connector.holds(tx, change.credentialIds)) return connector;
    }
  } else {
    const credentialClass = governance.classes.find((entry) => entry.id === change.classId);
    const sourceIds = change.spec.source === undefined ? credentialClass?.policy.allowedSources ?? [] : [change.spec.source];
    for (const sourceId of sourceIds) {
      const kind = governance.sources.find((source) => source.id === sourceId)?.kind;
      const connector = registry.all().find((candidate) => kind !== undefined && candidate.sourceKinds.includes(kind));
      if (connector !== undefined) return connector;
    }
  }
  return registry.get('manual');
};
