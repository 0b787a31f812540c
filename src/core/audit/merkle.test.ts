// RFC 9162 §2.1 against published vectors. The leaves, roots and proofs below are the test vectors of
// the Certificate Transparency reference implementation (certificate-transparency's
// merkle_tree_test.cc), as kept in transparency-dev/merkle, proof/verify_test.go: eight leaves, the
// root after each, six inclusion proofs and five consistency proofs. RFC 9162's v2 tree hashes exactly
// as RFC 6962's, so the same vectors hold.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  appendLeaves, consistencyProof, consistencyProofNodes, emptyFrontier, emptyTreeHash, frontierRoot, inclusionProof, inclusionProofNodes,
  leafHash, nodeKey, rootHash, rootNodes, verifyConsistency, verifyInclusion,
} from './merkle.ts';
import type { Hash, NodeId } from './merkle.ts';
import { entryJson, entryLeafHash } from './audit-entry.ts';

const h = (hex: string): Hash => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (hash: Hash): string => Buffer.from(hash).toString('hex');

// Vector source: transparency-dev/merkle proof/verify_test.go (`leaves`, `roots`), from certificate-transparency.
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Vector source: the same file, `inclusionProofs` ({leaf (1-based), size, proof}).
const inclusionVectors: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  { leaf: 1, size: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { leaf: 6, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { leaf: 2, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
// Vector source: the same file, `consistencyProofs` ({size1, size2, proof}).
const consistencyVectors: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  { first: 1, second: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { first: 6, second: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { first: 2, second: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { first: 6, second: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

/** Every node of a tree of these leaves, as the store would hold them (appendLeaves' completed nodes). */
const nodesOf = (data: readonly Uint8Array[]): Map<string, Hash> =>
  new Map(appendLeaves(emptyFrontier, data.map(leafHash)).completed.map((node) => [nodeKey(node), node.hash]));

/** Only the nodes asked for, as the store looks them up; a missing one fails the test. */
const lookUp = (all: Map<string, Hash>, wanted: readonly NodeId[]): Map<string, Hash> =>
  new Map(wanted.map((node) => {
    const hash = all.get(nodeKey(node));
    assert.ok(hash !== undefined, `node ${nodeKey(node)} is not complete`);
    return [nodeKey(node), hash];
  }));

describe('RFC 9162 Merkle tree', () => {
  const all = nodesOf(leaves);

  it('gives the published root after each of the eight leaves, from the frontier and from the stored nodes', () => {
    for (let size = 1; size <= 8; size += 1) {
      const appended = appendLeaves(emptyFrontier, leaves.slice(0, size).map(leafHash));
      assert.equal(hex(frontierRoot(appended.frontier)), roots[size - 1], `size ${size}, frontier`);
      assert.equal(hex(rootHash(size, lookUp(all, rootNodes(size)))), roots[size - 1], `size ${size}, nodes`);
    }
    // MTH({}) = SHA-256 of the empty string.
    assert.equal(hex(frontierRoot(emptyFrontier)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(emptyTreeHash), hex(frontierRoot(emptyFrontier)));
  });

  it('makes and verifies the published inclusion proofs, and refuses them altered', () => {
    for (const vector of inclusionVectors) {
      const [index, root] = [vector.leaf - 1, h(roots[vector.size - 1]!)];
      const proof = inclusionProof(index, vector.size, lookUp(all, inclusionProofNodes(index, vector.size)));
      assert.deepEqual(proof.map(hex), vector.proof, `leaf ${index} of ${vector.size}`);
      const hash = leafHash(leaves[index]!);
      assert.ok(verifyInclusion(index, vector.size, hash, proof, root));
      // As the reference implementation's corrupted probes: wrong index, size, leaf, root; garbage; a flipped bit.
      assert.ok(!verifyInclusion(index + 1, vector.size, hash, proof, root), 'index + 1');
      assert.ok(!verifyInclusion(index, vector.size * 2, hash, proof, root), 'size * 2');
      assert.ok(!verifyInclusion(index, vector.size, leafHash(Buffer.from('WrongLeaf')), proof, root), 'wrong leaf');
      assert.ok(!verifyInclusion(index, vector.size, hash, proof, emptyTreeHash), 'empty root');
      assert.ok(!verifyInclusion(index, vector.size, hash, [...proof, root], root), 'trailing root');
      assert.ok(!verifyInclusion(index, vector.size, hash, [root, ...proof], root), 'preceding root');
      for (let at = 0; at < proof.length; at += 1) {
        const flipped = proof.map((p, i) => (i === at ? Uint8Array.from(p, (byte, j) => (j === 0 ? byte ^ 8 : byte)) : p));
        assert.ok(!verifyInclusion(index, vector.size, hash, flipped, root), `proof[${at}] flipped`);
      }
      if (proof.length > 0) assert.ok(!verifyInclusion(index, vector.size, hash, proof.slice(0, -1), root), 'removed component');
    }
  });

  it('makes and verifies the published consistency proofs, and refuses them altered', () => {
    for (const vector of consistencyVectors) {
      const [firstRoot, secondRoot] = [h(roots[vector.first - 1]!), h(roots[vector.second - 1]!)];
      const proof = consistencyProof(vector.first, vector.second, lookUp(all, consistencyProofNodes(vector.first, vector.second)));
      assert.deepEqual(proof.map(hex), vector.proof, `${vector.first} → ${vector.second}`);
      assert.ok(verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, proof));
      if (proof.length === 0) continue;
      assert.ok(!verifyConsistency(vector.first, vector.second, secondRoot, firstRoot, proof), 'swapped roots');
      assert.ok(!verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, []), 'empty proof');
      assert.ok(!verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, [...proof, firstRoot]), 'trailing root1');
      assert.ok(!verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, [secondRoot, ...proof]), 'preceding root2');
      assert.ok(!verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, proof.slice(0, -1)), 'truncated');
      if (vector.first > 1) assert.ok(!verifyConsistency(vector.first - 1, vector.second, firstRoot, secondRoot, proof), 'size1 - 1');
      for (let at = 0; at < proof.length; at += 1) {
        const flipped = proof.map((p, i) => (i === at ? Uint8Array.from(p, (byte, j) => (j === 0 ? byte ^ 16 : byte)) : p));
        assert.ok(!verifyConsistency(vector.first, vector.second, firstRoot, secondRoot, flipped), `proof[${at}] flipped`);
      }
    }
  });

  it('holds the edge cases of §2.1.4.2: equal sizes, an empty old tree, time running backwards', () => {
    const root = h(roots[3]!);
    assert.ok(verifyConsistency(4, 4, root, root, []));
    assert.ok(!verifyConsistency(4, 4, root, h(roots[4]!), []));
    assert.ok(!verifyConsistency(4, 4, root, root, [root]));
    assert.ok(verifyConsistency(0, 4, emptyTreeHash, root, []));
    assert.ok(!verifyConsistency(5, 4, root, root, []));
    assert.ok(!verifyInclusion(0, 0, leafHash(leaves[0]!), [], emptyTreeHash));
    assert.throws(() => inclusionProofNodes(8, 8), RangeError);
  });

  it('agrees with itself on a larger random tree: every inclusion and consistency proof from stored nodes verifies', () => {
    const data = Array.from({ length: 137 }, () => randomBytes(1 + Math.floor(Math.random() * 40)));
    const nodes = nodesOf(data);
    const rootOf = (size: number) => rootHash(size, lookUp(nodes, rootNodes(size)));
    for (const size of [1, 2, 3, 31, 32, 33, 64, 100, 137]) {
      const root = rootOf(size);
      assert.equal(hex(root), hex(frontierRoot(appendLeaves(emptyFrontier, data.slice(0, size).map(leafHash)).frontier)));
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(index, size, lookUp(nodes, inclusionProofNodes(index, size)));
        assert.ok(verifyInclusion(index, size, leafHash(data[index]!), proof, root), `leaf ${index} of ${size}`);
      }
      for (const first of [1, 2, 7, 16, 31, 32, 33, 99].filter((value) => value <= size)) {
        const proof = consistencyProof(first, size, lookUp(nodes, consistencyProofNodes(first, size)));
        assert.ok(verifyConsistency(first, size, rootOf(first), root, proof), `${first} → ${size}`);
      }
    }
  });

  it("hashes an entry's canonical JSON as RFC 9162 hashes its UTF-8 octets", () => {
    const json = entryJson({ index: 3, at: '2026-11-22T00:00:00.000Z', actor: 'person:zoë', action: 'x', target: 'y', requestId: null, governanceVersion: null, details: { b: 1, a: 'ü' } });
    assert.equal(json, '{"action":"x","actor":"person:zoë","at":"2026-11-22T00:00:00.000Z","details":{"a":"ü","b":1},"governanceVersion":null,"index":3,"requestId":null,"target":"y"}');
    assert.equal(hex(entryLeafHash(json)), hex(leafHash(Buffer.from(json, 'utf8'))));
  });

  it('appends in batches exactly as one at a time', () => {
    const hashes = Array.from({ length: 50 }, () => leafHash(randomBytes(8)));
    const once = appendLeaves(emptyFrontier, hashes);
    let frontier = emptyFrontier;
    const completed: string[] = [];
    for (let at = 0; at < hashes.length; at += 7) {
      const step = appendLeaves(frontier, hashes.slice(at, at + 7));
      frontier = step.frontier;
      completed.push(...step.completed.map((node) => `${nodeKey(node)}=${hex(node.hash)}`));
    }
    assert.equal(hex(frontierRoot(frontier)), hex(frontierRoot(once.frontier)));
    assert.deepEqual(completed, once.completed.map((node) => `${nodeKey(node)}=${hex(node.hash)}`));
  });
});
