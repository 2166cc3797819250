/**
 * Socket addresses from records as strings, cached: a host talks to few peers, so the same strings are
 * reused (interned) instead of rebuilt per span. IPv4-mapped IPv6 addresses (dual-stack listeners) are
 * written as IPv4 so both ends of a loopback connection show the same tuple.
 */
const AF_INET = 2;
const MAX_CACHED = 4096;

const v4Cache = new Map<number, string>();
const v6Cache = new Map<string, string>();

export function formatAddress(bytes: Buffer, at: number, family: number): string {
  if (family === AF_INET) return v4(bytes.readUInt32BE(at));
  if (isV4Mapped(bytes, at)) return v4(bytes.readUInt32BE(at + 12));
  const key = bytes.toString('hex', at, at + 16);
  let s = v6Cache.get(key);
  if (s === undefined) {
    s = formatV6(bytes, at);
    if (v6Cache.size >= MAX_CACHED) v6Cache.clear();
    v6Cache.set(key, s);
  }
  return s;
}

function v4(n: number): string {
  let s = v4Cache.get(n);
  if (s === undefined) {
    s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    if (v4Cache.size >= MAX_CACHED) v4Cache.clear();
    v4Cache.set(n, s);
  }
  return s;
}

function isV4Mapped(b: Buffer, at: number): boolean {
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) return false;
  return b[at + 10] === 0xff && b[at + 11] === 0xff;
}

/** RFC 5952 text form: lower case, longest run of zero groups (length >= 2) as "::". */
export function formatV6(b: Buffer, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(at + i * 2));
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
