// examples/governance.yaml, as the demo and the tests apply it. Its delegations end on dates a reader can
// take in (`until: 2029-06-30`), but governance refuses a delegation that has already ended, so applied on
// the real clock the file would stop working on the first of those dates. Here each end moves forward by
// whole years, keeping its day, until it is at least a year after `now`: on a date before that, the file
// applies as written.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';

export const exampleGovernancePath = new URL('../../../examples/governance.yaml', import.meta.url);

const yearMs = 365 * 86_400_000;

/** A date (YYYY-MM-DD) moved forward by whole years until it is at least a year after `now`. */
export const dateAtLeastAYearAfter = (date: string, now: Date): string => {
  const moved = new Date(`${date}T00:00:00Z`);
  while (moved.getTime() < now.getTime() + yearMs) moved.setUTCFullYear(moved.getUTCFullYear() + 1);
  return moved.toISOString().slice(0, 10);
};

/**
 * The example's text with each delegation's end moved so that none has ended at `now`. Only those dates
 * change, in place: everything else reads as written, line for line, as tests that edit it expect.
 */
export const exampleGovernanceAt = (now: Date): string => {
  const text = readFileSync(exampleGovernancePath, 'utf8');
  const delegations = parseDocument(text).get('delegations');
  const ends: { from: number; to: number; date: string }[] = [];
  if (isSeq(delegations)) {
    for (const delegation of delegations.items) {
      const until = isMap(delegation) ? delegation.get('until', true) : undefined;
      if (!isScalar(until) || typeof until.value !== 'string' || until.range === undefined || until.range === null) continue;
      if (/^\d{4}-\d{2}-\d{2}$/.test(until.value)) ends.push({ from: until.range[0], to: until.range[1], date: dateAtLeastAYearAfter(until.value, now) });
    }
  }
  return ends.reduceRight((moved, end) => `${moved.slice(0, end.from)}${end.date}${moved.slice(end.to)}`, text);
};

/** The same as a YAML document, for the demo to add to. */
export const exampleGovernanceDocument = (now: Date): Document => parseDocument(exampleGovernanceAt(now));
