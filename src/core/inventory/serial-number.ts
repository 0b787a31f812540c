// Serial numbers as `openssl x509 -serial` prints them, in lowercase: the magnitude's bytes in hex,
// without the 00 sign byte DER adds when the high bit is set (X.690 §8.3.2).

const hexSerial = /^(?:0x)?([0-9a-f]+(?:[:\- ][0-9a-f]+)*)$/i;

/** Lowercase hex serial from hex text (colons, dashes or spaces between bytes allowed); null if not hex. */
export const normaliseSerialNumber = (text: string): string | null => {
  if (text.length > 256) return null;
  const digits = hexSerial.exec(text.trim())?.[1]?.replaceAll(/[:\- ]/g, '').toLowerCase();
  if (digits === undefined || digits.length > 128) return null;
  const even = digits.length % 2 === 0 ? digits : `0${digits}`;
  const stripped = even.replace(/^(?:00)+/, '');
  return stripped === '' ? '00' : stripped;
};
