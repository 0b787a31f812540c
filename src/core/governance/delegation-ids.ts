// Delegations may be written without an id (DESIGN.md's example has none). A missing id is derived from
// what the delegation grants, not from its position, so reordering the file does not rename it:
// `<partner>-<first class>` ("*" reads as "all"), then "-2", "-3"… in file order when that is taken.
// Explicit ids win; duplicates among explicit ids are reported by the unique-ids rule.

type DelegationDraft = { id?: string | undefined; to: string; classes: string[] };

const baseId = (delegation: DelegationDraft): string => {
  const partner = delegation.to.slice('org:'.length);
  const firstClass = delegation.classes[0] ?? 'all';
  return `${partner}-${firstClass === '*' ? 'all' : firstClass}`.slice(0, 59);
};

export const withDelegationIds = <G extends { delegations: DelegationDraft[] }>(
  governance: G,
): Omit<G, 'delegations'> & { delegations: (G['delegations'][number] & { id: string })[] } => {
  const taken = new Set(governance.delegations.flatMap((delegation) => (delegation.id === undefined ? [] : [delegation.id])));
  const delegations = governance.delegations.map((delegation) => {
    if (delegation.id !== undefined) return { ...delegation, id: delegation.id };
    const base = baseId(delegation);
    let id = base;
    for (let suffix = 2; taken.has(id); suffix += 1) id = `${base}-${suffix}`;
    taken.add(id);
    return { ...delegation, id };
  });
  return { ...governance, delegations };
};
