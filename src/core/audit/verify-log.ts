// Offline verification of an exported audit log, without trusting the server that exported it: the
// entries are rehashed and the tree rebuilt from them alone; every checkpoint must carry the log key's
// signature and name the root the rebuilt tree has at its size; a checkpoint saved earlier must agree
// with the tree at its size (the log only ever grew). The first thing wrong is named, with the entry's
// index when there is one. Pure: the caller reads the file and feeds the records in order.
//
// An export (NDJSON, one record per line): a header { format, origin, verifierKey, size, exportedAt },
// the checkpoints { checkpoint: <signed note> } oldest first, then the entries { index, entry, leafHash }
// in leaf order, entry being the leaf's canonical JSON and leafHash (base64) the hash the log recorded
// for it when it was appended.
import { openNote, parseCheckpoint } from './checkpoint.ts';
import type { Checkpoint, NoteVerifierKey } from './checkpoint.ts';
import { entryJson, entryLeafHash } from './audit-entry.ts';
import type { AuditEntry } from './audit-entry.ts';
import { appendLeafInPlace, frontierRoot } from './merkle.ts';
import type { Frontier } from './merkle.ts';

export const exportFormat = 'trustplane-audit-log/v1';

/** How far from its position a moved entry is looked for (each step costs two hashes). */
const maxMoveSearch = 100_000;

export type ExportHeader = { format: string; origin: string; verifierKey: string; size: number; exportedAt: string };
export type ExportEntry = { index: number; entry: string; leafHash: string };

export type LogProblem = {
  kind: 'altered' | 'missing' | 'out-of-order' | 'truncated' | 'unvouched' | 'checkpoint-signature' | 'checkpoint-root' | 'inconsistent-with-saved' | 'malformed';
  /** The first entry concerned, when the problem is one entry's. */
  index: number | null;
  message: string;
};

export type VerifyReport = {
  ok: boolean;
  size: number;
  root: string;
  checkpoints: { size: number; at: string | null; verified: boolean }[];
  saved: { size: number; verified: boolean } | null;
  problem: LogProblem | null;
};

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * A verifier fed an export's checkpoints, then its entries in order. `key` is the log's verifier key,
 * from outside the export; `saved` a checkpoint note kept from an earlier time; `size` the export's
 * stated size (where a moved entry is looked for).
 */
export const createLogVerifier = (options: { key: NoteVerifierKey; saved?: string; size?: number }) => {
  const { key } = options;
  let problem: LogProblem | null = null;
  const fail = (found: LogProblem): void => {
    problem ??= found;
  };
  // An entry that comes before its turn leaves a gap that is judged at the next record: if the missing
  // entry comes next, the two were swapped (reordered); otherwise entries were removed.
  let gap: { index: number; next: number } | null = null;
  const checkpoints: (Checkpoint & { verified: boolean })[] = [];
  let saved: (Checkpoint & { verified: boolean }) | null = null;

  const readNote = (note: string, what: string): Checkpoint | null => {
    const opened = openNote(note, key);
    if (!opened.ok) {
      fail({ kind: 'checkpoint-signature', index: null, message: `${what} is not signed by the log's key ${key.name}: ${opened.problem}` });
      return null;
    }
    const checkpoint = parseCheckpoint(opened.text);
    if ('problem' in checkpoint) {
      fail({ kind: 'malformed', index: null, message: `${what}: ${checkpoint.problem}` });
      return null;
    }
    if (checkpoint.origin !== key.name) fail({ kind: 'checkpoint-signature', index: null, message: `${what} names the log ${checkpoint.origin}, not ${key.name}` });
    return checkpoint;
  };

  if (options.saved !== undefined) {
    const read = readNote(options.saved, 'the saved checkpoint');
    if (read !== null) saved = { ...read, verified: false };
  }

  // Grown in place, one leaf at a time: a million copies of the right edge would cost more than the hashes.
  const frontier: Frontier = { size: 0, nodes: [] };
  /** Roots of the rebuilt tree at the sizes some checkpoint names. */
  const wanted = (): Set<number> => new Set([...checkpoints.map((checkpoint) => checkpoint.size), ...(saved === null ? [] : [saved.size])]);
  let sizes = wanted();

  const checkRoot = (): void => {
    // With an entry out of its turn, the root is wrong for a reason the next record will name better.
    if (!sizes.has(frontier.size) || gap !== null) return;
    const root = base64(frontierRoot(frontier));
    for (const checkpoint of checkpoints.filter((entry) => entry.size === frontier.size)) {
      if (base64(checkpoint.root) === root) checkpoint.verified = true;
      else fail({ kind: 'checkpoint-root', index: null, message: `the entries before ${frontier.size} do not hash to the root the log signed at that size: an entry before it was altered, removed or moved, and its leaf hash recomputed to hide it` });
    }
    if (saved !== null && saved.size === frontier.size) {
      if (base64(saved.root) === root) saved.verified = true;
      else fail({ kind: 'inconsistent-with-saved', index: null, message: `the log at size ${saved.size} differs from the checkpoint saved earlier: it was rewritten since` });
    }
  };

  /**
   * Where an entry whose leaf does not match was appended, if it was only moved: the index k at which its
   * content, renumbered k, hashes to the leaf recorded with it. Searched once, at the first mismatch.
   */
  const movedFrom = (record: ExportEntry): number | null => {
    let entry: AuditEntry;
    try {
      entry = JSON.parse(record.entry) as AuditEntry;
    } catch {
      return null;
    }
    // Nearest positions first, and no more than a bounded search: the size comes from the file itself.
    const limit = Math.min(Math.max(options.size ?? 0, record.index + 1), record.index + maxMoveSearch);
    for (let distance = 1; distance <= maxMoveSearch; distance += 1) {
      for (const k of [record.index - distance, record.index + distance]) {
        if (k >= 0 && k < limit && base64(entryLeafHash(entryJson({ ...entry, index: k }))) === record.leafHash) return k;
      }
      if (record.index - distance < 0 && record.index + distance >= limit) break;
    }
    return null;
  };

  return {
    checkpoint(note: string): void {
      if (frontier.size > 0) {
        fail({ kind: 'malformed', index: null, message: 'a checkpoint comes after the entries began; an export lists its checkpoints first' });
        return;
      }
      const read = readNote(note, `the checkpoint ${checkpoints.length + 1} of the export`);
      if (read !== null) checkpoints.push({ ...read, verified: false });
      sizes = wanted();
      if (frontier.size === 0) checkRoot();
    },

    /** A line of the export that is not a whole record, at `line` (1-based) of the file: cut short or edited. */
    unreadable(line: number, text: string): void {
      const expected = frontier.size;
      // An export writes { "index": N, … } first, so a line cut in half still says which entry it was.
      const named = /^\{"index":(\d{1,15}),/.exec(text)?.[1];
      const index = named === undefined ? expected : Number(named);
      fail({ kind: 'malformed', index, message: `line ${line} of the export, entry ${index}, is not a whole record (${text.length} characters): it was cut short or edited` });
      // Counted as the entry it stood for, so the entries after it are not all reported missing.
      appendLeafInPlace(frontier, new Uint8Array(32));
    },

    entry(record: ExportEntry): void {
      const expected = frontier.size;
      if (!Number.isSafeInteger(record.index) || typeof record.entry !== 'string' || typeof record.leafHash !== 'string') {
        fail({ kind: 'malformed', index: expected, message: `the record after entry ${expected - 1} is not an entry` });
        return;
      }
      if (gap !== null) {
        const { index, next } = gap;
        gap = null;
        fail(record.index === index
          ? { kind: 'out-of-order', index, message: `entry ${index} comes after entry ${next}: the two were swapped, the log was reordered` }
          : { kind: 'missing', index, message: `entry ${index} is missing: the next entry is ${next}, so ${next - index} were removed` });
      }
      if (record.index > expected) {
        if (problem === null) gap = { index: expected, next: record.index };
      } else if (record.index < expected && problem === null) {
        fail({ kind: 'out-of-order', index: record.index, message: `entry ${record.index} appears again after entry ${expected - 1}: the log was reordered or duplicated` });
      }
      const hash = entryLeafHash(record.entry);
      // The entry must say it is the entry at its position. Canonical JSON sorts keys, so the top-level
      // index is followed by requestId; only when that is missing is the entry read as JSON.
      if (!record.entry.includes(`"index":${record.index},"requestId":`) && problem === null) {
        let claimed: unknown = null;
        try {
          claimed = (JSON.parse(record.entry) as { index?: unknown }).index;
        } catch {
          fail({ kind: 'malformed', index: record.index, message: `entry ${record.index} is not JSON` });
        }
        if (typeof claimed === 'number' && claimed !== record.index) fail({ kind: 'out-of-order', index: record.index, message: `entry ${record.index} was appended as entry ${claimed}: the log was reordered` });
      }
      // The leaf covers the entry's index too, so an entry renumbered in place fails here.
      if (!Buffer.from(hash).equals(Buffer.from(record.leafHash, 'base64')) && problem === null) {
        const from = movedFrom(record);
        fail(from === null
          ? { kind: 'altered', index: record.index, message: `entry ${record.index} does not hash to the leaf the log recorded when it was appended: it was changed since` }
          : { kind: 'out-of-order', index: record.index, message: `entry ${record.index} was appended as entry ${from}: the log was reordered` });
      }
      appendLeafInPlace(frontier, hash);
      checkRoot();
    },

    end(): VerifyReport {
      if (gap !== null) fail({ kind: 'missing', index: gap.index, message: `entry ${gap.index} is missing: the next entry is ${gap.next}, so ${gap.next - gap.index} were removed` });
      const latest = checkpoints.reduce((largest, checkpoint) => Math.max(largest, checkpoint.size), 0);
      if (latest > frontier.size) {
        fail({ kind: 'truncated', index: frontier.size, message: `the log ends after ${frontier.size} entries, but it signed a checkpoint at ${latest}: entries ${frontier.size} to ${latest - 1} were removed` });
      }
      if (checkpoints.length > 0 && latest < frontier.size) {
        fail({ kind: 'unvouched', index: latest, message: `entries ${latest} to ${frontier.size - 1} come after the last signed checkpoint (${latest}): nothing vouches for them; export again, which signs a fresh checkpoint first` });
      }
      if (options.size !== undefined && options.size !== frontier.size && problem === null) {
        fail({ kind: options.size > frontier.size ? 'truncated' : 'malformed', index: Math.min(options.size, frontier.size), message: `the export says it holds ${options.size} entries but holds ${frontier.size}` });
      }
      if (saved !== null && saved.size > frontier.size) {
        fail({ kind: 'truncated', index: frontier.size, message: `the log ends after ${frontier.size} entries, but the checkpoint saved earlier is at ${saved.size}: the log was cut short` });
      }
      if (checkpoints.length === 0 && problem === null) fail({ kind: 'malformed', index: null, message: 'the export carries no signed checkpoint, so nothing vouches for its entries' });
      return {
        ok: problem === null,
        size: frontier.size,
        root: base64(frontierRoot(frontier)),
        checkpoints: checkpoints.map((checkpoint) => ({ size: checkpoint.size, at: checkpoint.time?.toISOString() ?? null, verified: checkpoint.verified })),
        saved: saved === null ? null : { size: saved.size, verified: saved.verified },
        problem,
      };
    },
  };
};
