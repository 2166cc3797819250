import { createHash } from 'node:crypto';
import { BoundedCache } from '../common/bounded-cache.js';

const cache = new BoundedCache<string, string>(4096);

/** SHA-256 (hex) of the value's text, as the Collector's `hash` action; recent values are cached. */
export function hashValue(value: string | number | boolean): string {
  const text = String(value);
  let h = cache.get(text);
  if (h === undefined) {
    h = createHash('sha256').update(text).digest('hex');
    cache.set(text, h);
  }
  return h;
}
