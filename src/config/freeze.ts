/** Freezes an object graph in place (the validated config is immutable) and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

import { isPrototypeKey } from './hostile.js';

/** A deep copy of plain data: component configs are merged from defaults and must not alias them. */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!isPrototypeKey(k)) out[k] = clonePlain(v);
    return out as T;
  }
  return value;
}

/** Merges `over` onto `base`: mappings merge key by key, anything else (lists, scalars) from `over` replaces. */
export function mergeDefaults(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = clonePlain(base);
    for (const [k, v] of Object.entries(over)) {
      // Prototype keys are refused when the document is read; skipping them here keeps a merge from ever writing one.
      if (isPrototypeKey(k)) continue;
      out[k] = Object.hasOwn(out, k) ? mergeDefaults(out[k], v) : clonePlain(v);
    }
    return out;
  }
  return over === undefined ? clonePlain(base) : clonePlain(over);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
