// The demo's governance: examples/governance.yaml (its delegations' ends moved so that none has ended;
// see example-governance.ts), plus two delegations whose windows are set from the moment the demo starts,
// so that the README tour works whatever the hour and time zone: one open for the next eight hours (a
// partner acting inside a window), and one that opens only after it (a partner refused outside its
// window, told when the next opens). Globex's own night-time window is open only four hours on weekday
// nights, Berlin time, so the tour cannot rely on it either way.
import { formatInstant } from '../../core/governance/index.ts';
import { exampleGovernanceDocument } from './example-governance.ts';

/** How long the demo's maintenance window stays open after the demo starts. */
export const demoWindowMs = 8 * 3_600_000;

export const demoMaintenanceDelegation = 'globex-maintenance';

/** A delegation whose only window opens when the maintenance window closes: closed while the demo is tried. */
export const demoCutoverDelegation = 'globex-cutover';

/** When the cutover window opens and how long it lasts, after the demo starts. */
const cutoverWindow = { afterMs: demoWindowMs, durationMs: 4 * 3_600_000 };

export const demoGovernance = (now: Date): string => {
  const document = exampleGovernanceDocument(now);
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
  const opens = minute + cutoverWindow.afterMs;
  document.addIn(['delegations'], document.createNode({
    id: demoCutoverDelegation,
    to: 'org:globex',
    classes: ['public-tls'],
    actions: ['issue'],
    windows: [{ from: formatInstant(opens), to: formatInstant(opens + cutoverWindow.durationMs) }],
    until: formatInstant(minute + 30 * 86_400_000),
    grantedBy: 'person:dave',
  }));
  return document.toString();
};
