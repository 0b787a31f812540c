import type { ImportedCredential, EntriesParse } from './parse-result.ts';
import { wholeFile } from './parse-result.ts';
import { decodeBase64 } from './pem-parser.ts';
import { describeSshPublicKey, sshKeyTypePattern } from './ssh-public-key.ts';
import { latin1, sshWireReader } from './ssh-wire.ts';

// OpenSSH public key lines: a .pub file, authorized_keys (options before the key type, sshd(8)
// AUTHORIZED_KEYS FILE FORMAT) or known_hosts (markers and host patterns before it). Entries are
// 'line N', 1-based, counting comment and blank lines.

type KeyLine = { type: string; base64: string; comment: string };

const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t';

/**
 * The tokens that could be the key type, in order, each with what follows it; options may quote spaces
 * ("a b"). A known_hosts host can itself look like a key type (a host named "sk-prod-1"), so every
 * candidate is kept and readLine takes the one whose key data says the same type.
 */
const keyLineCandidates = (line: string): KeyLine[] => {
  const candidates: KeyLine[] = [];
  let index = 0;
  while (index < line.length) {
    while (isSpace(line[index])) index++;
    const start = index;
    let quoted = false;
    while (index < line.length && (quoted || !isSpace(line[index]))) {
      if (quoted && line[index] === '\\') index++;
      else if (line[index] === '"') quoted = !quoted;
      index++;
    }
    const token = line.slice(start, index);
    if (sshKeyTypePattern.test(token)) {
      const [base64 = '', ...comment] = line.slice(index).trim().split(/[ \t]+/);
      candidates.push({ type: token, base64, comment: comment.join(' ') });
      if (candidates.length >= 4) break;
    }
  }
  return candidates;
};

/** True when the key data after a candidate type token is a key of that very type. */
const typeMatchesData = (candidate: KeyLine): boolean => {
  const blob = decodeBase64(candidate.base64);
  const inner = blob === null || blob.length === 0 ? null : sshWireReader(blob).readString();
  return inner !== null && latin1(inner) === candidate.type;
};

const readKeyLine = (line: string): KeyLine | null => {
  const candidates = keyLineCandidates(line);
  return candidates.find(typeMatchesData) ?? candidates[0] ?? null;
};

const isSignificant = (line: string): boolean => line !== '' && !line.startsWith('#');

/** True when the first line that is not blank or a comment holds an SSH public key. */
export const looksLikeOpenSsh = (text: string): boolean => {
  for (const raw of text.split('\n', 1000)) {
    const line = raw.trim();
    if (isSignificant(line)) return readKeyLine(line) !== null;
  }
  return false;
};

const readLine = (line: string): ImportedCredential['facts'] | string => {
  const keyLine = readKeyLine(line);
  if (keyLine === null) return 'no SSH public key on this line; a line holds [options] <key type> <base64 key> [comment]';
  const blob = decodeBase64(keyLine.base64);
  if (blob === null || blob.length === 0) return `the key data after "${keyLine.type}" is not valid base64; copy the key again from its .pub file`;
  const innerType = sshWireReader(blob).readString();
  if (innerType !== null && latin1(innerType) !== keyLine.type && sshKeyTypePattern.test(latin1(innerType))) {
    return `the line says "${keyLine.type}" but the key data holds a "${latin1(innerType)}" key; copy the key again from its .pub file`;
  }
  const read = describeSshPublicKey(blob);
  if (!read.ok) return read.message;
  const { type, ...key } = read.key;
  return { kind: 'ssh_key', name: keyLine.comment === '' ? `${type} key` : keyLine.comment.slice(0, 512), ...key };
};

export const parseOpenSshPublicKeys = (text: string): EntriesParse => {
  const credentials: ImportedCredential[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (!isSignificant(line)) continue;
    const entry = `line ${index + 1}`;
    const facts = readLine(line);
    if (typeof facts === 'string') return { ok: false, entry, message: facts };
    credentials.push({ entry, facts });
  }
  if (credentials.length === 0) return { ok: false, entry: wholeFile, message: 'no SSH public keys found; the file holds only comments and blank lines' };
  return { ok: true, credentials };
};
