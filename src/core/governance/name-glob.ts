// Name patterns for classes and policies: `*` stands for one DNS label (one or more characters other
// than "."), `**` for anything, dots included. Matching ignores case, as DNS does.
// Matched by a table over pattern and name, never by a regular expression, so no pattern backtracks:
// the cost is at most (pattern length × name length) steps. Patterns are compiled once and cached,
// because classification runs this for every imported credential.

type Token = { kind: 'char'; char: number } | { kind: 'label' } | { kind: 'any' };

const dot = '.'.charCodeAt(0);

const tokenize = (pattern: string): Token[] => {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== '*') tokens.push({ kind: 'char', char: pattern.charCodeAt(i) });
    else if (pattern[i + 1] === '*') {
      tokens.push({ kind: 'any' });
      while (pattern[i + 1] === '*') i += 1;
    } else tokens.push({ kind: 'label' });
  }
  return tokens;
};

const compiled = new Map<string, Token[]>();
const maxCompiled = 10_000;

const tokensOf = (pattern: string): Token[] => {
  let tokens = compiled.get(pattern);
  if (tokens === undefined) {
    tokens = tokenize(pattern.toLowerCase());
    if (compiled.size >= maxCompiled) compiled.clear();
    compiled.set(pattern, tokens);
  }
  return tokens;
};

export const globMatches = (pattern: string, name: string): boolean => {
  const text = name.toLowerCase();
  const length = text.length;
  // reachable[j] = 1: the tokens so far can consume exactly the first j characters of the name.
  let reachable = new Uint8Array(length + 1);
  let next = new Uint8Array(length + 1);
  reachable[0] = 1;
  for (const token of tokensOf(pattern)) {
    next.fill(0);
    let any = false;
    if (token.kind === 'char') {
      for (let j = 0; j < length; j += 1) {
        if (reachable[j] === 1 && text.charCodeAt(j) === token.char) { next[j + 1] = 1; any = true; }
      }
    } else if (token.kind === 'label') {
      let inLabel = false;
      for (let j = 1; j <= length; j += 1) {
        inLabel = text.charCodeAt(j - 1) !== dot && (inLabel || reachable[j - 1] === 1);
        if (inLabel) { next[j] = 1; any = true; }
      }
    } else {
      const first = reachable.indexOf(1);
      if (first >= 0) { next.fill(1, first); any = true; }
    }
    if (!any) return false;
    [reachable, next] = [next, reachable];
  }
  return reachable[length] === 1;
};
