/** Text out of captured bytes: bounded, Latin-1 (a byte is a character; never throws on invalid UTF-8). */

/** Index of the first `byte` in b[from, to), or -1. */
export function indexOfByte(b: Buffer, byte: number, from: number, to: number): number {
  const i = b.indexOf(byte, from);
  return i < 0 || i >= to ? -1 : i;
}

/** A NUL-terminated string at `at` (to `end` when no NUL), and where the next field starts. */
export function cString(b: Buffer, at: number, end: number): { text: string; next: number } {
  const z = indexOfByte(b, 0, at, end);
  const stop = z < 0 ? end : z;
  return { text: b.toString('utf8', at, stop), next: z < 0 ? end : z + 1 };
}

/** Printable text only (statement names, keys, topics): control characters make it not a name. */
export function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
