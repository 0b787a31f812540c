// Suggests the known word closest to a misspelt one ("buisnessOwner" → "businessOwner").

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
};

/** The closest candidate (case-insensitive) within two edits, one for short words; null if none. */
export const closestWord = (word: string, candidates: Iterable<string>): string | null => {
  const maxDistance = Math.min(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > maxDistance || candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= maxDistance && (best === null || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate ?? null;
};

export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const suggestion = closestWord(word, candidates);
  return suggestion === null ? '' : `; did you mean "${suggestion}"?`;
};
