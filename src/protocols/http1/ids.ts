import { randomFillSync } from 'node:crypto';

/**
 * Random W3C ids from a pooled random buffer (one crypto call per 4 KiB of ids, not per span). The pool is
 * hex-encoded once per refill and each id is a slice of that text: a substring costs a few ns, where a hex
 * encoding per id (Buffer.toString('hex')) costs ~70 ns.
 */
const POOL = Buffer.allocUnsafe(4096);
let hex = '';
let pos = POOL.length;

function take(n: number): number {
  if (pos + n > POOL.length) {
    randomFillSync(POOL);
    hex = POOL.toString('hex');
    pos = 0;
  }
  const at = pos;
  pos += n;
  return at * 2;
}

/** 16 random bytes as 32 lower-case hex characters (never all zero). */
export function newTraceId(): string {
  const at = take(16);
  const id = hex.slice(at, at + 32);
  return id === '00000000000000000000000000000000' ? newTraceId() : id;
}

/** 8 random bytes as 16 lower-case hex characters (never all zero). */
export function newSpanId(): string {
  const at = take(8);
  const id = hex.slice(at, at + 16);
  return id === '0000000000000000' ? newSpanId() : id;
}
