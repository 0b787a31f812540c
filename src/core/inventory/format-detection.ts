import type { TrustMaterialFormat } from './parse-result.ts';
import { looksLikeOpenSsh } from './ssh-parser.ts';

export type DetectedContent =
  | { format: Exclude<TrustMaterialFormat, 'der'>; text: string }
  | { format: 'der' }
  | { format: 'empty' }
  | { format: 'unrecognised' };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// Text has no control characters other than tab, line feed, form feed and carriage return.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\x00-\x08\x0b\x0e-\x1f\x7f]/;

const decodeText = (bytes: Uint8Array): string | null => {
  try {
    const text = utf8.decode(bytes);
    return controlCharacter.test(text) ? null : text;
  } catch {
    return null;
  }
};

const extension = (fileName: string): string => /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';

/**
 * Recognises the format by content; the file name's extension only settles CSV files whose header has
 * no comma. Binary content can only be DER.
 */
export const detectFormat = (fileName: string, bytes: Uint8Array): DetectedContent => {
  const decoded = decodeText(bytes);
  if (decoded === null) return { format: 'der' };
  // Line breaks as LF only, so every parser counts lines the same way.
  const text = decoded.includes('\r') ? decoded.replaceAll(/\r\n?/g, '\n') : decoded;
  const start = /\S/.exec(text)?.[0];
  if (start === undefined) return { format: 'empty' };
  if (start === '{' || start === '[') return { format: 'json', text };
  if (/^[ \t]*-----BEGIN /m.test(text)) return { format: 'pem', text };
  if (looksLikeOpenSsh(text)) return { format: 'openssh', text };
  const lineEnd = text.indexOf('\n');
  const firstLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  if (extension(fileName) === 'csv' || firstLine.includes(',')) return { format: 'csv', text };
  return { format: 'unrecognised' };
};
