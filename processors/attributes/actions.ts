import type { AttributeValue, Span } from '../../src/model/span.js';
import { SPAN_METRIC_ATTRIBUTES } from '../../src/metrics/span-values.js';
import { spanValue } from '../common/span-value.js';
import type { AttributeAction } from './config.js';
import { hashValue } from './hash.js';
import { LumenError } from '../../src/component/index.js';

/** Attributes computed from a span's typed fields: readable and overridable, but not removable. */
const TYPED = new Set([...SPAN_METRIC_ATTRIBUTES, 'duration', 'span.kind', 'span.name', 'protocol']);
/** Resource keys held as Service fields: readable and overridable, but not removable. */
const TYPED_RESOURCE = new Set(['service.name', 'service.namespace']);

/** Whether an action's attribute may be removed (delete, rename away) in its context. */
export function removableIn(context: 'span' | 'resource' | undefined): (key: string) => boolean {
  const typed = context === 'resource' ? TYPED_RESOURCE : TYPED;
  return (key) => !typed.has(key);
}

export type SpanAction = (span: Span) => void;

/** What is wrong with an action's shape (what is allowed included), or undefined. The factory's validate() reports it. */
export function actionProblem(a: AttributeAction): string | undefined {
  const removable = removableIn(a.context);
  const hasSource = a.value !== undefined || a.from_attribute !== undefined;
  switch (a.action) {
    case 'insert':
    case 'update':
    case 'upsert':
      if ((a.value === undefined) === (a.from_attribute === undefined)) return `${a.action} needs exactly one of "value" or "from_attribute"`;
      break;
    case 'rename':
      if (a.from_attribute === undefined || a.value !== undefined) return 'rename needs "from_attribute" (the old name) and "key" (the new name), and no "value"';
      if (!removable(a.from_attribute)) return `"${a.from_attribute}" is computed from the span and cannot be renamed away; insert a copy with from_attribute instead`;
      break;
    case 'delete':
    case 'hash':
      if (hasSource) return `${a.action} takes only "key"`;
      if (a.action === 'delete' && !removable(a.key)) return `"${a.key}" is computed from the span and cannot be deleted; leave it out of metrics with select.<metric>.exclude instead`;
      break;
  }
  return undefined;
}

/** For a config that did not go through validation (create() called directly): the same rule, thrown. */
export function checkAction(a: AttributeAction, where: string): void {
  const problem = actionProblem(a);
  if (problem) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: ${problem}`);
}

/** One span action; the span's attributes object is replaced (copy-on-write) on the first change. */
export function compileSpanAction(a: AttributeAction, index: number): SpanAction {
  checkAction(a, `attributes.actions[${index}]`);
  const key = a.key;
  const from = a.from_attribute;
  const source = (span: Span): AttributeValue | undefined => (from !== undefined ? spanValue(span, from) : a.value);
  const set = (span: Span, value: AttributeValue) => {
    span.attributes = { ...span.attributes, [key]: value };
  };
  switch (a.action) {
    case 'insert':
      return (span) => {
        const v = spanValue(span, key) === undefined ? source(span) : undefined;
        if (v !== undefined) set(span, v);
      };
    case 'update':
      return (span) => {
        const v = spanValue(span, key) !== undefined ? source(span) : undefined;
        if (v !== undefined) set(span, v);
      };
    case 'upsert':
      return (span) => {
        const v = source(span);
        if (v !== undefined) set(span, v);
      };
    case 'hash':
      return (span) => {
        const v = spanValue(span, key);
        if (v !== undefined) set(span, hashValue(v));
      };
    case 'delete':
      return (span) => {
        if (span.attributes[key] === undefined) return;
        const { [key]: _gone, ...rest } = span.attributes;
        span.attributes = rest;
      };
    case 'rename':
      return (span) => {
        const v = span.attributes[from!];
        if (v === undefined) return;
        const { [from!]: _old, ...rest } = span.attributes;
        span.attributes = { ...rest, [key]: v };
      };
  }
}
