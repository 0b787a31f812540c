// Canonical JSON: object keys sorted, undefined left out, no whitespace. Two models mean the same
// exactly when their canonical JSON is equal.

const canonicalValue = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([, entry]) => entry !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, entry]) => [key, canonicalValue(entry)]));
};

export const canonicalJson = (value: unknown): string => JSON.stringify(canonicalValue(value));
