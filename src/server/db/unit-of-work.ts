// A use case runs inside one unit of work: the stores and the audit appender are reachable only through
// the transaction handed to it, so nothing inside can touch the raw database (on SQLite that would
// deadlock) and every audit entry commits or rolls back with the change it records.
import { TrustplaneError } from '../../core/errors.ts';
import type { Database } from './database.ts';
import { createAlertStore } from '../stores/alert-store.ts';
import { createAuditStore } from '../stores/audit-store.ts';
import type { NodeRowsReader } from '../stores/audit-store.ts';
import { createAuthzStore } from '../stores/authz-store.ts';
import { createCaStore } from '../stores/ca-store.ts';
import type { IssuedStatus } from '../stores/ca-store.ts';
import { createChangeStore } from '../stores/change-store.ts';
import { createOutboxStore } from '../stores/outbox-store.ts';
import { createReviewStore } from '../stores/review-store.ts';
import { createSecretStore } from '../stores/secret-store.ts';
import { createCredentialStore } from '../stores/credential-store.ts';
import { createGovernanceStore } from '../stores/governance-store.ts';
import { createMonitorStore } from '../stores/monitor-store.ts';
import { createPostureStore } from '../stores/posture-store.ts';
import { createTokenStore } from '../stores/token-store.ts';

export type UnitOfWorkContext = {
  readonly governance: ReturnType<typeof createGovernanceStore>;
  readonly credentials: ReturnType<typeof createCredentialStore>;
  readonly tokens: ReturnType<typeof createTokenStore>;
  readonly audit: ReturnType<typeof createAuditStore>;
  readonly authz: ReturnType<typeof createAuthzStore>;
  readonly changes: ReturnType<typeof createChangeStore>;
  readonly reviews: ReturnType<typeof createReviewStore>;
  readonly outbox: ReturnType<typeof createOutboxStore>;
  readonly ca: ReturnType<typeof createCaStore>;
  readonly secrets: ReturnType<typeof createSecretStore>;
  readonly alerts: ReturnType<typeof createAlertStore>;
  readonly monitor: ReturnType<typeof createMonitorStore>;
  readonly posture: ReturnType<typeof createPostureStore>;
};

export type UnitOfWork = <T>(work: (tx: UnitOfWorkContext) => Promise<T>) => Promise<T>;

export const createUnitOfWork = (database: Database, now: () => Date = () => new Date()): UnitOfWork =>
  async (work) => {
    try {
      return await database.db.transaction().execute((trx) => work({
        governance: createGovernanceStore(trx),
        credentials: createCredentialStore(trx, database.capabilities),
        tokens: createTokenStore(trx),
        audit: createAuditStore(trx),
        authz: createAuthzStore(trx),
        changes: createChangeStore(trx, database.capabilities),
        reviews: createReviewStore(trx),
        outbox: createOutboxStore(trx, now),
        ca: createCaStore(trx),
        secrets: createSecretStore(trx),
        alerts: createAlertStore(trx, database.capabilities),
        monitor: createMonitorStore(trx),
        posture: createPostureStore(trx, database.capabilities),
      }));
    } catch (error) {
      // Two writers raced for one key (two applies of the next governance version, say): the loser's
      // transaction rolled back whole; say so in words a caller can act on.
      if (database.capabilities.isUniqueViolation(error)) {
        throw new TrustplaneError('CONFLICT', 'another change to the same records was committed at the same moment; nothing from this request was applied, so try it again');
      }
      throw error;
    }
  };

/**
 * One read that needs no transaction: the status of issued certificates, which OCSP asks for on every
 * request. A single indexed select sees committed state either way; a transaction around it would add
 * two statements (begin, commit) to each answer. Never called inside a unit of work. Null for a serial
 * the CA never issued.
 */
export type IssuedCertificateReader = (caId: string, serials: readonly string[]) => Promise<(IssuedStatus | null)[]>;

type PendingRead = { caId: string; serials: readonly string[]; resolve: (found: (IssuedStatus | null)[]) => void; reject: (error: unknown) => void };

/**
 * Reads run one query at a time; the lookups that arrive while one runs wait and go together in the
 * next, one query per CA. Alone, a lookup costs one query as before; under load (OCSP answered for many
 * clients at once), each database round trip answers all that queued, instead of one each.
 */
export const createIssuedCertificateReader = (database: Database): IssuedCertificateReader => {
  const store = createCaStore(database.db);
  let queued: PendingRead[] = [];
  let reading = false;
  const readQueued = async (): Promise<void> => {
    reading = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      const byCa = new Map<string, PendingRead[]>();
      for (const read of batch) byCa.set(read.caId, [...byCa.get(read.caId) ?? [], read]);
      for (const [caId, all] of byCa) {
        // At most about 500 serials a statement (SQLite's and PostgreSQL's parameter limits are far above).
        for (let start = 0; start < all.length;) {
          const reads: PendingRead[] = [];
          for (let serials = 0; start < all.length && (reads.length === 0 || serials + all[start]!.serials.length <= 500); start += 1) {
            serials += all[start]!.serials.length;
            reads.push(all[start]!);
          }
          try {
            const statuses = await store.statuses(caId, reads.flatMap((read) => read.serials));
            for (const read of reads) read.resolve(read.serials.map((serial) => statuses.get(serial) ?? null));
          } catch (error) {
            for (const read of reads) read.reject(error);
          }
        }
      }
    }
    reading = false;
  };
  return (caId, serials) => new Promise((resolve, reject) => {
    queued.push({ caId, serials, resolve, reject });
    if (!reading) void readQueued();
  });
};

/**
 * Proofs and roots without a transaction: every node of a size the log has reached is stored before that
 * size is committed and never changes, so one statement reads them consistently, and what was read is
 * kept (the upper levels serve every proof). What an auditor asks for most then costs one round trip.
 */
/** The node rows of a proof in one named statement, arrays as parameters so that its text never changes (PostgreSQL). */
const proofNodesStatement = 'select level, idx, hash from audit_tree_nodes where (level, idx) in (select * from unnest($1::int[], $2::bigint[]))';

export const createAuditReader = (database: Database) => {
  const { preparedRead } = database;
  const readNodeRows: NodeRowsReader | null = preparedRead === undefined ? null
    : (nodes) => preparedRead('trustplane_audit_proof_nodes', proofNodesStatement, [nodes.map((node) => node.level), nodes.map((node) => node.index)]);
  const store = createAuditStore(database.db, new Map(), readNodeRows);
  return {
    inclusionProof: store.inclusionProof,
    consistencyProof: store.consistencyProof,
    rootAt: store.rootAt,
  };
};

export type AuditReader = ReturnType<typeof createAuditReader>;
