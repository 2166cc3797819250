/**
 * RESP2/RESP3 values over a capture, without building them: where each top-level value ends, its type, and
 * (for commands) the first bulk strings. A value cut by the capture ends the walk.
 */
const CR = 13;
const MAX_DEPTH = 8;
const MAX_ELEMENTS = 1 << 20;

/** Index after the CRLF ending the line at `at`, or -1 when the capture ends first. */
function lineEnd(b: Buffer, at: number): number {
  const cr = b.indexOf(CR, at);
  if (cr < 0 || cr + 1 >= b.length || b[cr + 1] !== 10) return -1;
  return cr + 2;
}

/** The integer of a line's body b[at, end-2), or NaN. */
function lineInt(b: Buffer, at: number, end: number): number {
  if (end - 2 - at > 20 || end - 2 <= at) return NaN;
  const n = Number(b.toString('latin1', at, end - 2));
  return Number.isSafeInteger(n) ? n : NaN;
}

/**
 * End of the RESP value at `at` (after its last CRLF); -1 when it is cut by the capture, -2 when the bytes are
 * not RESP.
 */
export function valueEnd(b: Buffer, at: number, depth = 0): number {
  if (at >= b.length) return -1;
  if (depth > MAX_DEPTH) return -2;
  const t = b[at]!;
  const le = lineEnd(b, at + 1);
  if (le < 0) return b.length - at > 64 * 1024 ? -2 : -1;
  switch (t) {
    case 0x2b: /* + */ case 0x2d: /* - */ case 0x3a: /* : */ case 0x5f: /* _ */ case 0x2c: /* , */ case 0x23: /* # */ case 0x28: /* ( */
      return le;
    case 0x24: /* $ */ case 0x21: /* ! */ case 0x3d: /* = */ {
      const n = lineInt(b, at + 1, le);
      if (n === -1 && t === 0x24) return le; // null bulk (RESP2)
      if (!(n >= 0)) return -2;
      const end = le + n + 2;
      if (end > b.length) return -1;
      return b[end - 2] === CR && b[end - 1] === 10 ? end : -2;
    }
    case 0x2a: /* * */ case 0x7e: /* ~ */ case 0x3e: /* > */ case 0x25: /* % */ case 0x7c: /* | */ {
      const n = lineInt(b, at + 1, le);
      if (n === -1 && t === 0x2a) return le; // null array
      if (!(n >= 0) || n > MAX_ELEMENTS) return -2;
      const items = t === 0x25 || t === 0x7c ? n * 2 : n;
      let p = le;
      for (let i = 0; i < items; i++) {
        p = valueEnd(b, p, depth + 1);
        if (p < 0) return p;
      }
      if (t === 0x7c) return valueEnd(b, p, depth + 1); // attributes precede the value they describe
      return p;
    }
    default:
      return -2;
  }
}

/** A command: an array of bulk strings; the name (upper-cased) and its first argument. */
export interface RedisCommand {
  name: string;
  key: string;
  /** Arguments after the key (counted, never kept: values may be secrets). */
  more: number;
  end: number;
}

/**
 * The command at `at`, undefined when cut (the rest of the capture) or not a command. `cut`: the request went on
 * past the capture, so a command whose name (and key) were read but whose value is cut is still returned, ending
 * at the capture's end (it is the last one).
 */
export function readCommand(b: Buffer, at: number, cut = false): RedisCommand | undefined | 'bad' {
  if (at >= b.length) return undefined;
  if (b[at] !== 0x2a) return inlineCommand(b, at);
  const le = lineEnd(b, at + 1);
  if (le < 0) return undefined;
  const n = lineInt(b, at + 1, le);
  if (!(n >= 1) || n > MAX_ELEMENTS) return 'bad';
  let p = le;
  let name = '';
  let key = '';
  for (let i = 0; i < n; i++) {
    const e = p >= b.length ? -1 : b[p] !== 0x24 ? -2 : valueEnd(b, p);
    if (e === -2) return 'bad';
    if (e === -1) return cut && i >= 1 && isName(name) ? { name, key, more: Math.max(0, n - 2), end: b.length } : undefined;
    if (i < 2) {
      const l = lineEnd(b, p + 1);
      const s = b.toString('latin1', l, e - 2);
      if (i === 0) name = s.toUpperCase();
      else key = s;
    }
    p = e;
  }
  if (!isName(name)) return 'bad';
  return { name, key, more: Math.max(0, n - 2), end: p };
}

const isName = (name: string) => /^[A-Z][A-Z0-9_.|-]{0,31}$/.test(name);

/** An inline command ("PING\r\n"): words separated by spaces. */
function inlineCommand(b: Buffer, at: number): RedisCommand | undefined | 'bad' {
  const le = lineEnd(b, at);
  if (le < 0) return b.length - at > 4096 ? 'bad' : undefined;
  const words = b.toString('latin1', at, le - 2).trim().split(/ +/);
  const name = words[0]!.toUpperCase();
  if (!isName(name)) return 'bad';
  return { name, key: words[1] ?? '', more: Math.max(0, words.length - 2), end: le };
}

/** An error reply's prefix ("ERR", "WRONGTYPE", "NOAUTH"): '-' simple errors and '!' blob errors. */
export function errorPrefix(b: Buffer, at: number, end: number): string | undefined {
  const t = b[at];
  if (t !== 0x2d && t !== 0x21) return undefined;
  let from = at + 1;
  if (t === 0x21) from = lineEnd(b, at + 1);
  if (from < 0) return 'ERR';
  let stop = from;
  while (stop < end && stop - from < 32 && b[stop]! >= 0x41 && b[stop]! <= 0x5a) stop++;
  return stop > from ? b.toString('latin1', from, stop) : 'ERR';
}
