// OpenSSH public key lines beyond authorized_keys (trust-material.test.ts): known_hosts, FIDO security
// keys and refused lines. Security-key lines are assembled from the real keys in test/fixtures/inventory
// (no token is at hand to make one) and checked against ssh-keygen -lf.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { normaliseFingerprint } from './fingerprint.ts';
import { parseOpenSshPublicKeys } from './ssh-parser.ts';

const fixtureLines = readFileSync(new URL('../../../test/fixtures/inventory/authorized_keys', import.meta.url), 'utf8').split('\n');
const ed25519Line = fixtureLines[2]!.slice(fixtureLines[2]!.indexOf('ssh-ed25519'));
const ecdsaLine = readFileSync(new URL('../../../test/fixtures/inventory/openssh-private-ecdsa.pub', import.meta.url), 'utf8').trim();

const sshString = (value: Uint8Array | string): Buffer => {
  const bytes = Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** The strings of a wire-format blob. */
const sshStrings = (blob: Buffer): Buffer[] => {
  const strings: Buffer[] = [];
  for (let offset = 0; offset < blob.length; offset += 4 + blob.readUInt32BE(offset)) strings.push(blob.subarray(offset + 4, offset + 4 + blob.readUInt32BE(offset)));
  return strings;
};

const blobOf = (line: string): Buffer => Buffer.from(line.split(' ')[1]!, 'base64');

const sshKeygenFingerprint = (line: string): string | null =>
  normaliseFingerprint(execFileSync('ssh-keygen', ['-lf', '-'], { input: `${line}\n`, encoding: 'utf8' }).split(' ')[1]!);

describe('parseOpenSshPublicKeys', () => {
  it('reads known_hosts lines with markers and hashed host names', () => {
    const parsed = parseOpenSshPublicKeys([
      `@cert-authority *.acme.example ${ed25519Line}`,
      `|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM= ${ecdsaLine}`,
    ].join('\n'));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.credentials.map((credential) => [credential.entry, credential.facts.keyAlgorithm, credential.facts.fingerprint]), [
      ['line 1', 'Ed25519', sshKeygenFingerprint(ed25519Line)],
      ['line 2', 'ECDSA-P256', sshKeygenFingerprint(ecdsaLine)],
    ]);
  });

  it('reads FIDO security keys as ssh-keygen does', () => {
    const ed25519 = sshStrings(blobOf(ed25519Line))[1]!;
    const [, curve, point] = sshStrings(blobOf(ecdsaLine));
    const lines = [
      `sk-ssh-ed25519@openssh.com ${Buffer.concat([sshString('sk-ssh-ed25519@openssh.com'), sshString(ed25519), sshString('ssh:')]).toString('base64')} yubikey`,
      `sk-ecdsa-sha2-nistp256@openssh.com ${Buffer.concat([sshString('sk-ecdsa-sha2-nistp256@openssh.com'), sshString(curve!), sshString(point!), sshString('ssh:')]).toString('base64')}`,
    ];
    const parsed = parseOpenSshPublicKeys(lines.join('\n'));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.credentials.map((credential) => credential.facts), [
      { kind: 'ssh_key', name: 'yubikey', fingerprint: sshKeygenFingerprint(lines[0]!), keyAlgorithm: 'Ed25519', keySize: 256 },
      { kind: 'ssh_key', name: 'sk-ecdsa-sha2-nistp256@openssh.com key', fingerprint: sshKeygenFingerprint(lines[1]!), keyAlgorithm: 'ECDSA-P256', keySize: 256 },
    ]);
    assert.equal(parsed.credentials[0]?.facts.fingerprint, createHash('sha256').update(blobOf(lines[0]!)).digest('hex'));
  });

  it('refuses a line whose type differs from the key data', () => {
    const parsed = parseOpenSshPublicKeys(`# keys\n${ed25519Line.replace('ssh-ed25519', 'ssh-rsa')}`);
    assert.deepEqual(parsed, { ok: false, entry: 'line 2', message: 'the line says "ssh-rsa" but the key data holds a "ssh-ed25519" key; copy the key again from its .pub file' });
  });

  it('refuses key types it cannot read, and truncated key data', () => {
    const certificateType = 'ssh-ed25519-cert-v01@openssh.com';
    const certificate = parseOpenSshPublicKeys(`${certificateType} ${Buffer.concat([sshString(certificateType), sshString('nonce')]).toString('base64')}`);
    assert.ok(!certificate.ok);
    assert.match(certificate.message, /^the key type "ssh-ed25519-cert-v01@openssh.com" is not supported/);
    const blob = blobOf(ed25519Line);
    const truncated = parseOpenSshPublicKeys(`ssh-ed25519 ${blob.subarray(0, blob.length - 3).toString('base64')}`);
    assert.deepEqual(truncated, { ok: false, entry: 'line 1', message: 'the key data is malformed (truncated or corrupted); copy the key again from its .pub file' });
  });

  it('refuses a file of comments only, and a line without a key', () => {
    assert.deepEqual(parseOpenSshPublicKeys('# nobody\n\n'), { ok: false, entry: 'whole file', message: 'no SSH public keys found; the file holds only comments and blank lines' });
    const parsed = parseOpenSshPublicKeys(`${ed25519Line}\nnot a key\n`);
    assert.deepEqual(parsed.ok ? null : parsed.entry, 'line 2');
  });
});

describe('known_hosts', () => {
  it('a host named like a key type does not hide the key after it', () => {
    const key = readFileSync(new URL('../../../test/fixtures/inventory/openssh-private-ecdsa.pub', import.meta.url), 'utf8').trim();
    const [type, base64] = key.split(' ');
    const result = parseOpenSshPublicKeys(`sk-prod-1,10.0.0.9 ${type} ${base64}\nssh-bastion ${type} ${base64} me@host\n`);
    assert.ok(result.ok, result.ok ? '' : result.message);
    if (result.ok) assert.deepEqual(result.credentials.map((credential) => credential.facts.kind), ['ssh_key', 'ssh_key']);
  });
});
