// Certificates and keys from test/fixtures/inventory (made with openssl and ssh-keygen, see its README),
// checked against what `openssl` and `ssh-keygen` say about the same files when the test runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CredentialFacts, ParseResult } from './index.ts';
import { formatParseFailure, normaliseFingerprint, parseTrustMaterial } from './index.ts';

const fixturesDirectory = new URL('../../../test/fixtures/inventory/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixturesDirectory));
const fixturePath = (name: string): string => new URL(name, fixturesDirectory).pathname;
const parseFixture = (name: string): ParseResult => parseTrustMaterial({ name, bytes: fixture(name) });
const parseText = (name: string, text: string): ParseResult => parseTrustMaterial({ name, bytes: Buffer.from(text) });

const run = (command: string, args: string[], input?: string | Buffer): string => execFileSync(command, args, { input, encoding: 'utf8' });
const runBytes = (command: string, args: string[], input?: string | Buffer): Buffer => execFileSync(command, args, { input });
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const credentialsOf = (result: ParseResult): CredentialFacts[] => {
  assert.ok(result.ok, result.ok ? '' : formatParseFailure(result.error));
  return result.credentials.map((credential) => credential.facts);
};

const failureOf = (result: ParseResult) => {
  assert.ok(!result.ok, 'expected the file to be refused');
  return result.error;
};

const certificateBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];

const sanPrefixes: Record<string, string> = { 'DNS': 'dns', 'IP Address': 'ip', 'email': 'email', 'URI': 'uri' };

/** The facts `openssl x509` prints for one certificate (PEM or DER). */
const opensslFacts = (certificate: string | Buffer, inform: 'PEM' | 'DER') => {
  const x509 = (...args: string[]) => run('openssl', ['x509', '-inform', inform, '-noout', ...args], certificate);
  const printed = x509('-fingerprint', '-sha256', '-serial', '-dates', '-dateopt', 'iso_8601', '-ext', 'subjectAltName,basicConstraints');
  const text = x509('-text');
  const field = (pattern: RegExp): string => pattern.exec(printed)?.[1] ?? assert.fail(`openssl printed no ${pattern}`);
  const sanLine = /X509v3 Subject Alternative Name: *\n\s+(.+)/.exec(printed)?.[1];
  return {
    fingerprint: normaliseFingerprint(field(/sha256 Fingerprint=([0-9A-F:]+)/)),
    serial: field(/serial=([0-9A-F]+)/).toLowerCase(),
    notBefore: new Date(field(/notBefore=(.+)/).replace(' ', 'T')),
    notAfter: new Date(field(/notAfter=(.+)/).replace(' ', 'T')),
    sans: sanLine?.split(', ').map((name) => {
      const separator = name.indexOf(':');
      return `${sanPrefixes[name.slice(0, separator)] ?? '?'}:${name.slice(separator + 1)}`;
    }),
    isCa: /CA:TRUE/.test(printed),
    subject: x509('-subject', '-nameopt', 'RFC2253').trim().replace(/^subject=/, ''),
    issuer: x509('-issuer', '-nameopt', 'RFC2253').trim().replace(/^issuer=/, ''),
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text)?.[1],
    // Printed for RSA and EC keys; OpenSSL prints no size for Ed25519.
    keySize: /Public-Key: \((\d+) bit\)/.exec(text)?.[1],
  };
};

const assertMatchesOpenssl = (facts: CredentialFacts, certificate: string | Buffer, inform: 'PEM' | 'DER') => {
  const expected = opensslFacts(certificate, inform);
  assert.equal(facts.kind, 'x509_certificate');
  assert.equal(facts.fingerprint, expected.fingerprint);
  assert.equal(facts.serial, expected.serial);
  assert.deepEqual(facts.notBefore, expected.notBefore);
  assert.deepEqual(facts.notAfter, expected.notAfter);
  assert.deepEqual(facts.sans, expected.sans);
  assert.equal(facts.isCa, expected.isCa);
  // RFC 2253 output has no space after the commas; Trustplane's RFC 4514 strings have one.
  assert.equal(facts.subject?.replaceAll(', ', ','), expected.subject);
  assert.equal(facts.issuer?.replaceAll(', ', ','), expected.issuer);
  // OpenSSL 3.0 prints "ED25519" where Trustplane keeps the RFC 8410 spelling.
  assert.equal(facts.signatureAlgorithm === 'Ed25519' ? 'ED25519' : facts.signatureAlgorithm, expected.signatureAlgorithm);
  if (expected.keySize !== undefined) assert.equal(facts.keySize, Number(expected.keySize));
};

/** SHA-256 of the DER SubjectPublicKeyInfo, as openssl derives it from a key file. */
const opensslSpkiFingerprint = (args: string[], input?: string): string =>
  sha256(runBytes('openssl', ['pkey', ...args, '-pubout', '-outform', 'DER'], input));

describe('PEM certificates', () => {
  it('reads every certificate of a chain in order, with the facts openssl prints', () => {
    const pem = fixture('chain.pem').toString();
    const result = parseFixture('chain.pem');
    assert.ok(result.ok);
    assert.equal(result.format, 'pem');
    assert.deepEqual(result.credentials.map((credential) => credential.entry), ['certificate #1 (line 1)', 'certificate #2 (line 18)', 'certificate #3 (line 30)']);
    const blocks = certificateBlocks(pem);
    assert.equal(blocks.length, 3);
    result.credentials.forEach((credential, index) => assertMatchesOpenssl(credential.facts, blocks[index]!, 'PEM'));
  });

  it('names the leaf by its CN and describes an RSA leaf under an ECDSA-P256 issuer under an ECDSA-P384 root', () => {
    const [leaf, issuing, root] = credentialsOf(parseFixture('chain.pem'));
    assert.deepEqual(
      [leaf, issuing, root].map((facts) => [facts?.name, facts?.keyAlgorithm, facts?.keySize, facts?.isCa, facts?.signatureAlgorithm]),
      [
        ['api.acme.example', 'RSA', 2048, false, 'ecdsa-with-SHA256'],
        ['Acme Test Issuing CA', 'ECDSA-P256', 256, true, 'ecdsa-with-SHA384'],
        ['Acme Test Root CA', 'ECDSA-P384', 384, true, 'ecdsa-with-SHA384'],
      ],
    );
    assert.deepEqual(leaf?.sans, ['dns:api.acme.example', 'dns:www.acme.example', 'ip:10.0.0.1']);
    // DER carries 00 F1 E2…: the serial is the magnitude, as openssl prints it.
    assert.equal(leaf?.serial, 'f1e2d3c4b5a69788');
  });

  it('reads an Ed25519 self-signed certificate with email and URI names', () => {
    const [facts] = credentialsOf(parseFixture('ed25519-self-signed.pem'));
    assert.ok(facts);
    assertMatchesOpenssl(facts, fixture('ed25519-self-signed.pem'), 'PEM');
    assert.equal(facts.keyAlgorithm, 'Ed25519');
    assert.equal(facts.keySize, 256);
    assert.equal(facts.signatureAlgorithm, 'Ed25519');
    assert.deepEqual(facts.sans, ['email:pki@acme.example', 'uri:spiffe://acme.example/ns/prod/sa/signer']);
  });

  it('names a certificate without a subject by its first SAN', () => {
    const pem = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
      '-subj', '/', '-days', '1', '-addext', 'subjectAltName=IP:2001:db8::1,DNS:only.acme.example']);
    const [facts] = credentialsOf(parseText('no-subject.pem', pem));
    assert.deepEqual([facts?.name, facts?.subject, facts?.sans], ['2001:db8::1', '', ['ip:2001:db8::1', 'dns:only.acme.example']]);
  });

  it('reads a bundle with CRLF line ends and text between the blocks', () => {
    const pem = fixture('chain.pem').toString();
    const annotated = certificateBlocks(pem).map((block, index) => `subject=certificate ${index}\n${block}`).join('').replaceAll('\n', '\r\n');
    const result = parseText('bundle.crt', annotated);
    assert.ok(result.ok);
    assert.deepEqual(result.credentials.map((credential) => credential.entry), ['certificate #1 (line 2)', 'certificate #2 (line 20)', 'certificate #3 (line 33)']);
  });
});

describe('DER', () => {
  it('reads a DER certificate', () => {
    const result = parseFixture('issuing-ca.der');
    assert.ok(result.ok);
    assert.equal(result.format, 'der');
    assert.equal(result.credentials[0]?.entry, 'certificate #1');
    assertMatchesOpenssl(result.credentials[0]!.facts, fixture('issuing-ca.der'), 'DER');
  });

  it('reads a DER public key', () => {
    const result = parseFixture('ecdsa-p384-public.der');
    assert.ok(result.ok);
    assert.equal(result.format, 'der');
    assert.deepEqual(result.credentials[0], {
      entry: 'public key #1',
      facts: { kind: 'signing_key', name: 'ECDSA-P384 public key', fingerprint: sha256(fixture('ecdsa-p384-public.der')), keyAlgorithm: 'ECDSA-P384', keySize: 384 },
    });
  });

  it('refuses a certificate or public key with bytes after it', () => {
    for (const name of ['issuing-ca.der', 'ecdsa-p384-public.der']) {
      const error = failureOf(parseTrustMaterial({ name, bytes: Buffer.concat([fixture(name), Buffer.from([0, 0])]) }));
      assert.match(error.message, /^not a DER certificate or public key/, name);
    }
  });

  it('refuses bytes that are neither', () => {
    const error = failureOf(parseFixture('garbage.bin'));
    assert.equal(formatParseFailure(error).startsWith('garbage.bin: whole file: not a DER certificate or public key'), true);
  });
});

describe('public and private keys', () => {
  it('reads a P-384 public key with the fingerprint of its SubjectPublicKeyInfo', () => {
    const [facts] = credentialsOf(parseFixture('ecdsa-p384-public.pem'));
    assert.deepEqual(facts, {
      kind: 'signing_key',
      name: 'ECDSA-P384 public key',
      fingerprint: opensslSpkiFingerprint(['-pubin', '-in', fixturePath('ecdsa-p384-public.pem')]),
      keyAlgorithm: 'ECDSA-P384',
      keySize: 384,
    });
  });

  it('reads an RSA PUBLIC KEY (PKCS#1) block', () => {
    const rsaPublicKey = run('openssl', ['rsa', '-in', fixturePath('private-key-pkcs8.pem'), '-RSAPublicKey_out']);
    assert.match(rsaPublicKey, /BEGIN RSA PUBLIC KEY/);
    const [facts] = credentialsOf(parseText('rsa.pub.pem', rsaPublicKey));
    assert.equal(facts?.fingerprint, opensslSpkiFingerprint(['-in', fixturePath('private-key-pkcs8.pem')]));
    assert.equal(facts?.name, 'RSA-2048 public key');
  });

  for (const name of ['private-key-pkcs8.pem', 'ec-private-key-sec1.pem']) {
    it(`derives the public facts of ${name} and keeps nothing private`, () => {
      const bytes = fixture(name);
      const before = Buffer.from(bytes);
      const result = parseTrustMaterial({ name, bytes });
      const [facts] = credentialsOf(result);
      assert.equal(facts?.kind, 'private_key');
      assert.equal(facts?.fingerprint, opensslSpkiFingerprint(['-in', fixturePath(name)]));
      assertHoldsNoPartOf(JSON.stringify(result), bytes.toString());
      assert.deepEqual(bytes, before, 'the caller\'s bytes are left as they were');
    });
  }

  it('reads the EC key after its EC PARAMETERS block and counts only the key', () => {
    const result = parseFixture('ec-private-key-sec1.pem');
    assert.ok(result.ok);
    assert.deepEqual(result.credentials.map((credential) => [credential.entry, credential.facts.name]), [['private key #1 (line 4)', 'ECDSA-P256 private key']]);
  });

  for (const name of ['openssh-private-ecdsa', 'openssh-private-ecdsa-encrypted']) {
    it(`reads the public key stored in the clear in ${name}`, () => {
      const spki = runBytes('openssl', ['pkey', '-pubin', '-outform', 'DER'], run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', fixturePath(`${name}.pub`)]));
      const result = parseFixture(name);
      const [facts] = credentialsOf(result);
      assert.equal(facts?.kind, 'private_key');
      assert.equal(facts?.fingerprint, sha256(spki));
      assertHoldsNoPartOf(JSON.stringify(result), fixture(name).toString());
    });
  }

  it('refuses an encrypted PKCS#8 key without repeating it', () => {
    const error = failureOf(parseFixture('private-key-encrypted.pem'));
    assert.equal(formatParseFailure(error), 'private-key-encrypted.pem: private key #1 (line 1): encrypted private key: Trustplane cannot read it; import its certificate or public key instead');
  });

  it('refuses a legacy encrypted RSA PRIVATE KEY (Proc-Type header)', () => {
    const legacy = run('openssl', ['rsa', '-in', fixturePath('private-key-pkcs8.pem'), '-traditional', '-aes256', '-passout', 'pass:fixture-only']);
    assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
    const error = failureOf(parseText('legacy.key', legacy));
    assert.equal(error.entry, 'private key #1 (line 1)');
    assert.match(error.message, /^encrypted private key/);
  });

  it('never lets a private key reach a failure message', () => {
    // A certificate request after the key fails the file; nothing of the key may appear in the failure.
    const request = run('openssl', ['req', '-new', '-key', fixturePath('private-key-pkcs8.pem'), '-subj', '/CN=csr.acme.example']);
    const key = fixture('private-key-pkcs8.pem').toString();
    const error = failureOf(parseText('key-and-csr.pem', `${key}${request}`));
    assert.equal(error.entry, 'certificate request #1 (line 29)');
    assert.match(error.message, /certificate signing request/);
    assertHoldsNoPartOf(JSON.stringify(error), key);
  });
});

const blobOf = (line: string): Buffer => Buffer.from(line.split(' ')[1]!, 'base64');

/** No 16-character run of any base64 line of `pem` appears in `serialised`. */
const assertHoldsNoPartOf = (serialised: string, pem: string) => {
  const body = pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')).join('');
  for (let start = 0; start + 16 <= body.length; start += 4) {
    assert.equal(serialised.includes(body.slice(start, start + 16)), false, 'the result holds part of the private key');
  }
};

describe('OpenSSH public keys', () => {
  it('reads authorized_keys like ssh-keygen -lf, skipping comments and options', () => {
    const expected = run('ssh-keygen', ['-lf', fixturePath('authorized_keys')]).trim().split('\n').map((line) => {
      const [bits, fingerprint] = line.split(' ');
      const type = /\((\w+)\)$/.exec(line)?.[1];
      return { fingerprint: normaliseFingerprint(fingerprint!), keySize: Number(bits), type };
    });
    const result = parseFixture('authorized_keys');
    assert.ok(result.ok);
    assert.equal(result.format, 'openssh');
    const algorithms: Record<string, string> = { ED25519: 'Ed25519', RSA: 'RSA', ECDSA: 'ECDSA-P384' };
    assert.deepEqual(
      result.credentials.map((credential) => ({ fingerprint: credential.facts.fingerprint, keySize: credential.facts.keySize, type: credential.facts.keyAlgorithm })),
      expected.map((key) => ({ ...key, type: algorithms[key.type!] })),
    );
    // ssh-keygen -lf repeats the previous comment for a key without one; the file has none for line 6.
    assert.deepEqual(
      result.credentials.map((credential) => [credential.entry, credential.facts.kind, credential.facts.name]),
      [['line 3', 'ssh_key', 'alice@laptop'], ['line 4', 'ssh_key', 'deploy@ci'], ['line 6', 'ssh_key', 'ecdsa-sha2-nistp384 key']],
    );
  });

  it('names a bad line', () => {
    const lines = fixture('authorized_keys').toString().split('\n');
    lines[3] = lines[3]!.replace(/AAAAB3NzaC1yc2E\S{40}/, 'AAAAB3NzaC1yc2E!');
    const error = failureOf(parseText('authorized_keys', lines.join('\n')));
    assert.equal(error.file, 'authorized_keys');
    assert.equal(error.entry, 'line 4');
    assert.match(error.message, /not valid base64/);
  });
});

describe('refused files', () => {
  it('names the certificate whose DER is cut short, by number and line', () => {
    const error = failureOf(parseFixture('chain-truncated-second.pem'));
    assert.equal(error.file, 'chain-truncated-second.pem');
    assert.equal(error.entry, 'certificate #2 (line 18)');
    assert.match(error.message, /does not decode as an X\.509 certificate/);
  });

  it('names the certificate whose base64 holds a stray character', () => {
    const lines = fixture('chain.pem').toString().split('\n');
    lines[20] = `${lines[20]!.slice(0, 10)}*${lines[20]!.slice(11)}`;
    const error = failureOf(parseText('chain.pem', lines.join('\n')));
    assert.deepEqual([error.entry, /base64/.test(error.message)], ['certificate #2 (line 18)', true]);
  });

  it('names a PEM block with no END line', () => {
    const pem = fixture('chain.pem').toString();
    const error = failureOf(parseText('cut.pem', pem.slice(0, pem.lastIndexOf('-----END'))));
    assert.equal(formatParseFailure(error), 'cut.pem: line 30: the CERTIFICATE block has no END line; the file may be cut short');
  });

  it('names an unsupported block type', () => {
    const pkcs7 = run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', fixturePath('ed25519-self-signed.pem')]);
    const error = failureOf(parseText('bundle.p7b', pkcs7));
    assert.equal(error.entry, '"PKCS7" block #1 (line 1)');
    assert.match(error.message, /^unsupported PEM block "PKCS7"/);
  });

  it('refuses PEM markers without a certificate or key', () => {
    const parameters = run('openssl', ['ecparam', '-name', 'prime256v1']);
    const error = failureOf(parseText('curve.pem', parameters));
    assert.equal(error.entry, 'whole file');
    assert.match(error.message, /no certificate or key blocks/);
  });

  it('refuses an empty file and a file of blank lines', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('\n  \n')]) {
      assert.equal(formatParseFailure(failureOf(parseTrustMaterial({ name: 'empty.pem', bytes }))), 'empty.pem: whole file: the file is empty');
    }
  });

  it('refuses text in no format it knows', () => {
    const error = failureOf(parseText('notes.txt', 'these are not certificates\n'));
    assert.match(error.message, /^not a recognised format/);
  });

  it('never throws on hostile variants of certificates and keys', () => {
    // Every single-byte change and every truncation of the DER inside: refused or read, never a throw.
    const pemBody = (name: string) => Buffer.from(fixture(name).toString().split('\n').filter((line) => /^[A-Za-z0-9+/=]+$/.test(line)).join(''), 'base64');
    const variants: [string, Buffer, (der: Buffer) => Buffer][] = [
      ['issuing-ca.der', fixture('issuing-ca.der'), (der) => der],
      ['ecdsa-p384-public.der', fixture('ecdsa-p384-public.der'), (der) => der],
      ['key.pem', pemBody('private-key-pkcs8.pem'), (der) => Buffer.from(`-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`)],
      ['id_ecdsa', pemBody('openssh-private-ecdsa'), (der) => Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY-----\n${der.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`)],
      ['id_ecdsa.pub', blobOf(fixture('openssh-private-ecdsa.pub').toString()), (blob) => Buffer.from(`ecdsa-sha2-nistp256 ${blob.toString('base64')}\n`)],
    ];
    for (const [name, der, wrap] of variants) {
      assert.ok(parseTrustMaterial({ name, bytes: wrap(der) }).ok, name);
      for (let index = 0; index < der.length; index++) {
        const changed = Buffer.from(der);
        changed[index] = changed[index]! ^ 0xff;
        assert.doesNotThrow(() => parseTrustMaterial({ name, bytes: wrap(changed) }));
        assert.doesNotThrow(() => parseTrustMaterial({ name, bytes: wrap(der.subarray(0, index)) }));
      }
    }
  });
});

describe('private keys that would be slow to load', () => {
  it('refuses DSA and Diffie-Hellman private keys before anything computes their public value', () => {
    const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dh = run('openssl', ['genpkey', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048']);
    for (const [name, pem] of [['dsa.pem', dsa], ['dh.pem', dh]] as const) {
      const failure = failureOf(parseText(name, pem));
      assert.equal(failure.entry, 'private key #1 (line 1)');
      assert.match(failure.message, /DSA and Diffie-Hellman private keys are not read/);
      assert.ok(!formatParseFailure(failure).includes(pem.split('\n')[1]!.slice(0, 20)), 'no key material in the message');
    }
  });
});

describe('names', () => {
  it('takes the common name from a multi-valued RDN', () => {
    const pem = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
      '-subj', '/O=Acme/OU=ops+CN=api.acme.example', '-multivalue-rdn', '-days', '30']);
    const [certificate] = credentialsOf(parseText('multi.pem', pem));
    assert.equal(certificate?.name, 'api.acme.example');
    assert.equal(certificate?.subject, 'OU=ops + CN=api.acme.example, O=Acme');
  });
});
