// Suggests the known word closest to a misspelt one ("buisnessOwner" → "businessOwner").

/**
 * Levenshtein distance when it is at most `limit`, else Infinity. Only the diagonal band |i − j| ≤ limit
 * of the table can hold such a distance (Ukkonen), so each comparison costs length × (2·limit + 1) steps,
 * in two rows reused across calls.
 */
const editDistance = (a: string, b: string, limit: number, rows: { previous: Int32Array; current: Int32Array }): number => {
  if (Math.abs(a.length - b.length) > limit) return Number.POSITIVE_INFINITY;
  const outside = limit + 1;
  let { previous, current } = rows;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j <= limit ? j : outside;
  for (let i = 1; i <= a.length; i += 1) {
    const from = Math.max(1, i - limit);
    const to = Math.min(b.length, i + limit);
    current[from - 1] = from - 1 === 0 ? (i <= limit ? i : outside) : outside;
    let rowMinimum = current[from - 1] as number;
    for (let j = from; j <= to; j += 1) {
      const substitution = (previous[j - 1] as number) + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      const cell = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution, outside);
      current[j] = cell;
      if (cell < rowMinimum) rowMinimum = cell;
    }
    if (to < b.length) current[to + 1] = outside;
    if (rowMinimum > limit) return Number.POSITIVE_INFINITY;
    [previous, current] = [current, previous];
  }
  const distance = previous[b.length] as number;
  return distance > limit ? Number.POSITIVE_INFINITY : distance;
};

/** The closest candidate (case-insensitive) within two edits, one for short words; null if none. */
export const closestWord = (word: string, candidates: Iterable<string>): string | null => {
  const maxDistance = Math.min(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  const rows = { previous: new Int32Array(word.length + maxDistance + 2), current: new Int32Array(word.length + maxDistance + 2) };
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > maxDistance || candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase(), maxDistance, rows);
    if (distance <= maxDistance && (best === null || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate ?? null;
};

export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const suggestion = closestWord(word, candidates);
  return suggestion === null ? '' : `; did you mean "${suggestion}"?`;
};
