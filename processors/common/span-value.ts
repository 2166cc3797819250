import type { Flow } from '../../src/model/flow.js';
import { spanDurationSeconds, type AttributeValue, type Span } from '../../src/model/span.js';
import { FLOW_ATTRIBUTES, flowAttributeValue } from '../../src/metrics/sources.js';
import { SPAN_METRIC_ATTRIBUTES, spanAttributeValue } from '../../src/metrics/span-values.js';
import { underscored } from './glob.js';

/** Pseudo-attributes filters can test besides the semantic-convention ones. */
export const SPAN_PSEUDO_ATTRIBUTES = ['duration', 'span.kind', 'span.name', 'protocol'] as const;

const KNOWN_SPAN = new Map([...SPAN_METRIC_ATTRIBUTES, ...SPAN_PSEUDO_ATTRIBUTES, 'db.query.text', 'db.operation.name', 'db.system.name', 'rpc.method'].map((n) => [underscored(n), n]));
const KNOWN_FLOW = new Map(FLOW_ATTRIBUTES.map((n) => [underscored(n), n]));

/** `url_path` → `url.path` when it names a known attribute; other names are kept as written. */
export const canonicalSpanName = (name: string): string => KNOWN_SPAN.get(underscored(name)) ?? name;
export const canonicalFlowName = (name: string): string => KNOWN_FLOW.get(underscored(name)) ?? name;

/** A span attribute as filters see it: pseudo-attributes, then spanAttributes() names, then resource attributes. */
export function spanValue(span: Span, name: string): AttributeValue | undefined {
  switch (name) {
    case 'duration':
      return spanDurationSeconds(span);
    case 'span.kind':
      return span.kind;
    case 'span.name':
      return span.name || undefined;
    case 'protocol':
      return span.protocol;
  }
  return spanAttributeValue(span, name) ?? span.service.attributes[name];
}

export const flowValue = (flow: Flow, name: string): AttributeValue | undefined => flowAttributeValue(flow, name);
