// Reads the SSH wire encoding (RFC 4251 §5): uint32 and length-prefixed strings, bounds-checked.

export type SshWireReader = {
  readUint32: () => number | null;
  readString: () => Uint8Array | null;
  atEnd: () => boolean;
};

export const sshWireReader = (bytes: Uint8Array): SshWireReader => {
  let offset = 0;
  const readUint32 = (): number | null => {
    if (offset + 4 > bytes.length) return null;
    const value = ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
    offset += 4;
    return value;
  };
  const readString = (): Uint8Array | null => {
    const length = readUint32();
    if (length === null || offset + length > bytes.length) return null;
    const value = bytes.subarray(offset, offset + length);
    offset += length;
    return value;
  };
  return { readUint32, readString, atEnd: () => offset === bytes.length };
};

export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
