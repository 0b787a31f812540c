// What an import may do to a credential already on record. An import adds credentials and refreshes the
// facts it states about known ones (where they are stored, who uses them, validity, …); it never changes
// a known credential's trust state or what it is. Those take a change, decided under the class's decision
// rights, requested, approved and audited as one; an import that could revive a revoked certificate, or
// move a credential into a class with laxer rights, would be a way around them.
//   kind:   an entry of another kind does not describe this credential (each kind hashes its own material
//           into the fingerprint), so nothing of it is applied: the entry is skipped;
//   class:  a stated class other than the recorded one is held back (an unclassified credential may be
//           given its first class: that adds a fact, it moves nothing);
//   status: never written for a known credential; a stated status other than the stored one or the one
//           in effect is held back (an export that says "expired" of a lapsed certificate asks nothing);
//   name:   a certificate's name is read from its subject, so only an entry that carries the subject
//           names it; an entry without one keeps the recorded name;
//   source: a stated source other than the recorded one is held back: the source decides which connector
//           acts on the credential and what the class's allowedSources accept of its successors.

/** What an entry says about the credential's identity and trust state; null means "not stated". */
export type StatedIdentity = { kind: string; name: string; subject: string | null; classId: string | null; status: string | null; sourceId: string | null };

/**
 * The credential on record: `status` as stored, `statusInEffect` as readers see it (an active certificate
 * past its not-after is expired). An entry that states either one asks for nothing.
 */
export type RecordedIdentity = { kind: string; name: string; classId: string | null; status: string; statusInEffect: string; sourceId: string | null };

export type HeldBackField = 'kind' | 'class' | 'status' | 'name' | 'source';

/** A value an entry asked for that the import did not write: what was asked, what stands, and why. */
export type HeldBack = { field: HeldBackField; asked: string; stands: string; reason: string };

export type Restatement =
  /** Nothing of the entry was applied. */
  | { outcome: 'skipped'; heldBack: HeldBack[] }
  /** The entry's facts were applied, but for the fields held back, which keep what is recorded. */
  | { outcome: 'refreshed'; heldBack: HeldBack[] };

export const heldBackReasons: Readonly<Record<HeldBackField, string>> = {
  kind: 'an entry of another kind does not describe this credential (its fingerprint is of other material); nothing of the entry was applied',
  class: 'moving a classified credential to another class changes which decision rights govern it, which an import never does',
  status: 'the status of a credential on record changes only through a change (revoke, retire, renew, rotate) under its class\'s decision rights',
  name: 'a certificate\'s name is read from its subject, and this entry does not carry one',
  source: 'the source decides which connector acts on a credential and which successors the class accepts; moving it to another takes a change',
};

const held = (field: HeldBackField, asked: string, stands: string): HeldBack => ({ field, asked, stands, reason: heldBackReasons[field] });

export const restateKnownCredential = (stated: StatedIdentity, recorded: RecordedIdentity): Restatement => {
  if (stated.kind !== recorded.kind) return { outcome: 'skipped', heldBack: [held('kind', stated.kind, recorded.kind)] };
  const heldBack: HeldBack[] = [];
  if (stated.classId !== null && recorded.classId !== null && stated.classId !== recorded.classId) {
    heldBack.push(held('class', stated.classId, recorded.classId));
  }
  if (stated.status !== null && stated.status !== recorded.status && stated.status !== recorded.statusInEffect) {
    heldBack.push(held('status', stated.status, recorded.statusInEffect));
  }
  if (stated.sourceId !== null && recorded.sourceId !== null && stated.sourceId !== recorded.sourceId) {
    heldBack.push(held('source', stated.sourceId, recorded.sourceId));
  }
  if (recorded.kind === 'x509_certificate' && stated.subject === null && stated.name !== recorded.name) {
    heldBack.push(held('name', stated.name, recorded.name));
  }
  return { outcome: 'refreshed', heldBack };
};
