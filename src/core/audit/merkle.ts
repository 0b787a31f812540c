// The audit log's Merkle tree, exactly RFC 9162 §2.1 (the same tree as RFC 6962's): SHA-256 over
// 0x00 ‖ leaf for a leaf, 0x01 ‖ left ‖ right for a node, split at the largest power of two below n.
// Everything here is pure. The tree is kept as its perfect subtrees ("nodes"): node (level, index)
// covers leaves [index·2^level, (index+1)·2^level). A node never changes once its last leaf is in, so
// the store keeps each one as it completes, and a proof or root needs only O(log n) of them: the
// functions below say which nodes they need, and compute from what the caller looked up.
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;
/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). Level 0 is a leaf. */
export type NodeId = { level: number; index: number };
/** Node hashes by `nodeKey`. */
export type NodeHashes = ReadonlyMap<string, Hash>;

export const hashSize = 32;

export const nodeKey = ({ level, index }: NodeId): string => `${level}/${index}`;

/** RFC 9162 §2.1.1: the hash of a leaf's data. */
export const leafHash = (data: Uint8Array): Hash => createHash('sha256').update(Uint8Array.of(0x00)).update(data).digest();

/** RFC 9162 §2.1.1: the hash of an interior node. */
export const nodeHash = (left: Hash, right: Hash): Hash => createHash('sha256').update(Uint8Array.of(0x01)).update(left).update(right).digest();

/** MTH({}) = SHA-256 of nothing. */
export const emptyTreeHash: Hash = createHash('sha256').digest();

const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/**
 * The perfect subtrees a range of the tree is made of, largest first: what MTH(D[start:end]) folds
 * (H(n1, H(n2, … nk))). Exact for every range the RFC's recursion visits: [0, n), and [k, n) after a
 * split at k, whose start is aligned to a power of two at least as large as the range.
 */
export const rangeNodes = (start: number, end: number): NodeId[] => {
  const nodes: NodeId[] = [];
  for (let at = start; at < end;) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level += 1;
    nodes.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return nodes;
};

/** MTH of a range from its perfect subtrees' hashes (see rangeNodes). */
const foldRange = (nodes: readonly NodeId[], hashes: NodeHashes): Hash => {
  let hash: Hash | undefined;
  for (let at = nodes.length - 1; at >= 0; at -= 1) {
    const node = hashes.get(nodeKey(nodes[at] as NodeId));
    if (node === undefined) throw new RangeError(`node ${nodeKey(nodes[at] as NodeId)} was not looked up`);
    hash = hash === undefined ? node : nodeHash(node, hash);
  }
  return hash ?? emptyTreeHash;
};

/** RFC 9162 §2.1.1: the root of the first `size` leaves, from rootNodes(size). */
export const rootNodes = (size: number): NodeId[] => rangeNodes(0, size);
export const rootHash = (size: number, hashes: NodeHashes): Hash => foldRange(rootNodes(size), hashes);

/** The ranges whose hashes make an inclusion proof (RFC 9162 §2.1.3.1 PATH), in proof order. */
const inclusionRanges = (index: number, size: number): [number, number][] => {
  const ranges: [number, number][] = [];
  let [start, end] = [0, size];
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index - start < k) {
      ranges.unshift([start + k, end]);
      end = start + k;
    } else {
      ranges.unshift([start, start + k]);
      start += k;
    }
  }
  return ranges;
};

/** The ranges whose hashes make a consistency proof (RFC 9162 §2.1.4.1 SUBPROOF), in proof order. */
const consistencyRanges = (first: number, second: number): [number, number][] => {
  const ranges: [number, number][] = [];
  let [start, end, whole] = [0, second, true];
  while (first !== end) {
    const k = largestPowerOfTwoBelow(end - start);
    if (first - start <= k) {
      ranges.unshift([start + k, end]);
      end = start + k;
    } else {
      ranges.unshift([start, start + k]);
      start += k;
      whole = false;
    }
  }
  // SUBPROOF(m, D[m], b): nothing when b (the old tree is a whole subtree), else MTH(D[start:m]).
  if (!whole) ranges.unshift([start, end]);
  return ranges;
};

const proofNodes = (ranges: readonly [number, number][]): NodeId[] => ranges.flatMap(([start, end]) => rangeNodes(start, end));
const assemble = (ranges: readonly [number, number][], hashes: NodeHashes): Hash[] => ranges.map(([start, end]) => foldRange(rangeNodes(start, end), hashes));

const checkSizes = (what: string, first: number, second: number): void => {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) {
    throw new RangeError(`${what}: ${first} and ${second} are not sizes with the first at most the second`);
  }
};

/** The nodes an inclusion proof of leaf `index` in a tree of `size` needs. */
export const inclusionProofNodes = (index: number, size: number): NodeId[] => {
  checkSizes('inclusion proof', index + 1, size);
  return proofNodes(inclusionRanges(index, size));
};
/** RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of `size`, from inclusionProofNodes' hashes. */
export const inclusionProof = (index: number, size: number, hashes: NodeHashes): Hash[] => assemble(inclusionRanges(index, size), hashes);

/** The nodes a consistency proof between sizes `first` and `second` needs. */
export const consistencyProofNodes = (first: number, second: number): NodeId[] => {
  checkSizes('consistency proof', first, second);
  return first === 0 || first === second ? [] : proofNodes(consistencyRanges(first, second));
};
/** RFC 9162 §2.1.4.1: the consistency proof from `first` to `second`, from consistencyProofNodes' hashes. */
export const consistencyProof = (first: number, second: number, hashes: NodeHashes): Hash[] =>
  first === 0 || first === second ? [] : assemble(consistencyRanges(first, second), hashes);

const sameHash = (a: Hash, b: Hash): boolean => a.length === hashSize && b.length === hashSize && Buffer.from(a).equals(b);

/** RFC 9162 §2.1.3.2: whether `proof` shows the leaf with `hash` at `index` in the tree of `size` with `root`. */
export const verifyInclusion = (index: number, size: number, hash: Hash, proof: readonly Hash[], root: Hash): boolean => {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let [fn, sn, r] = [index, size - 1, hash];
  for (const p of proof) {
    if (sn === 0 || p.length !== hashSize) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(r, root);
};

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` with `secondRoot` extends the tree of `first` with `firstRoot`. */
export const verifyConsistency = (first: number, second: number, firstRoot: Hash, secondRoot: Hash, proof: readonly Hash[]): boolean => {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && sameHash(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== hashSize)) return false;
  // If the old tree is a whole subtree (a power of two), its root is the first hash of the path.
  const path = largestPowerOfTwoBelow(first + 1) === first ? [firstRoot, ...proof] : [...proof];
  let [fn, sn] = [first - 1, second - 1];
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let [fr, sr] = [path[0] as Hash, path[0] as Hash];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, firstRoot) && sameHash(sr, secondRoot);
};

/**
 * The tree's right edge: the perfect subtrees of [0, size), largest first (a compact range). Appending a
 * leaf pushes it and merges equal neighbours; every merge completes a node, which the caller stores.
 */
export type Frontier = { size: number; nodes: { level: number; hash: Hash }[] };

export const emptyFrontier: Frontier = { size: 0, nodes: [] };

/**
 * Appends one leaf hash to a frontier the caller owns, changing it; each node completed on the way (the
 * leaf first) is told to `completed`. Verifiers grow one frontier so, without copying it per leaf.
 */
export const appendLeafInPlace = (frontier: Frontier, hash: Hash, completed?: (node: NodeId & { hash: Hash }) => void): void => {
  completed?.({ level: 0, index: frontier.size, hash });
  frontier.nodes.push({ level: 0, hash });
  frontier.size += 1;
  while (frontier.nodes.length >= 2 && frontier.nodes.at(-1)!.level === frontier.nodes.at(-2)!.level) {
    const right = frontier.nodes.pop()!;
    const left = frontier.nodes.pop()!;
    const level = left.level + 1;
    const merged = { level, hash: nodeHash(left.hash, right.hash) };
    frontier.nodes.push(merged);
    completed?.({ level, index: frontier.size / 2 ** level - 1, hash: merged.hash });
  }
};

/** Appends leaf hashes to a copy of `frontier`; returns it and every node completed on the way (leaves included). */
export const appendLeaves = (frontier: Frontier, leafHashes: readonly Hash[]): { frontier: Frontier; completed: (NodeId & { hash: Hash })[] } => {
  const grown: Frontier = { size: frontier.size, nodes: [...frontier.nodes] };
  const completed: (NodeId & { hash: Hash })[] = [];
  for (const hash of leafHashes) appendLeafInPlace(grown, hash, (node) => completed.push(node));
  return { frontier: grown, completed };
};

/** The root of the tree a frontier describes. */
export const frontierRoot = (frontier: Frontier): Hash => {
  let hash: Hash | undefined;
  for (let at = frontier.nodes.length - 1; at >= 0; at -= 1) {
    const node = frontier.nodes[at]!.hash;
    hash = hash === undefined ? node : nodeHash(node, hash);
  }
  return hash ?? emptyTreeHash;
};
