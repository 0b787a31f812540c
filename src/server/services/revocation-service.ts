// Publishing revocation: CRLs per CA (regenerated when a revocation commits and on a schedule, before
// the last one's nextUpdate), and OCSP answers from each issuing CA's delegated responder, read live
// from the record of issued certificates, so a revocation is answered as soon as it has committed.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TrustplaneError } from '../../core/errors.ts';
import { buildCrl, encodeCrlEntries } from '../../core/pki/crl.ts';
import { createOcspResponder, ocspErrorResponse } from '../../core/pki/ocsp.ts';
import type { OcspResponder } from '../../core/pki/ocsp.ts';
import { crlReasonByName } from '../../core/pki/revocation-reasons.ts';
import type { IssuedCertificateReader, UnitOfWork } from '../db/unit-of-work.ts';
import type { Clock } from '../platform.ts';
import { crlPartsOf } from '../stores/ca-store.ts';
import type { CrlInfo, StoredCrl } from '../stores/ca-store.ts';
import { pemToDer } from './ca-service.ts';
import type { CaService } from './ca-service.ts';

/** How long a CRL is valid; a new one is published when half of that has passed, or at once on a revocation. */
export const crlValidityMs = 24 * 3_600_000;
/** Revoked entries read per transaction while a CRL is gathered. */
const crlPageSize = 5_000;

/** How long an OCSP answer may be cached by relying parties. */
export const ocspValidityMs = 3_600_000;

export type RevocationServiceDeps = {
  unitOfWork: UnitOfWork;
  clock: Clock;
  ca: Pick<CaService, 'signerFor' | 'list' | 'authority'>;
  /** OCSP's one read per answer, outside any transaction (see createIssuedCertificateReader). */
  readIssued: IssuedCertificateReader;
  onError?: (error: unknown, context: string) => void;
};

export const createRevocationService = (deps: RevocationServiceDeps) => {
  const { unitOfWork, clock, ca } = deps;
  const responders = new Map<string, Promise<OcspResponder>>();

  const responderFor = (caId: string): Promise<OcspResponder> => {
    let responder = responders.get(caId);
    if (responder === undefined) {
      responder = (async () => {
        const authority = await ca.authority(caId);
        if (authority.ocspCertificatePem === null || authority.ocspKeyId === null) throw new TrustplaneError('NOT_FOUND', `CA ${caId} has no OCSP responder; its CRL is at /pki/crl/${caId}.crl`);
        return createOcspResponder({
          issuerCertificate: pemToDer(authority.certificatePem),
          responderCertificate: pemToDer(authority.ocspCertificatePem),
          signer: await ca.signerFor(authority.ocspKeyId),
        });
      })();
      responder.catch(() => responders.delete(caId));
      responders.set(caId, responder);
    }
    return responder;
  };

  // The latest CRL of each CA this node has read or published, served again while the database says it
  // is still the latest (one small read a request instead of 46 MB at a million entries). Another node's
  // newer CRL has a higher number, so it is read then.
  const latestCrls = new Map<string, StoredCrl>();
  const remember = (crl: StoredCrl): StoredCrl => {
    const known = latestCrls.get(crl.caId);
    if (known === undefined || known.crlNumber < crl.crlNumber) latestCrls.set(crl.caId, crl);
    return crl;
  };

  /** A CRL's DER, read a part at a time with a turn for the event loop between parts; null if a part is gone. */
  const readCrlDer = async (info: CrlInfo): Promise<Buffer | null> => {
    const parts: Buffer[] = [];
    for (let part = 0, read = 0; read < info.bytes; part += 1) {
      const octets = await unitOfWork((tx) => tx.ca.crlPart(info.caId, info.crlNumber, part));
      if (octets === null) return null;
      parts.push(octets);
      read += octets.length;
      await yieldToEventLoop();
    }
    const der = Buffer.concat(parts);
    return der.length === info.bytes ? der : null;
  };

  // Requests that arrive while a CRL is read share that read: a new CRL at a million entries is 46 MB.
  const reading = new Map<string, Promise<Buffer | null>>();
  const readShared = (info: CrlInfo): Promise<Buffer | null> => {
    const key = `${info.caId}\n${info.crlNumber}`;
    let read = reading.get(key);
    if (read === undefined) {
      read = readCrlDer(info).finally(() => reading.delete(key));
      reading.set(key, read);
    }
    return read;
  };

  /** Signs and stores a new CRL for one CA: the next CRL number, every revoked certificate not yet expired. */
  const publishNow = async (caId: string): Promise<StoredCrl> => {
    const now = clock.now();
    const numbered = await unitOfWork(async (tx) => {
      const authority = await tx.ca.authority(caId);
      if (authority === null) throw new TrustplaneError('NOT_FOUND', `no built-in CA ${caId}`);
      const number = await tx.ca.takeCrlNumber(caId);
      if (number === null) throw new TrustplaneError('CONFLICT', `another CRL for ${caId} was being numbered at the same moment; try again`);
      return { authority, number };
    });
    // Read in pages, each encoded as it arrives, giving the event loop a turn between them: on SQLite
    // every read is synchronous, and OCSP must go on answering while a CRL over a million entries is
    // gathered (a page is a few tens of milliseconds). A revocation committed meanwhile is in this CRL
    // or, published after its own commit, in the next.
    const encoded: Uint8Array[] = [];
    let revokedCount = 0;
    // The serials this CRL names that no CRL was recorded to name before: its audit entry lists them, the
    // evidence that a revocation was published (core/changes/revocation-publication.ts).
    const firstListed: string[] = [];
    for (let after: string | undefined; ;) {
      const page = await unitOfWork((tx) => tx.ca.revokedEntries(caId, now.toISOString(), { ...(after === undefined ? {} : { after }), limit: crlPageSize }));
      encoded.push(encodeCrlEntries(page.map((entry) => ({ serial: entry.serial, revokedAt: new Date(entry.revokedAt), reason: entry.reason === null ? null : crlReasonByName(entry.reason) }))));
      for (const entry of page) if (!entry.listed) firstListed.push(entry.serial);
      revokedCount += page.length;
      if (page.length < crlPageSize) break;
      after = page.at(-1)?.serial;
      await yieldToEventLoop();
    }
    const { authority, number } = numbered;
    const nextUpdate = new Date(now.getTime() + crlValidityMs);
    const der = await buildCrl({
      issuerCertificate: pemToDer(authority.certificatePem), crlNumber: BigInt(number), thisUpdate: now, nextUpdate, revoked: { encoded }, signer: await ca.signerFor(authority.keyId),
    });
    const crl: StoredCrl = {
      caId, crlNumber: number, thisUpdate: now.toISOString(), nextUpdate: nextUpdate.toISOString(), revokedCount, bytes: der.byteLength,
      der: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
    };
    // The parts first, each in a transaction of its own with a turn for the event loop between them, then
    // the one that makes them the latest CRL; until it commits, readers get the previous one.
    for (const [part, octets] of crlPartsOf(crl.der).entries()) {
      await unitOfWork((tx) => tx.ca.insertCrlPart(caId, number, part, octets));
      await yieldToEventLoop();
    }
    const latest = await unitOfWork(async (tx) => {
      if (!await tx.ca.publishCrl(crl)) return false;
      // Only a CRL that became the latest was served, so only it may claim to have named a serial first.
      await tx.ca.markListed(caId, firstListed, number);
      await tx.audit.append({ at: now, actor: 'system:automation', action: 'crl.publish', target: `ca:${caId}`, details: { crlNumber: number, revoked: revokedCount, nextUpdate: crl.nextUpdate, bytes: der.byteLength, firstListed } });
      return true;
    });
    if (latest) remember(crl);
    return crl;
  };

  type Publishing = { running: Promise<StoredCrl>; queued: Promise<StoredCrl> | null };
  const publishing = new Map<string, Publishing>();
  const startPublishing = (caId: string): Promise<StoredCrl> => {
    const state: Publishing = { running: publishNow(caId), queued: null };
    publishing.set(caId, state);
    const settled = () => {
      if (publishing.get(caId) === state && state.queued === null) publishing.delete(caId);
    };
    state.running.then(settled, settled);
    return state.running;
  };

  const service = {
    /**
     * Signs and stores a new CRL for one CA that lists every revocation committed before the call. One
     * under way may have read the entries before, so a call that arrives meanwhile waits for the next,
     * which every call arriving meanwhile shares: a burst of revocations publishes twice, not once each
     * (at a million entries a CRL is seconds of work).
     */
    publish(caId: string): Promise<StoredCrl> {
      const state = publishing.get(caId);
      if (state === undefined) return startPublishing(caId);
      state.queued ??= state.running.then(() => undefined, () => undefined).then(() => startPublishing(caId));
      return state.queued;
    },

    async publishAll(caIds: readonly string[]): Promise<void> {
      for (const caId of new Set(caIds)) await service.publish(caId);
    },

    /** The CRL relying parties fetch: the latest, or a new one when there is none or it has lapsed. */
    async crl(caId: string): Promise<StoredCrl> {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const info = await unitOfWork((tx) => tx.ca.crlInfo(caId));
        if (info === null || Date.parse(info.nextUpdate) <= clock.now().getTime()) return service.publish(caId);
        const known = latestCrls.get(caId);
        if (known?.crlNumber === info.crlNumber) return known;
        const der = await readShared(info);
        // Null when a newer CRL replaced this one (and dropped its parts) while it was read: ask again.
        if (der !== null) return remember({ ...info, der });
      }
      const known = latestCrls.get(caId);
      if (known !== undefined && Date.parse(known.nextUpdate) > clock.now().getTime()) return known;
      throw new TrustplaneError('NOT_READY', `the CRL of ${caId} was replaced three times while it was being read; ask again`);
    },

    /** Publishes a new CRL for every CA whose latest is past half its validity (the scheduled refresh). Returns how many. */
    async refreshDue(): Promise<number> {
      const now = clock.now().getTime();
      let published = 0;
      for (const authority of await ca.list()) {
        const info = await unitOfWork((tx) => tx.ca.crlInfo(authority.id));
        if (info === null || now - Date.parse(info.thisUpdate) >= crlValidityMs / 2) {
          await service.publish(authority.id);
          published += 1;
        }
      }
      return published;
    },

    /** Answers an OCSP request (DER) for one CA; malformed requests get an OCSP error response, not an HTTP error. */
    async ocsp(caId: string, request: Uint8Array): Promise<Uint8Array> {
      const responder = await responderFor(caId);
      const now = clock.now();
      return responder.respond(request, now, new Date(now.getTime() + ocspValidityMs), async (serials) => {
        const found = await deps.readIssued(caId, serials);
        return found.map((issued) => (issued === null ? { kind: 'unknown' as const }
          : issued.revokedAt === null ? { kind: 'good' as const }
            : { kind: 'revoked' as const, revokedAt: new Date(issued.revokedAt), reason: issued.revocationReason === null ? null : crlReasonByName(issued.revocationReason) }));
      }).catch((error: unknown) => {
        // The relying party gets an OCSP answer it understands (§2.3); the operator gets the cause.
        deps.onError?.(error, `answering OCSP for ${caId}`);
        return ocspErrorResponse('internalError');
      });
    },
  };
  return service;
};

export type RevocationService = ReturnType<typeof createRevocationService>;
