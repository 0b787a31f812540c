// The offline verifier on exports made here, honest and forged: what a careful forger would try once
// the obvious edits fail (dropping the newest checkpoint, moving checkpoints after the entries, stating
// another size), besides the edits the CLI tests make to a real database.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { entryJson, entryLeafHash } from './audit-entry.ts';
import { checkpointText, parseVerifierKey, signedNote, verifierKeyText } from './checkpoint.ts';
import { appendLeaves, emptyFrontier, frontierRoot } from './merkle.ts';
import { createLogVerifier } from './verify-log.ts';
import type { ExportEntry, VerifyReport } from './verify-log.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
const origin = 'trustplane.test/audit';
const key = parseVerifierKey(verifierKeyText(origin, raw));
assert.ok(!('problem' in key));

const entryAt = (index: number, actor = `person:p${index}`): ExportEntry => {
  const entry = entryJson({ index, at: `2026-11-22T00:00:${String(index).padStart(2, '0')}.000Z`, actor, action: 'change.approve', target: `change:ch_${index}`, requestId: null, governanceVersion: 1, details: {} });
  return { index, entry, leafHash: Buffer.from(entryLeafHash(entry)).toString('base64') };
};
const entries = Array.from({ length: 10 }, (_, index) => entryAt(index));
const checkpointAt = (size: number): string => {
  const root = frontierRoot(appendLeaves(emptyFrontier, entries.slice(0, size).map((entry) => Uint8Array.from(Buffer.from(entry.leafHash, 'base64')))).frontier);
  const text = checkpointText({ origin, size, root, time: new Date('2026-11-22T01:00:00Z') });
  return signedNote(text, origin, raw, sign(null, Buffer.from(text), privateKey));
};

const run = (records: readonly ({ checkpoint: string } | ExportEntry)[], size = 10): VerifyReport => {
  const verifier = createLogVerifier({ key, size });
  for (const record of records) {
    if ('checkpoint' in record) verifier.checkpoint(record.checkpoint);
    else verifier.entry(record);
  }
  return verifier.end();
};

describe('offline verification of an export', () => {
  it('accepts an honest export, checkpoints first', () => {
    const report = run([{ checkpoint: checkpointAt(4) }, { checkpoint: checkpointAt(10) }, ...entries]);
    assert.equal(report.ok, true, report.problem?.message);
    assert.deepEqual(report.checkpoints.map((checkpoint) => checkpoint.verified), [true, true]);
  });

  it('refuses entries after the newest checkpoint present, even with their leaf hashes recomputed', () => {
    const forged = entries.map((entry) => (entry.index === 7 ? entryAt(7, 'person:mallory') : entry));
    const report = run([{ checkpoint: checkpointAt(4) }, ...forged]);
    assert.deepEqual([report.ok, report.problem?.kind, report.problem?.index], [false, 'unvouched', 4]);
    const appended = run([{ checkpoint: checkpointAt(10) }, ...entries, entryAt(10)], 11);
    assert.equal(appended.problem?.kind, 'unvouched');
  });

  it('refuses checkpoints placed after the entries, and a stated size that is not the entries held', () => {
    const forged = entries.map((entry) => (entry.index === 2 ? entryAt(2, 'person:mallory') : entry));
    assert.equal(run([...forged, { checkpoint: checkpointAt(10) }]).problem?.kind, 'malformed');
    assert.equal(run([{ checkpoint: checkpointAt(8) }, ...entries.slice(0, 8)], 10).problem?.kind, 'truncated');
  });

  it('names an entry moved far from its place, and one whose JSON lost its index', () => {
    const swapped = [...entries];
    [swapped[1], swapped[8]] = [{ ...entries[8]!, index: 1 }, { ...entries[1]!, index: 8 }];
    const moved = run([{ checkpoint: checkpointAt(10) }, ...swapped]);
    assert.deepEqual([moved.problem?.kind, moved.problem?.index], ['out-of-order', 1]);
    assert.match(moved.problem?.message ?? '', /appended as entry 8/);
    const indexless = run([{ checkpoint: checkpointAt(10) }, ...entries.map((entry) => (entry.index === 3 ? { ...entry, entry: entry.entry.replace('"index":3,', '') } : entry))]);
    assert.deepEqual([indexless.problem?.kind, indexless.problem?.index], ['altered', 3]);
  });

  it('reports two entries swapped in the file as reordered, not removed; and a removed entry as removed', () => {
    const swapped = [...entries];
    [swapped[5], swapped[6]] = [entries[6]!, entries[5]!];
    const reordered = run([{ checkpoint: checkpointAt(10) }, ...swapped]);
    assert.deepEqual([reordered.problem?.kind, reordered.problem?.index], ['out-of-order', 5]);
    assert.match(reordered.problem?.message ?? '', /swapped/);
    assert.doesNotMatch(reordered.problem?.message ?? '', /removed/);
    const removed = run([{ checkpoint: checkpointAt(10) }, ...entries.filter((entry) => entry.index !== 5)]);
    assert.deepEqual([removed.problem?.kind, removed.problem?.index], ['missing', 5]);
    assert.match(removed.problem?.message ?? '', /removed/);
    const lastRemoved = run([{ checkpoint: checkpointAt(9) }, ...entries.slice(0, 7), entries[8]!], 9);
    assert.deepEqual([lastRemoved.problem?.kind, lastRemoved.problem?.index], ['missing', 7]);
  });

  it('names the entry and the line of a record cut in half', () => {
    const verifier = createLogVerifier({ key, size: 10 });
    verifier.checkpoint(checkpointAt(10));
    for (const entry of entries.slice(0, 4)) verifier.entry(entry);
    const line = JSON.stringify(entries[4]);
    verifier.unreadable(7, line.slice(0, line.length / 2));
    for (const entry of entries.slice(5)) verifier.entry(entry);
    const report = verifier.end();
    assert.deepEqual([report.ok, report.problem?.kind, report.problem?.index], [false, 'malformed', 4]);
    assert.match(report.problem?.message ?? '', /line 7 of the export, entry 4, is not a whole record/);
  });
});
