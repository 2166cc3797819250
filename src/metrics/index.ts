export * from './aggregator.js';
export * from './buckets.js';
export * from './histogram.js';
export type { Series } from './series.js';
export { spanAttributeValue, SPAN_METRIC_ATTRIBUTES } from './span-values.js';
export * from './naming.js';
