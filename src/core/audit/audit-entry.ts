// What one audit log entry is, as a leaf of the Merkle tree: the event as canonical JSON (RFC 8785 JSON
// Canonicalization Scheme: sorted keys, no insignificant whitespace, one spelling per number), UTF-8.
// Whoever holds an entry's JSON can recompute its leaf hash byte for byte, without Trustplane.
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { Hash } from './merkle.ts';

export type AuditEntry = {
  /** The entry's position in the log (its leaf index), so an entry moved to another position no longer hashes to its leaf. */
  index: number;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
  actor: string;
  action: string;
  target: string;
  requestId: string | null;
  governanceVersion: number | null;
  /** What changed: identifiers, counts and hashes, never secret values. */
  details: Record<string, unknown>;
};

/** The entry's leaf: its canonical JSON. Throws on what JSON cannot carry (undefined at the top, a cycle, a BigInt). */
export const entryJson = (entry: AuditEntry): string => {
  const json = canonicalize(entry);
  if (json === undefined) throw new TypeError('an audit entry must be a JSON object');
  return json;
};

const leafPrefix = Uint8Array.of(0x00);

/** RFC 9162 §2.1.1 leaf hash of the entry's canonical JSON (the same as leafHash of its UTF-8, without copying it first). */
export const entryLeafHash = (json: string): Hash => createHash('sha256').update(leafPrefix).update(json, 'utf8').digest();
