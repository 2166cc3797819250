/** MySQL packets over a capture: 3-byte little-endian payload length, sequence id, payload (maybe cut). */
export interface MyPacket {
  seq: number;
  start: number;
  end: number;
  cut: boolean;
}

export function forEachPacket(b: Buffer, each: (p: MyPacket) => boolean | void): void {
  let at = 0;
  while (at + 4 <= b.length) {
    const len = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    const full = at + 4 + len;
    if (each({ seq: b[at + 3]!, start: at + 4, end: Math.min(full, b.length), cut: full > b.length }) === false) return;
    at = full;
  }
}

/** A length-encoded integer at `at`: its value and size; undefined when cut. */
export function lenEnc(b: Buffer, at: number, end: number): { value: number; size: number } | undefined {
  if (at >= end) return undefined;
  const f = b[at]!;
  if (f < 0xfb) return { value: f, size: 1 };
  if (f === 0xfc && at + 3 <= end) return { value: b.readUInt16LE(at + 1), size: 3 };
  if (f === 0xfd && at + 4 <= end) return { value: b.readUIntLE(at + 1, 3), size: 4 };
  if (f === 0xfe && at + 9 <= end) return { value: Number(b.readBigUInt64LE(at + 1) & 0x1f_ffff_ffff_ffffn), size: 9 };
  return undefined;
}
