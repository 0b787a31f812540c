// Finds the line of a path in a parsed YAML document, so every issue points at the text to fix. A map
// entry is located at its key (the value may be empty or span lines); a list item at its first line.
// When the path leaves the document (a missing key), the deepest existing ancestor answers.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair, YAMLMap } from 'yaml';
import type { GovernancePath } from './governance-model.ts';

export type LineOf = (path: GovernancePath) => number;

const startOf = (node: Node | null | undefined): number | null => node?.range?.[0] ?? null;

export const createLineLocator = (document: Document, lineCounter: LineCounter): LineOf => {
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  // Each map is indexed once, so locating many issues in a large map stays linear.
  const indexes = new WeakMap<object, Map<string, Pair<unknown, unknown>>>();
  const pairOf = (map: YAMLMap<unknown, unknown>, key: string): Pair<unknown, unknown> | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) if (isScalar(item.key) && !index.has(String(item.key.value))) index.set(String(item.key.value), item);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node: unknown = document.contents;
    let offset = startOf(document.contents) ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (pair === undefined) break;
        offset = (isScalar(pair.key) ? startOf(pair.key) : null) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        const itemStart = isScalar(item) || isMap(item) || isSeq(item) ? startOf(item) : null;
        if (itemStart === null) break;
        offset = itemStart;
        node = item;
      } else {
        break;
      }
    }
    return lineAt(offset);
  };
};
