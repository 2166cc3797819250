/** Byte helpers for the HTTP/1 parser: ASCII over Buffer views, no copies. */

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HT = 9;
export const COLON = 58;

/** A Buffer view over any Uint8Array (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Skips spaces and tabs forwards. */
export function skipOws(b: Buffer, i: number, end: number): number {
  while (i < end && (b[i] === SP || b[i] === HT)) i++;
  return i;
}

/** Trims spaces and tabs backwards. */
export function trimOwsEnd(b: Buffer, start: number, end: number): number {
  while (end > start && (b[end - 1] === SP || b[end - 1] === HT)) end--;
  return end;
}

/** Case-insensitive comparison of b[start, start + name.length) with a lower-case ASCII name. */
export function equalsLower(b: Buffer, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = b[start + i]!;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** A non-negative decimal integer, or -1 when the range is empty, not all digits, or absurdly long. */
export function parseDecimal(b: Buffer, start: number, end: number): number {
  if (start >= end || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Visible ASCII (VCHAR) and obs-text bytes are allowed in request targets; controls and spaces are not. */
export function isTargetByte(c: number): boolean {
  return c > 32 && c !== 127;
}

/** A token character (RFC 9110 §5.6.2). */
export function isTokenByte(c: number): boolean {
  if (c >= 97 && c <= 122) return true; // a-z
  if (c >= 65 && c <= 90) return true; // A-Z
  if (c >= 48 && c <= 57) return true; // 0-9
  return c === 33 || (c >= 35 && c <= 39) || c === 42 || c === 43 || c === 45 || c === 46 || c === 94 || c === 95 || c === 96 || c === 124 || c === 126;
}
