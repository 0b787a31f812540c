// The audit log as auditors see it: entries, proofs and signed checkpoints. The log's Ed25519 key is made
// with the first checkpoint (sealed under the master key, like the CA's keys), and its origin, the name
// its checkpoints carry, is fixed then. A checkpoint is signed outside any transaction, then stored with
// a message for the witness in the outbox, so that a copy leaves the database after commit.
import { checkpointText, signedNote, verifierKeyText } from '../../core/audit/checkpoint.ts';
import { buildEvidencePack } from '../../core/audit/evidence-pack.ts';
import type { EvidenceEntry, EvidencePack } from '../../core/audit/evidence-pack.ts';
import type { Hash } from '../../core/audit/merkle.ts';
import { TrustplaneError } from '../../core/errors.ts';
import type { AuditReader, UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import type { AuditEventRow, StoredCheckpoint } from '../stores/audit-store.ts';
import type { CaService } from './ca-service.ts';

export type AuditServiceDeps = {
  unitOfWork: UnitOfWork;
  /** Proofs, read without a transaction (see createAuditReader). */
  reader: AuditReader;
  clock: Clock;
  ca: Pick<CaService, 'createKey' | 'signerFor'>;
  publicUrl: () => string;
  /** Where each checkpoint is also written (a directory, or an http(s) URL it is POSTed to); null for nowhere. */
  witness: string | null;
  /** Runs after a checkpoint commits: delivering the outbox's witness message, say. Its failure is told, not thrown. */
  afterCheckpoint?: () => Promise<unknown>;
  onError?: (error: unknown, context: string) => void;
};

/** The raw 32-octet Ed25519 public key at the end of its SubjectPublicKeyInfo (RFC 8410 §4). */
const rawEd25519 = (spki: Uint8Array): Uint8Array => spki.subarray(spki.length - 32);

/** The origin checkpoints name: the public URL without its scheme, then /audit (a schema-less URL, as c2sp.org/tlog-checkpoint recommends). */
export const originOf = (publicUrl: string): string => {
  const url = new URL(publicUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}/audit`;
};

export type CheckpointView = { size: number; root: string; at: string; note: string };
const viewOf = (checkpoint: StoredCheckpoint): CheckpointView => ({ size: checkpoint.size, root: Buffer.from(checkpoint.root).toString('base64'), at: checkpoint.at, note: checkpoint.note });
const base64 = (hash: Hash): string => Buffer.from(hash).toString('base64');

/** An evidence pack covers at most this many changes; a longer period is split. */
export const maxEvidenceChanges = 10_000;

export const createAuditService = (deps: AuditServiceDeps) => {
  const { unitOfWork, clock } = deps;

  /** The log's key and origin, made on first use. */
  const logKey = async () => {
    let held = await unitOfWork((tx) => tx.audit.logKey());
    if (held === null) {
      const created = await deps.ca.createKey({ purpose: 'audit-log', algorithm: 'Ed25519', backend: 'software', label: 'audit log key' });
      const origin = originOf(deps.publicUrl());
      held = await unitOfWork(async (tx) => {
        await tx.ca.insertKey({ ...created.record, createdAt: clock.now().toISOString() });
        return tx.audit.setLogKey(created.record.id, origin);
      });
    }
    const signer = await deps.ca.signerFor(held.keyId);
    if (signer.keyAlgorithm !== 'Ed25519') throw new TrustplaneError('INTERNAL', `the audit log's key ${held.keyId} is ${signer.keyAlgorithm}, not Ed25519`);
    return { origin: held.origin, signer, publicKey: rawEd25519(signer.publicKey) };
  };

  const service = {
    /** The verifier key auditors check checkpoints with (Go's note format: name+key ID+base64 key). */
    async publicKey(): Promise<{ origin: string; verifierKey: string; publicKey: string }> {
      const key = await logKey();
      return { origin: key.origin, verifierKey: verifierKeyText(key.origin, key.publicKey), publicKey: Buffer.from(key.publicKey).toString('base64') };
    },

    /** Signs a checkpoint of the log as it stands, unless the latest already covers it; returns the latest. */
    async checkpoint(): Promise<CheckpointView> {
      const key = await logKey();
      const { head, latest } = await unitOfWork(async (tx) => ({ head: await tx.audit.head(), latest: await tx.audit.latestCheckpoint() }));
      if (latest !== null && latest.size >= head.size) return viewOf(latest);
      const at = clock.now();
      const text = checkpointText({ origin: key.origin, size: head.size, root: head.root, time: at });
      const note = signedNote(text, key.origin, key.publicKey, await key.signer.sign(Buffer.from(text, 'utf8')));
      const checkpoint: StoredCheckpoint = { size: head.size, root: head.root, at: at.toISOString(), note };
      await unitOfWork(async (tx) => {
        await tx.audit.insertCheckpoint(checkpoint);
        if (deps.witness !== null) await tx.outbox.add({ topic: 'audit.witness', payload: { size: checkpoint.size, note } });
      });
      await deps.afterCheckpoint?.().catch((error: unknown) => deps.onError?.(error, 'delivering the checkpoint to the witness'));
      return viewOf(checkpoint);
    },

    /** A checkpoint when `everyEntries` entries came since the last, or any came and `everyMs` passed. */
    async checkpointIfDue(policy: { everyEntries: number; everyMs: number }): Promise<CheckpointView | null> {
      const { head, latest } = await unitOfWork(async (tx) => ({ head: await tx.audit.head(), latest: await tx.audit.latestCheckpoint() }));
      const since = head.size - (latest?.size ?? 0);
      if (since <= 0) return null;
      const age = latest === null ? Number.POSITIVE_INFINITY : clock.now().getTime() - Date.parse(latest.at);
      return since >= policy.everyEntries || age >= policy.everyMs ? service.checkpoint() : null;
    },

    async latest(): Promise<CheckpointView | null> {
      const latest = await unitOfWork((tx) => tx.audit.latestCheckpoint());
      return latest === null ? null : viewOf(latest);
    },

    async checkpoints(limit: number): Promise<CheckpointView[]> {
      return (await unitOfWork((tx) => tx.audit.checkpoints(limit))).map(viewOf);
    },

    list: (filter: { target?: string; actor?: string; from?: string; to?: string; beforeIndex?: number; limit: number }): Promise<AuditEventRow[]> =>
      unitOfWork((tx) => tx.audit.list(filter)),

    /** One entry, as canonical JSON, with its inclusion proof against the latest checkpoint (null proof when none covers it yet). */
    async entry(index: number) {
      const { entry, latest } = await unitOfWork(async (tx) => {
        const found = await tx.audit.entryAt(index);
        if (found === null) throw new TrustplaneError('NOT_FOUND', `the audit log has no entry ${index}; it holds ${(await tx.audit.head()).size}`);
        return { entry: found, latest: await tx.audit.latestCheckpoint() };
      });
      const covered = latest !== null && latest.size > index;
      return {
        index,
        entry: entry.entry,
        leafHash: base64(entry.leafHash),
        checkpoint: latest === null ? null : viewOf(latest),
        proof: covered ? (await deps.reader.inclusionProof(index, latest.size)).map(base64) : null,
      };
    },

    /** The consistency proof between two sizes the log has had. */
    async consistency(first: number, second: number): Promise<{ first: number; second: number; proof: string[] }> {
      const { size } = await unitOfWork((tx) => tx.audit.head());
      if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second || second > size) {
        throw new TrustplaneError('VALIDATION_FAILED', `a consistency proof needs 0 ≤ first ≤ second ≤ ${size} (the log's size), not ${first} and ${second}`);
      }
      return { first, second, proof: (await deps.reader.consistencyProof(first, second)).map(base64) };
    },

    /** Entries in leaf order from `from` (an export's pages), leaf hashes in base64. */
    entriesFrom: async (from: number, limit: number): Promise<{ index: number; entry: string; leafHash: string }[]> =>
      (await unitOfWork((tx) => tx.audit.entriesFrom(from, limit))).map((entry) => ({ ...entry, leafHash: Buffer.from(entry.leafHash, 'hex').toString('base64') })),

    /**
     * The evidence pack of a period (changes requested in it, optionally of one class): a fresh checkpoint
     * is signed first, and every cited entry carries its inclusion proof against it.
     */
    async evidence(input: { from: Date; to: Date; classId: string | null }): Promise<EvidencePack> {
      if (!(input.from.getTime() < input.to.getTime())) throw new TrustplaneError('VALIDATION_FAILED', `--from (${input.from.toISOString()}) must be before --to (${input.to.toISOString()})`);
      const gathered = await unitOfWork(async (tx) => {
        const changes = await tx.changes.list({
          requestedFrom: input.from.toISOString(), requestedTo: input.to.toISOString(), limit: maxEvidenceChanges + 1,
          ...(input.classId === null ? {} : { classId: input.classId }),
        });
        if (changes.length > maxEvidenceChanges) {
          throw new TrustplaneError('VALIDATION_FAILED', `more than ${maxEvidenceChanges} changes were requested in that period; make a pack per shorter period or per class`);
        }
        const reviews = await tx.reviews.ofChanges(changes.filter((change) => change.playbookId !== null).map((change) => change.id));
        const indexes = await tx.audit.indexesOf({
          targets: [
            ...changes.map((change) => `change:${change.id}`),
            ...new Set(changes.flatMap((change) => (change.playbookId === null ? [] : [`playbook:${change.playbookId}`]))),
            ...reviews.map((review) => `review:${review.id}`),
          ],
          actions: ['crl.publish', 'authz.denied'], since: input.from.toISOString(),
        });
        const credentials = await tx.credentials.names([...new Set(changes.flatMap((change) => change.credentialIds))]);
        return { changes, indexes, credentials };
      });
      const checkpoint = await service.checkpoint();
      const key = await service.publicKey();
      const cited = await unitOfWork((tx) => tx.audit.entriesAt(gathered.indexes.filter((value) => value < checkpoint.size)));
      const entries: EvidenceEntry[] = [];
      for (const { index, entry } of cited) entries.push({ index, entry, proof: (await deps.reader.inclusionProof(index, checkpoint.size)).map(base64) });
      return buildEvidencePack({
        generatedAt: clock.now(), period: { from: input.from, to: input.to }, classId: input.classId,
        log: { origin: key.origin, verifierKey: key.verifierKey, checkpoint: checkpoint.note },
        changes: gathered.changes,
        credentials: gathered.credentials,
        entries,
      });
    },

    head: async (): Promise<{ size: number; root: string }> => {
      const head = await unitOfWork((tx) => tx.audit.head());
      return { size: head.size, root: base64(head.root) };
    },
  };
  return service;
};

export type AuditService = ReturnType<typeof createAuditService>;
