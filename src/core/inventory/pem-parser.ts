// Splits text into PEM blocks (RFC 7468). Text outside blocks is ignored, as RFC 7468 §2 allows (bundles
// often carry "subject=" lines). RFC 1421 headers are read only to notice legacy encryption.

export type PemBlock = {
  label: string;
  /** 1-based line of the BEGIN line. */
  line: number;
  /** Legacy OpenSSL encryption: a "Proc-Type: 4,ENCRYPTED" header. */
  encrypted: boolean;
  base64: string;
};

export type PemSplit = { ok: true; blocks: PemBlock[] } | { ok: false; line: number; message: string };

// RFC 7468 §3: a label is printable ASCII without hyphen-minus.
const beginLine = /^-----BEGIN ([\x20-\x2c\x2e-\x7e]{1,64})-----$/;
const endLine = /^-----END ([\x20-\x2c\x2e-\x7e]{1,64})-----$/;
const headerLine = /^[A-Za-z][A-Za-z0-9-]*:/;
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

export const splitPem = (text: string): PemSplit => {
  const lines = text.split('\n');
  const blocks: PemBlock[] = [];
  let open: { label: string; line: number; encrypted: boolean; body: string[] } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const lineNumber = index + 1;
    if (line.startsWith('-----BEGIN')) {
      const label = beginLine.exec(line)?.[1];
      if (label === undefined) return { ok: false, line: lineNumber, message: 'the BEGIN line is malformed; it must read -----BEGIN <LABEL>-----' };
      if (open !== undefined) return { ok: false, line: open.line, message: `the ${open.label} block has no END line before the next BEGIN line` };
      open = { label, line: lineNumber, encrypted: false, body: [] };
    } else if (line.startsWith('-----END')) {
      const label = endLine.exec(line)?.[1];
      if (open === undefined) return { ok: false, line: lineNumber, message: 'an END line without a BEGIN line before it' };
      if (label !== open.label) return { ok: false, line: lineNumber, message: `the ${open.label} block that begins on line ${open.line} must end with -----END ${open.label}-----` };
      blocks.push({ label: open.label, line: open.line, encrypted: open.encrypted, base64: open.body.join('') });
      open = undefined;
    } else if (open !== undefined && line !== '') {
      if (open.body.length === 0 && headerLine.test(line)) {
        if (/^Proc-Type:.*ENCRYPTED/i.test(line)) open.encrypted = true;
      } else {
        open.body.push(line);
      }
    }
  }
  if (open !== undefined) return { ok: false, line: open.line, message: `the ${open.label} block has no END line; the file may be cut short` };
  return { ok: true, blocks };
};

/** Strict base64 (RFC 4648 §4): the lenient Buffer decoder would skip stray characters silently. */
export const decodeBase64 = (text: string): Buffer | null =>
  text.length % 4 === 0 && base64Text.test(text) ? Buffer.from(text, 'base64') : null;
