// Every change window of a live delegation can open: its cron is valid and fires, its time zone exists,
// and it opens at least once between now and the delegation's end.
import { checkCronWindow, delegationEnd, delegationIsLive, isWindowOpen, nextWindowOpening } from './change-windows.ts';
import type { ChangeWindow, Delegation, GovernancePath } from './governance-model.ts';
import type { GovernanceRule, RuleIssue } from './governance-rule.ts';
import { isUnchangedDelegation } from './rule-delegations.ts';
import { formatInstant, parseInstant } from './governance-time.ts';

const opensBeforeEnd = (window: ChangeWindow, now: Date, end: Date | null): boolean =>
  isWindowOpen(window, now) || nextWindowOpening(window, now, end ?? undefined) !== null;

const windowIssue = (window: ChangeWindow, delegation: Delegation, now: Date, path: GovernancePath): RuleIssue | null => {
  const end = delegationEnd(delegation);
  const nowText = formatInstant(now.getTime());
  if ('cron' in window) {
    const check = checkCronWindow(window);
    if (!check.ok) {
      const field = check.problem === 'unknown_time_zone' ? 'timeZone' : 'cron';
      return { path: [...path, field], message: check.problem === 'never_fires' ? `window never opens: ${check.message}` : check.message };
    }
    if (!delegationIsLive(delegation, now) || opensBeforeEnd(window, now, end)) return null;
    return { path: [...path, 'cron'], message: `window never opens: cron "${window.cron}" does not fire between now (${nowText}) and until (${delegation.until})` };
  }
  const [from, to] = [parseInstant(window.from) ?? 0, parseInstant(window.to) ?? 0];
  if (to <= from) return { path: [...path, 'to'], message: `window never opens: it ends (${window.to}) before it starts (${window.from})` };
  if (!delegationIsLive(delegation, now)) return null;
  if (to <= now.getTime()) return { path: [...path, 'to'], message: `window never opens: it ended at ${window.to}, before now (${nowText})` };
  if (end !== null && from >= end.getTime()) {
    return { path: [...path, 'from'], message: `window never opens: it starts at ${window.from}, after the delegation ends (until ${delegation.until})` };
  }
  return null;
};

export const changeWindowsCanOpen: GovernanceRule = (governance, { now, current }) =>
  governance.delegations.flatMap((delegation, i) => (delegation.windows ?? []).flatMap((window, w) => {
    // A window in force is judged when it was applied; time passing does not make the file invalid.
    if (isUnchangedDelegation(delegation, current)) return [];
    const issue = windowIssue(window, delegation, now, ['delegations', i, 'windows', w]);
    return issue === null ? [] : [issue];
  }));
