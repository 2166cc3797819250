import type { AttributeSelection } from '../../src/model/attribute-selection.js';

/** The attribute that marks the one series per metric (and service) that overflowing attribute sets go to. */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';

const ONLY_OVERFLOW: readonly string[] = Object.freeze([OVERFLOW_ATTRIBUTE]);

/**
 * The selection the cardinality guard puts on its overflow batches: every metric carries only
 * `otel.metric.overflow` (set to true on each of those items), so they all land in one series.
 */
export class OverflowSelection implements AttributeSelection {
  namesFor(): readonly string[] {
    return ONLY_OVERFLOW;
  }
}

export const OVERFLOW_SELECTION = new OverflowSelection();
