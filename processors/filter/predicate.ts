import type { AttributeValue } from '../../src/model/span.js';
import { globToRegExp } from '../common/glob.js';
import type { Condition, Conditions, RuleSet } from './config.js';
import { LumenError } from '../../src/component/index.js';

/** Reads an attribute of an item by (canonical) name. */
export type Lookup<T> = (item: T, name: string) => AttributeValue | undefined;

/** A compiled test of one attribute. */
interface Test {
  readonly name: string;
  check(value: AttributeValue | undefined): boolean;
}

function compileCondition(name: string, c: Condition): Test {
  const match = c.match !== undefined ? globToRegExp(c.match) : undefined;
  const notMatch = c.not_match !== undefined ? globToRegExp(c.not_match) : undefined;
  const isDuration = name === 'duration';
  // Validation decoded durations to seconds; a string here comes from a config that skipped validation.
  const num = (b: number | string | undefined, key: string) => {
    if (b === undefined || typeof b === 'number') return b;
    const n = Number(b);
    if (Number.isNaN(n)) throw new LumenError('LUMEN_COMPONENT_CONFIG', `filter ${name}.${key}: "${b}" is not a number (durations like "100ms" only apply to "duration")`);
    return n;
  };
  const gt = num(c.greater_than, 'greater_than');
  const lt = num(c.less_than, 'less_than');
  return {
    name,
    check(value) {
      if (value === undefined) return match === undefined && gt === undefined && lt === undefined;
      const text = typeof value === 'string' ? value : String(value);
      if (match && !match.test(text)) return false;
      if (notMatch && notMatch.test(text)) return false;
      if (gt !== undefined || lt !== undefined) {
        const n = typeof value === 'number' ? value : Number(value);
        if (Number.isNaN(n) || (gt !== undefined && !(n > gt)) || (lt !== undefined && !(n < lt))) return false;
      }
      return true;
    },
  };
}

function compileAll<T>(conditions: Conditions, canonical: (name: string) => string, lookup: Lookup<T>): (item: T) => boolean {
  const tests = Object.entries(conditions).map(([name, c]) => compileCondition(canonical(name), c));
  return (item) => {
    for (const t of tests) if (!t.check(lookup(item, t.name))) return false;
    return true;
  };
}

/** Combines rule sets into one `keep(item)` decision: every keep condition holds and no drop rule does. */
export function compileRules<T>(sets: readonly (RuleSet | undefined)[], canonical: (name: string) => string, lookup: Lookup<T>): ((item: T) => boolean) | undefined {
  const keeps: ((item: T) => boolean)[] = [];
  const drops: ((item: T) => boolean)[] = [];
  for (const s of sets) {
    if (!s) continue;
    if (s.keep) keeps.push(compileAll(s.keep, canonical, lookup));
    for (const d of s.drop ?? []) drops.push(compileAll(d, canonical, lookup));
  }
  if (keeps.length === 0 && drops.length === 0) return undefined;
  return (item) => {
    for (const k of keeps) if (!k(item)) return false;
    for (const d of drops) if (d(item)) return false;
    return true;
  };
}
