// The demo's governance: examples/governance.yaml as written, plus one delegation whose change window is
// open while the demo is being tried, so that the README tour can show a partner acting inside a window
// (Globex's own night-time window is open only four hours on weekday nights, Berlin time).
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { formatInstant } from '../../core/governance/index.ts';

export const exampleGovernancePath = new URL('../../../examples/governance.yaml', import.meta.url);

/** How long the demo's maintenance window stays open after the demo starts. */
export const demoWindowMs = 8 * 3_600_000;

export const demoMaintenanceDelegation = 'globex-maintenance';

export const demoGovernance = (now: Date): string => {
  const document = parseDocument(readFileSync(exampleGovernancePath, 'utf8'));
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  const from = formatInstant(minute - 30 * 60_000);
  const to = formatInstant(minute + demoWindowMs);
  document.addIn(['delegations'], document.createNode({
    id: demoMaintenanceDelegation,
    to: 'org:globex',
    classes: ['internal-mtls'],
    actions: ['issue', 'rotate'],
    windows: [{ from, to }],
    until: formatInstant(minute + 30 * 86_400_000),
    grantedBy: 'person:dave',
  }));
  return document.toString();
};
