import type { AttributeValue, Span } from '../../src/model/span.js';
import { SPAN_METRIC_ATTRIBUTES } from '../../src/metrics/span-values.js';
import { spanValue } from '../common/span-value.js';
import type { AttributeAction } from './config.js';
import { hashValue } from './hash.js';
import { LumenError } from '../../src/component/index.js';

/** Attributes computed from a span's typed fields: readable and overridable, but not removable. */
const TYPED = new Set([...SPAN_METRIC_ATTRIBUTES, 'duration', 'span.kind', 'span.name', 'protocol']);

export type SpanAction = (span: Span) => void;

/** Checks an action's shape; throws a message saying what is wrong and what is allowed. */
export function checkAction(a: AttributeAction, where: string, removable: (key: string) => boolean): void {
  const hasSource = a.value !== undefined || a.from_attribute !== undefined;
  switch (a.action) {
    case 'insert':
    case 'update':
    case 'upsert':
      if ((a.value === undefined) === (a.from_attribute === undefined)) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: ${a.action} needs exactly one of "value" or "from_attribute"`);
      break;
    case 'rename':
      if (a.from_attribute === undefined || a.value !== undefined) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: rename needs "from_attribute" (the old name) and "key" (the new name), and no "value"`);
      if (!removable(a.from_attribute)) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: "${a.from_attribute}" is computed from the span and cannot be renamed away; insert a copy with from_attribute instead`);
      break;
    case 'delete':
    case 'hash':
      if (hasSource) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: ${a.action} takes only "key"`);
      if (a.action === 'delete' && !removable(a.key)) throw new LumenError('LUMEN_COMPONENT_CONFIG', `${where}: "${a.key}" is computed from the span and cannot be deleted; leave it out of metrics with select.<metric>.exclude instead`);
      break;
  }
}

/** One span action; the span's attributes object is replaced (copy-on-write) on the first change. */
export function compileSpanAction(a: AttributeAction, index: number): SpanAction {
  checkAction(a, `attributes.actions[${index}]`, (key) => !TYPED.has(key));
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
