// Finds the line of a path in a parsed YAML document, so every issue points at the text to fix. A map
// entry is located at its key (the value may be empty or span lines); a list item at its first line.
// When the path leaves the document (a missing key), the deepest existing ancestor answers.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { GovernancePath } from './governance-model.ts';

export type LineOf = (path: GovernancePath) => number;

const startOf = (node: Node | null | undefined): number | null => node?.range?.[0] ?? null;

export const createLineLocator = (document: Document, lineCounter: LineCounter): LineOf => {
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  return (path) => {
    let node: unknown = document.contents;
    let offset = startOf(document.contents) ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
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
