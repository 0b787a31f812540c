// After classes are added or their match rules change, the unclassified credentials already in the
// inventory that the rules now claim are classified, as an import of them would be. Only unclassified
// ones: moving a credential that has a class changes which decision rights govern it, which takes more
// than an apply. The inventory may hold a million credentials, so it is read in windows along the primary
// key and written a window at a time; only the counts and a bounded list of ids are kept.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { classifyCredential } from '../../core/governance/index.ts';
import type { ClassificationPlan, CredentialClass } from '../../core/governance/index.ts';
import type { UnitOfWorkContext } from '../db/unit-of-work.ts';

const pageSize = 5000;

/** Ids listed in the apply's audit entry, over all classes (about 56 kB); the counts are always exact. */
export const auditedIds = 2000;

export type InventoryClassification = {
  plan: ClassificationPlan;
  /** Per class: the count, the first ids, and how many ids were left out of the list. */
  audit: { classId: string; count: number; listed: string[]; leftOut: number }[];
};

/**
 * Classifies the unclassified credentials that `classes` claim (the first class in file order, as on
 * import), or with `write: false` only counts them, for a dry run.
 */
export const classifyInventory = async (tx: UnitOfWorkContext, classes: readonly CredentialClass[], options: { write: boolean; now: string }): Promise<InventoryClassification> => {
  const kinds = [...new Set(classes.filter((entry) => entry.match !== undefined).flatMap((entry) => entry.kinds as readonly string[]))];
  if (kinds.length === 0) return { plan: [], audit: [] };
  const byClass = new Map<string, { count: number; listed: string[] }>();
  let listable = auditedIds;
  let after: string | null = '';
  while (after !== null) {
    const page = await tx.credentials.unclassifiedPage(after, kinds, pageSize);
    after = page.next;
    const claimed = new Map<string, string[]>();
    for (const credential of page.credentials) {
      const classId = classifyCredential(classes, {
        kind: credential.kind, name: credential.name, sans: credential.sans,
        ...(credential.subject === null ? {} : { subject: credential.subject }),
        ...(credential.issuer === null ? {} : { issuer: credential.issuer }),
        ...(credential.sourceId === null ? {} : { source: credential.sourceId }),
      });
      if (classId === null) continue;
      const ids = claimed.get(classId) ?? [];
      ids.push(credential.id);
      claimed.set(classId, ids);
    }
    for (const [classId, ids] of claimed) {
      const moved = options.write ? await tx.credentials.classify(ids, classId, options.now) : ids.length;
      const entry = byClass.get(classId) ?? { count: 0, listed: [] };
      entry.count += moved;
      const listing = ids.slice(0, listable);
      entry.listed.push(...listing);
      listable -= listing.length;
      byClass.set(classId, entry);
    }
    // A large inventory takes seconds; let the server answer other requests between pages.
    if (after !== null) await yieldToEventLoop();
  }
  const ordered = classes.filter((entry) => byClass.has(entry.id)).map((entry) => ({ classId: entry.id, ...byClass.get(entry.id)! }));
  return {
    plan: ordered.map(({ classId, count }) => ({ classId, credentials: count })),
    audit: ordered.map(({ classId, count, listed }) => ({ classId, count, listed, leftOut: count - listed.length })),
  };
};
