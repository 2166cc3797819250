import { LumenError } from '../errors/lumen-error.js';
/**
 * Explicit-bucket histogram arithmetic shared by the Prometheus and OTLP renderers. Bucket i counts values
 * in (bounds[i-1], bounds[i]] — the same upper-inclusive rule in Prometheus (`le`) and OTLP; the last bucket
 * (index bounds.length) is the overflow (+Inf).
 */
export function bucketIndex(bounds: Float64Array, value: number): number {
  const n = bounds.length;
  // Bounds are short (≤ 16): a linear scan beats a binary search here.
  for (let i = 0; i < n; i++) if (value <= bounds[i]!) return i;
  return n;
}

/** Running cumulative counts (Prometheus `_bucket` values), the last one being the +Inf bucket. */
export function cumulative(counts: Float64Array): Float64Array {
  const out = new Float64Array(counts.length);
  let acc = 0;
  for (let i = 0; i < counts.length; i++) out[i] = acc += counts[i]!;
  return out;
}

/** Validates and freezes bucket boundaries: finite, strictly increasing, at least one. */
export function checkBounds(bounds: readonly number[], what: string): Float64Array {
  if (bounds.length === 0) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${what}: needs at least one bucket boundary`);
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i]!;
    if (!Number.isFinite(b)) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${what}: boundary ${b} is not a finite number`);
    if (i > 0 && b <= bounds[i - 1]!) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${what}: boundaries must be strictly increasing, got ${bounds[i - 1]} then ${b}`);
  }
  return Float64Array.from(bounds);
}
