import type { JsonSchema } from '../../src/component/index.js';

/** One test on one attribute; every test given must hold. */
export interface Condition {
  /** Glob the value (as text) must match; a missing attribute never matches. */
  match?: string;
  /** Glob the value must not match; a missing attribute passes. */
  not_match?: string;
  /** Numeric bounds (exclusive); for `duration` also Go-style durations ("100ms"). */
  greater_than?: number | string;
  less_than?: number | string;
}

/** attribute name (dots or underscores) → condition. */
export type Conditions = Record<string, Condition>;

export interface RuleSet {
  /** Keep only the items for which every condition holds (Beyla's `filter.application` semantics). */
  keep?: Conditions;
  /** Drop the items for which every condition of one rule holds. */
  drop?: Conditions[];
}

export interface FilterConfig extends RuleSet {
  /** Extra rules only in traces pipelines. */
  traces?: RuleSet;
  /** Extra rules only in metrics pipelines. */
  metrics?: RuleSet;
  /** Rules for network-flow batches (flows pipelines). */
  flows?: RuleSet;
}

const bound = { anyOf: [{ type: 'number' }, { type: 'string', format: 'duration' }] };
const condition = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { match: { type: 'string' }, not_match: { type: 'string' }, greater_than: bound, less_than: bound },
};
const conditions = { type: 'object', minProperties: 1, additionalProperties: condition };
const ruleSet = {
  type: 'object',
  additionalProperties: false,
  properties: { keep: conditions, drop: { type: 'array', items: conditions } },
};

export const filterSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...ruleSet.properties, traces: ruleSet, metrics: ruleSet, flows: ruleSet },
};

export function defaultFilterConfig(): FilterConfig {
  return {};
}
