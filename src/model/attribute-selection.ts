/**
 * Which attributes each metric carries, beyond/instead of its defaults (Beyla's `attributes.select`).
 * Built by the attributes processor, read by metric exporters through `metricAttributeNames()`.
 * Attribute and metric names are compared in dotted form ("http.route"); globs use picomatch.
 */
export interface AttributeSelection {
  /** Returns the attribute names (dotted) that `metric` (OTel name) must carry, given its defaults. */
  namesFor(metric: string, defaults: readonly string[], available: readonly string[]): readonly string[];
}
