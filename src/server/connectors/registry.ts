// Connectors register by id, as step-ca's CA backends do; the change service looks them up here.
import { TrustplaneError } from '../../core/errors.ts';
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
