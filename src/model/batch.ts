import type { Flow } from './flow.js';
import type { Measurement } from './measurement.js';
import type { Span } from './span.js';
import type { AttributeSelection } from './attribute-selection.js';

/**
 * What flows through a pipeline. A batch is homogeneous so processors branch once per batch,
 * not per item. A component owns a batch only until it passes it on.
 */
export type Batch = SpanBatch | FlowBatch | MeasurementBatch;

export interface SpanBatch {
  readonly kind: 'spans';
  items: Span[];
  /** Metric attribute selection installed by the attributes processor; exporters use the defaults when absent. */
  selection?: AttributeSelection;
}

export interface FlowBatch {
  readonly kind: 'flows';
  items: Flow[];
  selection?: AttributeSelection;
}

export interface MeasurementBatch {
  readonly kind: 'measurements';
  items: Measurement[];
  selection?: AttributeSelection;
}

export const spanBatch = (items: Span[]): SpanBatch => ({ kind: 'spans', items });
export const flowBatch = (items: Flow[]): FlowBatch => ({ kind: 'flows', items });
export const measurementBatch = (items: Measurement[]): MeasurementBatch => ({ kind: 'measurements', items });

export function batchSize(batch: Batch): number {
  return batch.items.length;
}
