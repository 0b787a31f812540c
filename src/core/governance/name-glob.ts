// Name patterns for classes and policies: `*` stands for one DNS label (one or more characters other
// than "."), `**` for anything, dots included. Matching ignores case, as DNS does.
// Matched by a table over pattern and name, never by a regular expression, so no pattern backtracks.

type Token = { kind: 'char'; char: string } | { kind: 'label' } | { kind: 'any' };

const tokenize = (pattern: string): Token[] => {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== '*') tokens.push({ kind: 'char', char: pattern[i] ?? '' });
    else if (pattern[i + 1] === '*') {
      tokens.push({ kind: 'any' });
      while (pattern[i + 1] === '*') i += 1;
    } else tokens.push({ kind: 'label' });
  }
  return tokens;
};

export const globMatches = (pattern: string, name: string): boolean => {
  const text = name.toLowerCase();
  // reachable[j]: the tokens so far can consume exactly the first j characters of the name.
  let reachable = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const token of tokenize(pattern.toLowerCase())) {
    const next = Array.from({ length: text.length + 1 }, () => false);
    if (token.kind === 'char') {
      for (let j = 0; j < text.length; j += 1) next[j + 1] = (reachable[j] ?? false) && text[j] === token.char;
    } else if (token.kind === 'label') {
      let inLabel = false;
      for (let j = 1; j <= text.length; j += 1) {
        inLabel = text[j - 1] !== '.' && (inLabel || (reachable[j - 1] ?? false));
        next[j] = inLabel;
      }
    } else {
      const first = reachable.indexOf(true);
      if (first >= 0) for (let j = first; j <= text.length; j += 1) next[j] = true;
    }
    reachable = next;
  }
  return reachable[text.length] ?? false;
};
