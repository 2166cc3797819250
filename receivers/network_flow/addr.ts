import { isIPv4, isIPv6 } from 'node:net';

/**
 * 16-byte addresses as the BPF records carry them: IPv6, or IPv4 mapped into ::ffff:a.b.c.d.
 * Formatting is interned: a flow's addresses repeat across reports, so each distinct address is built once.
 */
const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** True when bytes [off, off+16) are a v4-mapped address. */
export function isMappedV4(b: Uint8Array, off = 0): boolean {
  for (let i = 0; i < 12; i++) if (b[off + i] !== V4_PREFIX[i]) return false;
  return true;
}

/** RFC 5952 text of 16 address bytes; v4-mapped addresses print as plain dotted IPv4. */
export function formatAddress(b: Uint8Array, off = 0): string {
  if (isMappedV4(b, off)) return `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  // Longest run of ≥ 2 zero words becomes "::" (the first one when tied).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => words.slice(from, to).map((w) => w.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Parses IPv4 or IPv6 text into the 16-byte form (IPv4 v4-mapped); undefined when it is neither. */
export function parseAddress(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  if (isIPv4(text)) {
    out.set(V4_PREFIX);
    text.split('.').forEach((p, i) => (out[12 + i] = Number(p)));
    return out;
  }
  if (!isIPv6(text)) return undefined;
  let s = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    tail = [(p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!];
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').filter((x) => x !== '').map((h) => parseInt(h, 16)) : []);
  const hw = parse(head);
  const rw = parse(rest);
  const words = rest === undefined ? hw : [...hw, ...new Array<number>(8 - hw.length - rw.length).fill(0), ...rw];
  if (tail.length) words.splice(6, 2, ...tail);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Bounded cache of formatted addresses keyed by their 16 raw bytes (as a latin1 string). */
export class AddressInterner {
  private readonly cache = new Map<string, string>();

  constructor(private readonly max = 65536) {}

  get(b: Buffer, off: number): string {
    const raw = b.toString('latin1', off, off + 16);
    let text = this.cache.get(raw);
    if (text === undefined) {
      if (this.cache.size >= this.max) this.cache.clear();
      text = formatAddress(b, off);
      this.cache.set(raw, text);
    }
    return text;
  }
}
