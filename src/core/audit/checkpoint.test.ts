// Signed notes and checkpoints. The note vector is the example of Go's golang.org/x/mod/sumdb/note
// (note.go's package documentation and note_test.go): the PeterNeumann key, its text and its published
// signature. Ed25519 is deterministic (RFC 8032), so signing that text with that key must give exactly
// the published note, which is what makes Trustplane's checkpoints readable by Go's note package and
// the witnesses built on it.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkpointText, noteKeyId, openNote, parseCheckpoint, parseVerifierKey, signedNote, verifierKeyText } from './checkpoint.ts';
import { leafHash } from './merkle.ts';

// Vector source: golang.org/x/mod/sumdb/note, note.go (Example) and note_test.go.
const peterVerifierKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const peterSignerKey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const peterText = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n';
const peterNote = `${peterText}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const raw = (publicKeySpki: Uint8Array): Uint8Array => publicKeySpki.subarray(publicKeySpki.length - 32);

describe('C2SP signed notes', () => {
  const verifier = parseVerifierKey(peterVerifierKey);
  assert.ok(!('problem' in verifier));

  it('reads the published verifier key and gives its key ID and text back', () => {
    assert.equal(Buffer.from(verifier.keyId).toString('hex'), 'c74f20a3');
    assert.equal(Buffer.from(noteKeyId(verifier.name, verifier.publicKey)).toString('hex'), 'c74f20a3');
    assert.equal(verifierKeyText(verifier.name, verifier.publicKey), peterVerifierKey);
  });

  it('signs the published text into exactly the published note, and opens it', () => {
    const seed = Buffer.from(peterSignerKey.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length), 'base64').subarray(1);
    const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: Buffer.from(verifier.publicKey).toString('base64url') }, format: 'jwk' });
    const note = signedNote(peterText, 'PeterNeumann', verifier.publicKey, sign(null, Buffer.from(peterText), privateKey));
    assert.equal(note, peterNote);
    assert.deepEqual(openNote(peterNote, verifier), { ok: true, text: peterText });
  });

  it('refuses an altered note, another key, a missing signature and malformed keys', () => {
    assert.match((openNote(peterNote.replace('cryptography', 'cryptographY'), verifier) as { problem: string }).problem, /does not verify/);
    const other = generateKeyPairSync('ed25519');
    const otherKey = { name: 'PeterNeumann', keyId: verifier.keyId, publicKey: raw(other.publicKey.export({ type: 'spki', format: 'der' })) };
    assert.equal(openNote(peterNote, otherKey).ok, false, 'same name and ID, another key');
    assert.match((openNote(peterText, verifier) as { problem: string }).problem, /no blank line|signature/);
    assert.match((openNote(`${peterText}\n\u2014 Someone AAAAAAAA\n`, verifier) as { problem: string }).problem, /no signature of PeterNeumann/);
    for (const bad of ['PeterNeumann', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'PeterNeumann+c74f20a3+AhpcUPDhMQ==']) {
      assert.ok('problem' in parseVerifierKey(bad), bad);
    }
  });
});

describe('checkpoints', () => {
  it('write the tlog-checkpoint text, sign as a note, and read back', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const key = raw(publicKey.export({ type: 'spki', format: 'der' }));
    const checkpoint = { origin: 'trustplane.example/audit', size: 20852163, root: leafHash(Buffer.from('x')), time: new Date('2026-11-22T18:30:00.250Z') };
    const text = checkpointText(checkpoint);
    assert.equal(text, `trustplane.example/audit\n20852163\n${Buffer.from(checkpoint.root).toString('base64')}\ntime 2026-11-22T18:30:00Z\n`);
    const note = signedNote(text, checkpoint.origin, key, sign(null, Buffer.from(text), privateKey));
    const verifier = parseVerifierKey(verifierKeyText(checkpoint.origin, key));
    assert.ok(!('problem' in verifier));
    const opened = openNote(note, verifier);
    assert.ok(opened.ok);
    const read = parseCheckpoint(opened.text);
    assert.ok(!('problem' in read));
    assert.equal(read.size, 20852163);
    assert.equal(read.time?.toISOString(), '2026-11-22T18:30:00.000Z');
    assert.deepEqual(Buffer.from(read.root), Buffer.from(checkpoint.root));
    assert.ok('problem' in parseCheckpoint('origin\n012\nAAAA\n'));
    assert.throws(() => checkpointText({ ...checkpoint, origin: 'has space' }), RangeError);
  });
});
