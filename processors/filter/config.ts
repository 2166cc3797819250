import { componentConfig } from '../../src/config/component-config.js';
import { array, duration, mapping, number, object, oneOfTypes, string, type Infer } from '../../src/config/typed-schema.js';

const tests = { match: string(), not_match: string() };

/**
 * One test on one attribute; every test given must hold. `match` / `not_match`: globs the value (as text) must
 * (not) match — a missing attribute never matches `match` and passes `not_match`. Bounds are exclusive numbers.
 */
const condition = object({ ...tests, greater_than: number(), less_than: number() }, { minProperties: 1 });

/** The `duration` attribute's bounds: seconds, or a Go-style duration ("100ms") decoded to seconds. */
const durationBound = oneOfTypes([number(), duration({ unit: 's' })]);
const durationCondition = object({ ...tests, greater_than: durationBound, less_than: durationBound }, { minProperties: 1 });

/** attribute name (dots or underscores) → condition; durations like "100ms" only where the attribute is `duration`. */
const conditions = mapping({ duration: durationCondition }, condition, { minProperties: 1 });

const ruleSet = {
  /** Keep only the items for which every condition holds (Beyla's `filter.application` semantics). */
  keep: conditions,
  /** Drop the items for which every condition of one rule holds. */
  drop: array(conditions),
};

export const filterConfig = object({
  ...ruleSet,
  /** Extra rules only in traces pipelines. */
  traces: object(ruleSet),
  /** Extra rules only in metrics pipelines. */
  metrics: object(ruleSet),
  /** Rules for network-flow batches (flows pipelines). */
  flows: object(ruleSet),
});

export type FilterConfig = Infer<typeof filterConfig>;
export type RuleSet = Infer<ReturnType<typeof object<typeof ruleSet>>>;
export type Conditions = Infer<typeof conditions>;
export type Condition = Infer<typeof condition>;
export const { schema: filterSchema, defaultConfig: defaultFilterConfig } = componentConfig(filterConfig);
