import { randomFillSync } from 'node:crypto';

/**
 * Random W3C ids from a pooled random buffer (one crypto call per 4 KiB of ids, not per span).
 */
const POOL = Buffer.allocUnsafe(4096);
let pos = POOL.length;

function take(n: number): number {
  if (pos + n > POOL.length) {
    randomFillSync(POOL);
    pos = 0;
  }
  const at = pos;
  pos += n;
  return at;
}

/** 16 random bytes as 32 lower-case hex characters (never all zero). */
export function newTraceId(): string {
  const at = take(16);
  const id = POOL.toString('hex', at, at + 16);
  return id === '00000000000000000000000000000000' ? newTraceId() : id;
}

/** 8 random bytes as 16 lower-case hex characters (never all zero). */
export function newSpanId(): string {
  const at = take(8);
  const id = POOL.toString('hex', at, at + 8);
  return id === '0000000000000000' ? newSpanId() : id;
}
